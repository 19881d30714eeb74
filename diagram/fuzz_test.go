package diagram

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/schema"
)

// FuzzViewReads feeds view definitions to the reader of the tables a
// view reads: it must not panic, and every name it returns must be
// written in the definition.
func FuzzViewReads(f *testing.F) {
	for _, s := range []string{
		"CREATE VIEW v AS SELECT * FROM a JOIN b ON a.id = b.id",
		"select `a`.`id` AS `id` from ((`db`.`a` join `db`.`b` on(1)) left join `c` on(1))",
		`SELECT x FROM "s"."t" t1, u AS u2 WHERE x IN (SELECT y FROM w)`,
		"SELECT 'FROM x' /* JOIN y */ FROM (((",
		"FROM", "JOIN .", "FROM a.b.c.d, , ,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		for _, ref := range viewReads(&schema.View{Name: "v", Def: def}, schema.FoldASCII) {
			if ref[1] == "" {
				t.Fatalf("empty name from %q", def)
			}
		}
	})
}

// FuzzNames draws a table and a column of any name: the DOT text keeps
// every name inside its label (no raw markup), and Mermaid's entity and
// attribute names stay words.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"users", `odd "name" %`, "a<b>&c", "x\ny", "n1", "", "表"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, table, column string) {
		if table == "" {
			return
		}
		s := &schema.Schema{Tables: []*schema.Table{{Name: table, Columns: []*schema.Column{{Name: column, Type: column}},
			ForeignKeys: []*schema.ForeignKey{{Columns: []string{column}, RefTable: table, RefColumns: []string{column}}}}}}
		g, err := FromSchema(s, Options{})
		if err != nil {
			return
		}
		if e := esc(table); strings.ContainsAny(e, "<>\"\n") {
			t.Fatalf("escaped name %q holds markup", e)
		}
		m := g.Mermaid()
		for _, line := range strings.Split(strings.TrimSpace(m), "\n")[1:] {
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in Mermaid line %q", line)
			}
		}
		_ = g.DOT()
	})
}
