package mysql_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is one testdata/plan/*.txtar file:
//
//	(comment)        what the case is about
//	-- from.sql --   the schema the database has
//	-- data.sql --   (optional) rows inserted into it before the migration
//	-- to.sql --     the schema it should have
//	-- want.sql --   the plan, as a migration file's up section holds it
//	-- check.sql --  (optional) queries run after the migration …
//	-- check.out --  … and the rows they return
type planCase struct {
	path                             string
	archive                          *txtar.Archive
	from, data, to, want, check, out string
}

func (c *planCase) section(name string) *string {
	switch name {
	case "from.sql":
		return &c.from
	case "data.sql":
		return &c.data
	case "to.sql":
		return &c.to
	case "want.sql":
		return &c.want
	case "check.sql":
		return &c.check
	case "check.out":
		return &c.out
	}
	return nil
}

func readPlanCases(t *testing.T) []*planCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "plan", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/plan/*.txtar files")
	}
	var out []*planCase
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &planCase{path: f, archive: a}
		for _, sec := range a.Files {
			p := c.section(sec.Name)
			if p == nil {
				t.Fatalf("%s: unknown section %q", f, sec.Name)
			}
			*p = string(sec.Data)
		}
		if c.to == "" {
			t.Fatalf("%s: needs to.sql", f)
		}
		out = append(out, c)
	}
	return out
}

// rewrite sets section name of the case's archive to data (adding it when
// missing) and writes the file back.
func (c *planCase) rewrite(t *testing.T, name, data string) {
	t.Helper()
	found := false
	for i := range c.archive.Files {
		if c.archive.Files[i].Name == name {
			c.archive.Files[i].Data = []byte(data)
			found = true
		}
	}
	if !found {
		c.archive.Files = append(c.archive.Files, txtar.File{Name: name, Data: []byte(data)})
	}
	if err := os.WriteFile(c.path, txtar.Format(c.archive), 0o644); err != nil {
		t.Fatal(err)
	}
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
		t.Run(strings.TrimSuffix(filepath.Base(c.path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			db, _, d := newDB(t)
			conn := pin(t, db)
			run(t, conn, "from.sql", c.from)
			if c.data != "" {
				run(t, conn, "data.sql", c.data)
			}
			before := rowCounts(t, db)
			current := inspect(t, d, db)
			desired := loadSchema(t, d, "to.sql", c.to)

			p := plan(t, d, current, desired)
			got := p.Format()
			if *update {
				c.rewrite(t, "want.sql", got)
			} else if got != c.want {
				t.Errorf("plan differs from want.sql (go test -update rewrites it):\n%s", cmp.Diff(c.want, got))
			}
			apply(t, d, db, p)

			after := inspect(t, d, db)
			if changes := diff.Compare(after, desired); len(changes) > 0 {
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
			if c.check != "" {
				var lines []string
				for _, q := range strings.Split(strings.TrimSpace(c.check), ";\n") {
					q = strings.TrimSuffix(strings.TrimSpace(q), ";")
					if q == "" {
						continue
					}
					lines = append(lines, queryRows(t, db, q)...)
				}
				gotOut := strings.Join(lines, "\n") + "\n"
				if *update {
					c.rewrite(t, "check.out", gotOut)
				} else if gotOut != c.out {
					t.Errorf("check.sql gives:\n%s\nwant (check.out):\n%s", gotOut, c.out)
				}
			}

			// Back to from.sql; check.sql may have written rows.
			before = rowCounts(t, db)
			original := loadSchema(t, d, "from.sql", c.from)
			back := plan(t, d, after, original)
			apply(t, d, db, back)
			if changes := diff.Compare(inspect(t, d, db), original); len(changes) > 0 {
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
			if changes := diff.Compare(loadSchema(t, d, "SQL()", printed), desired); len(changes) > 0 {
				t.Errorf("SQL() of to.sql loads into a different schema:\n%s\nSQL():\n%s", describe(changes), printed)
			}
		})
	}
}
