package sqlite

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is one testdata/plan/*.txtar file:
//
//	-- from.sql --   the schema the database has
//	-- data.sql --   (optional) rows inserted into it before the migration
//	-- to.sql --     the schema it should have
//	-- want.sql --   the plan as applying it runs it (envelope included)
//	-- check.sql --  (optional) statements run after the migration …
//	-- check.out --  … and what they return
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
		if c.from == "" && c.to == "" {
			t.Fatalf("%s: needs from.sql and to.sql", f)
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

func caseName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".txtar")
}

// TestPlanGolden plans every testdata/plan case from a scratch database and
// compares the SQL with want.sql (go test -update rewrites it).
func TestPlanGolden(t *testing.T) {
	d := New()
	for _, c := range readPlanCases(t) {
		t.Run(caseName(c.path), func(t *testing.T) {
			from := loadSchema(t, d, "from.sql", c.from)
			to := loadSchema(t, d, "to.sql", c.to)
			got := dialect.FormatEnveloped(d, plan(t, d, from, to))
			// SQL that SQLite does not have, or that touches what it owns.
			for _, bad := range []string{"sqlite_autoindex", "ADD CONSTRAINT", "ADD UNIQUE", "ALTER COLUMN", `CONSTRAINT ""`} {
				if strings.Contains(got, bad) {
					t.Errorf("the plan contains %q:\n%s", bad, got)
				}
			}
			if *update {
				c.rewrite(t, "want.sql", got)
				return
			}
			if got != c.want {
				t.Errorf("plan differs from want.sql (-want +got):\n%s", cmp.Diff(c.want, got))
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
		t.Run(caseName(c.path), func(t *testing.T) {
			for _, side := range []struct{ name, src string }{{"from.sql", c.from}, {"to.sql", c.to}} {
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
		t.Run(caseName(c.path), func(t *testing.T) {
			p, conn, desired := converge(t, d, c.from, c.data, c.to)
			if got := dialect.FormatEnveloped(d, p); got != c.want && !*update {
				t.Errorf("the plan for the live database differs from want.sql (-want +got):\n%s", cmp.Diff(c.want, got))
			}

			// The plan as printed (diff, upgrade --sql, migration files) is
			// a script that does the same when run statement by statement.
			t.Run("script", func(t *testing.T) {
				db := openFile(t)
				load(t, db, "from.sql", c.from)
				if c.data != "" {
					load(t, db, "data.sql", c.data)
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

			if c.check == "" {
				return
			}
			got := runChecks(t, conn, c.check)
			if *update {
				c.rewrite(t, "check.out", got)
				return
			}
			if got != c.out {
				t.Errorf("check.sql results differ from check.out (-want +got):\n%s", cmp.Diff(c.out, got))
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
