package mysql_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// TestConverge runs every testdata/plan case against the server: a
// database is made from from.sql and data.sql; to.sql is loaded into a
// scratch database and inspected; the plan between them must equal
// want.sql (go test -update rewrites it). The plan is applied; then the
// database must inspect equal to to.sql (a second diff is empty), every
// table on both sides must keep its rows, and check.sql must give
// check.out. The reverse plan then takes the database back to from.sql,
// rows kept, and the SQL that SQL() prints for to.sql must load back into
// the same schema.
func TestConverge(t *testing.T) {
	if os.Getenv(testdb.MySQLEnv) == "" {
		t.Skipf("set %s to run the MySQL convergence cases", testdb.MySQLEnv)
	}
	for _, c := range readPlanCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			db, _, d := newDB(t)
			conn := pin(t, db)
			run(t, conn, "from.sql", c.From)
			if c.Data != "" {
				run(t, conn, "data.sql", c.Data)
			}
			before := rowCounts(t, db)
			current := inspect(t, d, db)
			desired := loadSchema(t, d, "to.sql", c.To)

			p := plan(t, d, current, desired)
			got := p.Format()
			if *update {
				c.Rewrite(t, "want.sql", got)
			} else if got != c.Want {
				t.Errorf("plan differs from want.sql (go test -update rewrites it):\n%s", cmp.Diff(c.Want, got))
			}
			apply(t, d, db, p)

			after := inspect(t, d, db)
			if changes := compare(after, desired); len(changes) > 0 {
				t.Fatalf("after the plan the database still differs from to.sql:\n%s\nplan:\n%s", describe(changes), got)
			}
			if again := plan(t, d, after, desired); !again.Empty() {
				t.Errorf("a second plan is not empty:\n%s", again.Format())
			}
			counts := rowCounts(t, db)
			for table, n := range before {
				if m, ok := counts[table]; ok && m != n {
					t.Errorf("table %s has %d rows after the plan, had %d", table, m, n)
				}
			}
			if c.Check != "" {
				var lines []string
				for _, q := range strings.Split(strings.TrimSpace(c.Check), ";\n") {
					q = strings.TrimSuffix(strings.TrimSpace(q), ";")
					if q == "" {
						continue
					}
					lines = append(lines, queryRows(t, db, q)...)
				}
				gotOut := strings.Join(lines, "\n") + "\n"
				if *update {
					c.Rewrite(t, "check.out", gotOut)
				} else if gotOut != c.Out {
					t.Errorf("check.sql gives:\n%s\nwant (check.out):\n%s", gotOut, c.Out)
				}
			}

			// Back to from.sql; check.sql may have written rows.
			before = rowCounts(t, db)
			original := loadSchema(t, d, "from.sql", c.From)
			back := plan(t, d, after, original)
			apply(t, d, db, back)
			if changes := compare(inspect(t, d, db), original); len(changes) > 0 {
				t.Errorf("after the reverse plan the database differs from from.sql:\n%s\nreverse plan:\n%s", describe(changes), back.Format())
			}
			counts = rowCounts(t, db)
			for table, n := range before {
				if _, kept := desired.Table(table); !kept {
					continue // dropped by the plan, created empty by the reverse
				}
				if m, ok := counts[table]; ok && m != n {
					t.Errorf("table %s has %d rows after the reverse plan, had %d", table, m, n)
				}
			}

			// inspect --format sql round trip.
			printed := d.SQL(desired)
			if changes := compare(loadSchema(t, d, "SQL()", printed), desired); len(changes) > 0 {
				t.Errorf("SQL() of to.sql loads into a different schema:\n%s\nSQL():\n%s", describe(changes), printed)
			}
		})
	}
}
