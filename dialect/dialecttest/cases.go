// Package dialecttest is the conformance kit every engine runs: the golden
// schema-pair cases each engine keeps under testdata/plan/*.txtar (Case,
// Cases), the harness that migrates real databases through them and checks
// the outcome (Converge, ConvergeCase), and the planner test that needs no
// server (Plans). It is public on purpose: a dialect kept outside this
// module passes the same suite by calling
//
//	func TestConverge(t *testing.T) {
//		dialecttest.Converge(t, mydialect.New(…), openFreshDatabase,
//			dialecttest.Update(*update), dialecttest.Health(myChecks))
//	}
//	func TestPlans(t *testing.T) { dialecttest.Plans(t, mydialect.New(), dialecttest.Update(*update)) }
//
// Converge runs where the server is (it is the only source of the stored
// schemas and of want.sql); Plans runs everywhere, from what Converge
// stored. Rows and RowsSep read query results as text for tests.
// docs/testing.md describes the suite and how to add a case.
package dialecttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// Case is one testdata/plan/*.txtar file. Its comment says what the case is
// about; its sections are
//
//	-- from.sql --   the schema the database has
//	-- data.sql --   (optional) rows inserted into it before the migration
//	-- to.sql --     the schema it should have
//	-- want.sql --   the plan the engine writes
//	-- check.sql --  (optional) statements run after the migration …
//	-- check.out --  … and what they return ("> statement", then its rows)
//	-- reverse.err -- (optional) the reverse plan (to.sql back to from.sql)
//	                  must fail with an error holding this text, changing
//	                  nothing (a refusal the engine owes the rows)
//	-- reverse.skip -- (optional) why the reverse plan cannot run: the
//	                   harness then reports the reverse step as skipped
//	                   with this reason instead of running it
//	-- from.json --  the schema inspected from the database made from
//	                 from.sql and data.sql (see EncodeSchema) …
//	-- to.json --    … and the one inspected from to.sql; Converge writes
//	                 both under -update, Plans plans from them
//
// want.sql, from.json and to.json are written by the engine (-update);
// check.out and everything else by hand.
type Case struct {
	Path, Name                       string
	From, Data, To, Want, Check, Out string
	ReverseErr, ReverseSkip          string
	FromJSON, ToJSON                 string
	archive                          *txtar.Archive
}

func (c *Case) section(name string) *string {
	switch name {
	case "from.sql":
		return &c.From
	case "data.sql":
		return &c.Data
	case "to.sql":
		return &c.To
	case "want.sql":
		return &c.Want
	case "check.sql":
		return &c.Check
	case "check.out":
		return &c.Out
	case "reverse.err":
		return &c.ReverseErr
	case "reverse.skip":
		return &c.ReverseSkip
	case "from.json":
		return &c.FromJSON
	case "to.json":
		return &c.ToJSON
	}
	return nil
}

// Cases reads every *.txtar case in dir. A file with an unknown section, or
// with neither from.sql nor to.sql, fails the test; so does an empty dir.
func Cases(t testing.TB, dir string) []*Case {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s/*.txtar files", dir)
	}
	var out []*Case
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &Case{Path: f, Name: strings.TrimSuffix(filepath.Base(f), ".txtar"), archive: a}
		for _, sec := range a.Files {
			p := c.section(sec.Name)
			if p == nil {
				t.Fatalf("%s: unknown section %q", f, sec.Name)
			}
			*p = string(sec.Data)
		}
		if c.From == "" && c.To == "" {
			t.Fatalf("%s: needs from.sql or to.sql", f)
		}
		for _, sec := range []string{"reverse.err", "reverse.skip"} {
			if hasSection(a, sec) && strings.TrimSpace(*c.section(sec)) == "" {
				t.Fatalf("%s: %s is empty: it must say what the reverse plan does, or why it cannot run", f, sec)
			}
		}
		out = append(out, c)
	}
	return out
}

// Rewrite sets the section name of the case's file to data (adding it when
// missing) and writes the file back; tests call it under -update.
func (c *Case) Rewrite(t testing.TB, name, data string) {
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
	if err := os.WriteFile(c.Path, txtar.Format(c.archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

func hasSection(a *txtar.Archive, name string) bool {
	for _, f := range a.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}
