package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// The SQL of a foreign key swap on each server kind: MariaDB scopes
// foreign_key_checks to the statement; MySQL 8 (untested against a
// server here) saves, switches and restores the session setting.
func TestSwapSQLPerServer(t *testing.T) {
	table := func(fk *schema.ForeignKey) *schema.Schema {
		return &schema.Schema{Tables: []*schema.Table{
			{Name: "parent", Columns: []*schema.Column{{Name: "id", Type: "int", NotNull: true}}, PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}},
			{Name: "child", Columns: []*schema.Column{{Name: "id", Type: "int", NotNull: true}, {Name: "parent_id", Type: "int"}},
				PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}, ForeignKeys: []*schema.ForeignKey{fk}},
		}}
	}
	from := table(&schema.ForeignKey{Name: "child_parent_id_fkey", Columns: []string{"parent_id"}, RefTable: "parent", RefColumns: []string{"id"}})
	to := table(&schema.ForeignKey{Name: "child_parent_id_fkey", Columns: []string{"parent_id"}, RefTable: "parent", RefColumns: []string{"id"}, OnDelete: schema.Cascade})
	const swap1 = "ALTER TABLE `child` DROP FOREIGN KEY `child_parent_id_fkey`, ADD CONSTRAINT `retort_swap_child_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE, ALGORITHM=INPLACE, LOCK=NONE"
	const swap2 = "ALTER TABLE `child` DROP FOREIGN KEY `retort_swap_child_parent_id_fkey`, ADD CONSTRAINT `child_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE, ALGORITHM=INPLACE, LOCK=NONE"
	tests := []struct {
		name    string
		version string
		want    []string
	}{
		{"mariadb", "10.11.6-MariaDB", []string{"SET STATEMENT foreign_key_checks = 0 FOR " + swap1, "SET STATEMENT foreign_key_checks = 0 FOR " + swap2}},
		{"mysql 8", "8.0.36", []string{"SET @retort_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0", swap1, swap2, restoreFKChecks}},
		{"unknown server", "", []string{"SET @retort_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0", swap1, swap2, restoreFKChecks}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New()
			if tt.version != "" {
				d.remember(parseServer(tt.version))
			}
			p, err := d.Plan(context.Background(), from, to, diff.Compare(from, to))
			if err != nil {
				t.Fatal(err)
			}
			stmts := p.Statements()
			if len(stmts) == 0 || !strings.HasPrefix(stmts[0], "SET SESSION sql_mode = (") {
				t.Fatalf("the plan does not start with the orphan check:\n%s", p.Format())
			}
			if got := stmts[1:]; strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("swap statements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
