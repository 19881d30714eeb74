package postgres_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// TestConverge runs every testdata/plan case against the server: a
// database is made from from.sql and data.sql, to.sql is loaded into a
// scratch database and inspected, and the plan between them must equal
// want.sql (go test -update rewrites it). The plan is applied; then the
// database must inspect equal to to.sql (a second diff is empty), every
// table that exists on both sides must keep its rows, and check.sql must
// give check.out. The SQL that SQL() writes for to.sql must load back into
// the same schema (inspect --format sql round trip). Finally the reverse plan is applied and the database
// must be back at from.sql, rows kept.
func TestConverge(t *testing.T) {
	if os.Getenv(testdb.PostgresEnv) == "" {
		t.Skipf("set %s to run the PostgreSQL convergence tests", testdb.PostgresEnv)
	}
	for _, c := range readPlanCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _, d := newDB(t)
			load(t, db, "from.sql", c.From)
			if c.Data != "" {
				load(t, db, "data.sql", c.Data)
			}
			before := rowCounts(t, db)
			current := inspect(t, d, db)
			desired := loadSchema(t, d, "to.sql", c.To)

			roundTrip(t, d, desired, c.To)

			p := plan(t, d, current, desired)
			got := p.Format()
			if *update {
				c.Rewrite(t, "want.sql", got)
			} else if got != c.Want {
				t.Errorf("plan differs from want.sql (-want +got):\n%s", cmp.Diff(c.Want, got))
			}

			conn := pin(t, db)
			if err := dialect.Apply(ctx, d, conn, p); err != nil {
				t.Fatalf("apply: %v\nplan:\n%s", err, got)
			}
			after := inspect(t, d, db)
			if changes := diff.Compare(after, desired); len(changes) > 0 {
				t.Fatalf("after the migration the database still differs from to.sql:\n%s\nplan:\n%s", describe(changes), got)
			}
			if again := plan(t, d, after, desired); !again.Empty() {
				t.Errorf("second plan is not empty:\n%s", again.Format())
			}
			checkRows(t, before, rowCounts(t, db))

			if c.Check != "" {
				var b strings.Builder
				for _, q := range strings.Split(strings.TrimSpace(c.Check), ";\n") {
					q = strings.TrimSuffix(strings.TrimSpace(q), ";")
					if q == "" {
						continue
					}
					b.WriteString("> " + q + "\n")
					for _, line := range queryRows(t, db, q) {
						b.WriteString(line + "\n")
					}
				}
				if *update {
					c.Rewrite(t, "check.out", b.String())
				} else if b.String() != c.Out {
					t.Errorf("check.sql gives (-want +got):\n%s", cmp.Diff(c.Out, b.String()))
				}
			}

			// And back.
			if c.From == "" {
				return
			}
			original := loadSchema(t, d, "from.sql", c.From)
			mid := rowCounts(t, db)
			back := plan(t, d, after, original)
			if err := dialect.Apply(ctx, d, conn, back); err != nil {
				t.Fatalf("apply the reverse plan: %v\nplan:\n%s", err, back.Format())
			}
			final := inspect(t, d, db)
			if changes := diff.Compare(final, original); len(changes) > 0 {
				t.Fatalf("after the reverse migration the database differs from from.sql:\n%s\nplan:\n%s", describe(changes), back.Format())
			}
			checkRows(t, mid, rowCounts(t, db))
		})
	}
}

// checkRows fails when a table present before and after lost or gained rows.
func checkRows(t *testing.T, before, after map[string]int) {
	t.Helper()
	for _, name := range sortedKeys(before) {
		if n, ok := after[name]; ok && n != before[name] {
			t.Errorf("table %s had %d rows, now %d", name, before[name], n)
		}
	}
}

// roundTrip checks that the SQL the engine writes for an inspected schema
// (inspect --format sql) loads back into the same schema. src is the
// script the schema came from.
func roundTrip(t *testing.T, d *postgres.Dialect, want *schema.Schema, src string) {
	t.Helper()
	script := d.SQL(want)
	if otherSchemas(want) {
		// The script holds the current schema only: the others come from
		// the source, whose current schema is emptied.
		script = src + ";\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n" + script
	}
	got := loadSchema(t, d, "to.sql written back", script)
	if changes := diff.Compare(want, got); len(changes) > 0 {
		t.Errorf("to.sql written back by SQL() differs:\n%s\nscript:\n%s", describe(changes), script)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inspect → SQL() → load → inspect differs (-want +got):\n%s\nscript:\n%s", diff, script)
	}
}

// otherSchemas reports whether s has a foreign key to another schema.
func otherSchemas(s *schema.Schema) bool {
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefSchema != "" {
				return true
			}
		}
	}
	return false
}
