package sqlite

import (
	"context"
	"database/sql"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/diff"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// TestPlanGolden plans every testdata/plan case from its stored schemas
// (dialecttest.Plans) and checks that no plan holds SQL that SQLite does
// not have or that touches what it owns.
func TestPlanGolden(t *testing.T) {
	dialecttest.Plans(t, New(), dialecttest.Update(*update))
	for _, c := range readPlanCases(t) {
		for _, bad := range []string{"sqlite_autoindex", "ADD CONSTRAINT", "ADD UNIQUE", "ALTER COLUMN", `CONSTRAINT ""`} {
			if strings.Contains(c.Want, bad) {
				t.Errorf("%s: want.sql contains %q", c.Name, bad)
			}
		}
	}
}

// TestRoundTrip checks, for the to.sql of every case, that the SQL the
// engine writes for an inspected schema (inspect --format sql) loads back
// into the same schema.
func TestRoundTrip(t *testing.T) {
	d := New()
	for _, c := range readPlanCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, side := range []struct{ name, src string }{{"from.sql", c.From}, {"to.sql", c.To}} {
				want := loadSchema(t, d, side.name, side.src)
				script := d.SQL(want)
				got := loadSchema(t, d, side.name+" written back", script)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: inspect → SQL → load → inspect differs (-want +got):\n%s\nscript:\n%s", side.name, diff, script)
				}
				if changes := diff.Compare(want, got); len(changes) > 0 {
					t.Errorf("%s: written back, it differs:\n%s", side.name, describe(changes))
				}
			}
		})
	}
}

// TestConverge runs the conformance harness (dialecttest.Converge) over
// every case, on database files opened with foreign keys ON the way an
// application opens them.
func TestConverge(t *testing.T) {
	dialecttest.Converge(t, New(), openTB, convergeOptions()...)
}

// convergeOptions are the harness's options for this engine: -update, and
// SQLite's own checks.
func convergeOptions() []dialecttest.Option {
	return []dialecttest.Option{dialecttest.Update(*update), dialecttest.Health(health)}
}

// openTB is openFile for the harness.
func openTB(t testing.TB) *sql.DB { return openFile(t.(*testing.T)) }

// health is SQLite's part of the harness's health check: foreign_key_check
// and integrity_check clean, and foreign_keys ON again on the connection
// the migration ran on.
func health(ctx context.Context, conn *sql.Conn) ([]string, error) {
	var out []string
	var on bool
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, err
	}
	if !on {
		out = append(out, "foreign_keys is OFF after the migration; it was ON before")
	}
	rows, err := conn.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, err
		}
		out = append(out, "foreign_key_check: row "+rowidText(rowid)+" of "+table+" has no parent in "+parent)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ok string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return nil, err
	}
	if ok != "ok" {
		out = append(out, "integrity_check: "+ok)
	}
	return out, nil
}

func rowidText(id sql.NullInt64) string {
	if !id.Valid {
		return "(without rowid)"
	}
	return strconv.FormatInt(id.Int64, 10)
}
