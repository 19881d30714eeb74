package sqlite

import (
	"context"
	"database/sql"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// TestPlanGolden plans every testdata/plan case from a scratch database and
// compares the SQL with want.sql (go test -update rewrites it).
func TestPlanGolden(t *testing.T) {
	d := New()
	for _, c := range readPlanCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			from := loadSchema(t, d, "from.sql", c.From)
			to := loadSchema(t, d, "to.sql", c.To)
			got := dialect.FormatEnveloped(d, plan(t, d, from, to))
			// SQL that SQLite does not have, or that touches what it owns.
			for _, bad := range []string{"sqlite_autoindex", "ADD CONSTRAINT", "ADD UNIQUE", "ALTER COLUMN", `CONSTRAINT ""`} {
				if strings.Contains(got, bad) {
					t.Errorf("the plan contains %q:\n%s", bad, got)
				}
			}
			if *update {
				c.Rewrite(t, "want.sql", got)
				return
			}
			if got != c.Want {
				t.Errorf("plan differs from want.sql (-want +got):\n%s", cmp.Diff(c.Want, got))
			}
		})
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

// TestConverge applies every case's plan to a real database file opened
// with foreign keys ON, holding the rows of data.sql, and checks that the
// database ends up with the desired schema, every row and a clean bill of
// health, and that planning again gives nothing.
func TestConverge(t *testing.T) {
	d := New()
	ctx := context.Background()
	for _, c := range readPlanCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			p, conn, desired := converge(t, d, c.From, c.Data, c.To)
			if got := dialect.FormatEnveloped(d, p); got != c.Want && !*update {
				t.Errorf("the plan for the live database differs from want.sql (-want +got):\n%s", cmp.Diff(c.Want, got))
			}

			// The plan as printed (diff, upgrade --sql, migration files) is
			// a script that does the same when run statement by statement.
			t.Run("script", func(t *testing.T) {
				db := openFile(t)
				load(t, db, "from.sql", c.From)
				if c.Data != "" {
					load(t, db, "data.sql", c.Data)
				}
				conn := pin(t, db)
				stmts, err := sqlsplit.Split(dialect.FormatEnveloped(d, p), sqlsplit.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range stmts {
					if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
						conn.ExecContext(ctx, "ROLLBACK")
						t.Fatalf("line %d: %v\n%s", s.Line, err, s.SQL)
					}
				}
				if changes := diff.Compare(inspect(t, d, conn), desired); len(changes) > 0 {
					t.Errorf("after the script the database still differs from to.sql:\n%s", describe(changes))
				}
			})

			if c.Check == "" {
				return
			}
			got := runChecks(t, conn, c.Check)
			if *update {
				c.Rewrite(t, "check.out", got)
				return
			}
			if got != c.Out {
				t.Errorf("check.sql results differ from check.out (-want +got):\n%s", cmp.Diff(c.Out, got))
			}
		})
	}
}

// converge loads from (and data) into a database file with foreign keys
// ON, plans the change to to, applies it on a pinned connection and checks
// the outcome: the schema is to's, every table kept has all its rows,
// foreign_key_check and integrity_check are clean, foreign_keys is ON
// again, and a second plan is empty. It returns the plan, the connection
// and the desired schema.
func converge(t *testing.T, d *Dialect, from, data, to string) (*dialect.Plan, *sql.Conn, *schema.Schema) {
	t.Helper()
	ctx := context.Background()
	db := openFile(t)
	load(t, db, "from.sql", from)
	if data != "" {
		load(t, db, "data.sql", data)
	}
	desired := loadSchema(t, d, "to.sql", to)
	current := inspect(t, d, db)
	if changes := diff.Compare(current, loadSchema(t, d, "from.sql", from)); len(changes) > 0 {
		t.Fatalf("the live database and a scratch copy of from.sql differ:\n%s", describe(changes))
	}
	p := plan(t, d, current, desired)

	before := rowCounts(t, db)
	conn := pin(t, db)
	if err := dialect.Apply(ctx, d, conn, p); err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p.Format())
	}
	if !foreignKeysOn(t, conn) {
		t.Error("foreign_keys is OFF after Apply; it was ON before")
	}

	after := inspect(t, d, conn)
	if changes := diff.Compare(after, desired); len(changes) > 0 {
		t.Errorf("after the migration the database still differs from to.sql:\n%s\nplan:\n%s", describe(changes), p.Format())
	}
	counts := rowCounts(t, conn)
	for table, n := range before {
		if m, ok := counts[table]; ok && m != n && table != "sqlite_sequence" {
			t.Errorf("table %s: %d rows before the migration, %d after", table, n, m)
		}
	}
	mustCheck(t, conn)
	if again := plan(t, d, after, desired); !again.Empty() {
		t.Errorf("second plan is not empty:\n%s", again.Format())
	}
	return p, conn, desired
}

// runChecks runs each statement of script and returns its results as text:
// the statement after "> ", then one line per row.
func runChecks(t *testing.T, q dialect.Querier, script string) string {
	t.Helper()
	stmts, err := sqlsplit.Split(script, sqlsplit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString("> " + strings.Join(strings.Fields(s.SQL), " ") + "\n")
		for _, row := range queryRows(t, q, s.SQL) {
			b.WriteString(row + "\n")
		}
	}
	return b.String()
}
