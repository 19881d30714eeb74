package diagram_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/retortdb/retort/diagram"
	"github.com/retortdb/retort/schema"
)

// bigSchema is n tables of 8 columns, each but the first referencing one
// or two earlier tables, with a view every 50 tables.
func bigSchema(n int) *schema.Schema {
	s := &schema.Schema{}
	for i := range n {
		t := &schema.Table{Name: fmt.Sprintf("table_%04d", i), PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}}
		t.Columns = append(t.Columns, &schema.Column{Name: "id", Type: "BIGINT", NotNull: true})
		for c := range 5 {
			t.Columns = append(t.Columns, &schema.Column{Name: fmt.Sprintf("attr_%d", c), Type: "VARCHAR(100)"})
		}
		for k, ref := range []int{i / 2, i * 7 / 10} {
			if i == 0 || (k == 1 && ref == i/2) {
				continue
			}
			col := fmt.Sprintf("ref_%d_id", k)
			t.Columns = append(t.Columns, &schema.Column{Name: col, Type: "BIGINT", NotNull: k == 0})
			t.ForeignKeys = append(t.ForeignKeys, &schema.ForeignKey{Columns: []string{col},
				RefTable: fmt.Sprintf("table_%04d", ref), RefColumns: []string{"id"}, OnDelete: schema.Action(k * 2)})
		}
		s.Tables = append(s.Tables, t)
		if i%50 == 49 {
			s.Views = append(s.Views, &schema.View{Name: fmt.Sprintf("view_%04d", i),
				Def: fmt.Sprintf("CREATE VIEW view_%04d AS SELECT * FROM table_%04d JOIN table_%04d ON true", i, i, i-1)})
		}
	}
	s.SetCase(schema.CaseRules{})
	return s
}

// BenchmarkLayout measures the layout and SVG of schemas of 100 and
// 1,000 tables; BenchmarkDOT, the text alone, is its floor.
func BenchmarkLayout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		s := bigSchema(n)
		b.Run(fmt.Sprintf("tables=%d/svg", n), func(b *testing.B) {
			for b.Loop() {
				g, err := diagram.FromSchema(s, diagram.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := g.SVG(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("tables=%d/dot", n), func(b *testing.B) {
			for b.Loop() {
				g, err := diagram.FromSchema(s, diagram.Options{})
				if err != nil {
					b.Fatal(err)
				}
				_ = g.DOT()
			}
		})
	}
}
