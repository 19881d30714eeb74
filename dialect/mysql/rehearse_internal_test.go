package mysql

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/schema"
)

func TestRehearsalPart(t *testing.T) {
	s := &schema.Schema{
		Tables: []*schema.Table{
			{Name: "grand"},
			{Name: "parent", ForeignKeys: []*schema.ForeignKey{{Columns: []string{"g"}, RefTable: "grand"}}},
			{Name: "child", ForeignKeys: []*schema.ForeignKey{{Columns: []string{"p"}, RefTable: "parent"}}},
			{Name: "grandchild", ForeignKeys: []*schema.ForeignKey{{Columns: []string{"c"}, RefTable: "child"}}},
			{Name: "other"},
			{Name: "Logged"},
		},
		Views: []*schema.View{
			{Name: "v_other", Def: "CREATE VIEW `v_other` AS select `other`.`id` AS `id` from `other`"},
			{Name: "v_top", Def: "CREATE VIEW `v_top` AS select `id` from `v_other`"},
		},
		Triggers: []*schema.Trigger{
			{Name: "child_ins", Table: "child", Def: "CREATE TRIGGER child_ins AFTER INSERT ON child FOR EACH ROW INSERT INTO Logged VALUES (1)"},
			{Name: "log_trg", Table: "Logged", Def: "CREATE TRIGGER log_trg …"},
		},
	}
	names := func(p *schema.Schema) []string {
		var out []string
		for _, t := range p.Tables {
			out = append(out, t.Name)
		}
		for _, v := range p.Views {
			out = append(out, "view "+v.Name)
		}
		for _, tr := range p.Triggers {
			out = append(out, "trigger "+tr.Name)
		}
		return out
	}
	tests := []struct {
		name  string
		stmts []string
		want  []string
	}{
		{"nothing named", []string{"SELECT 1"}, nil},
		{"a table brings its parents and children, one level",
			[]string{"ALTER TABLE child MODIFY p bigint"}, []string{"parent", "child", "grandchild", "trigger child_ins"}},
		{"quoted and differently cased names", []string{"ALTER TABLE `LOGGED` ADD COLUMN x int"}, []string{"Logged", "trigger log_trg"}},
		{"a view brings what it reads, transitively", []string{"DROP VIEW v_top"}, []string{"other", "view v_other", "view v_top"}},
		{"a trigger brings its table", []string{"DROP TRIGGER log_trg"}, []string{"Logged", "trigger log_trg"}},
		{"a new table referencing an old one", []string{"CREATE TABLE fresh (id int REFERENCES grand (id))"}, []string{"grand", "parent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(rehearsalPart(s, tt.stmts)); !cmp.Equal(got, tt.want) {
				t.Errorf("part = %v, want %v", got, tt.want)
			}
		})
	}
}
