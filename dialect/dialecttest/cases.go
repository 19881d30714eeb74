// Package dialecttest holds what the engines' tests share: the golden
// schema-pair cases every engine keeps under testdata/plan/*.txtar.
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
//	-- check.out --  … and what they return
type Case struct {
	Path, Name                       string
	From, Data, To, Want, Check, Out string
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
