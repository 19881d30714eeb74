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

// A key moving to another parent: one validating statement on MariaDB;
// on MySQL 8, which cannot drop and add a key in one validating
// statement, a swap with checks off and the orphan check again after it.
func TestRetargetSQLPerServer(t *testing.T) {
	table := func(parent string) *schema.Schema {
		pk := func(name string) *schema.Table {
			return &schema.Table{Name: name, Columns: []*schema.Column{{Name: "id", Type: "int", NotNull: true}}, PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}}
		}
		return &schema.Schema{Tables: []*schema.Table{pk("people"), pk("staff"),
			{Name: "tasks", Columns: []*schema.Column{{Name: "id", Type: "int", NotNull: true}, {Name: "owner_id", Type: "int"}},
				PrimaryKey:  &schema.PrimaryKey{Columns: []string{"id"}},
				ForeignKeys: []*schema.ForeignKey{{Name: "tasks_owner_fkey", Columns: []string{"owner_id"}, RefTable: parent, RefColumns: []string{"id"}}}},
		}}
	}
	from, to := table("people"), table("staff")
	for _, tt := range []struct {
		version   string
		want      []string // statements after the first check, by prefix
		validates bool
	}{
		{"10.11.6-MariaDB", []string{"ALTER TABLE `tasks` DROP FOREIGN KEY `tasks_owner_fkey`, ADD CONSTRAINT `retort_swap_tasks_owner_fkey` FOREIGN KEY (`owner_id`) REFERENCES `staff` (`id`)",
			"SET STATEMENT foreign_key_checks = 0 FOR ALTER TABLE `tasks` DROP FOREIGN KEY `retort_swap_tasks_owner_fkey`"}, true},
		{"8.0.36", []string{"SET @retort_fkc", "ALTER TABLE `tasks` DROP FOREIGN KEY `tasks_owner_fkey`, ADD CONSTRAINT `retort_swap_tasks_owner_fkey`",
			"ALTER TABLE `tasks` DROP FOREIGN KEY `retort_swap_tasks_owner_fkey`, ADD CONSTRAINT `tasks_owner_fkey`", restoreFKChecks, "SET SESSION sql_mode = ("}, false},
	} {
		t.Run(tt.version, func(t *testing.T) {
			d := New()
			d.remember(parseServer(tt.version))
			p, err := d.Plan(context.Background(), from, to, diff.Compare(from, to))
			if err != nil {
				t.Fatal(err)
			}
			got := p.Statements()[1:]
			if len(got) != len(tt.want) {
				t.Fatalf("plan:\n%s", p.Format())
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("statement %d = %q, want it to start with %q", i+2, got[i], w)
				}
			}
			// MariaDB: the replacing statement validates (no INPLACE);
			// MySQL: it runs in place and the check follows.
			replacing := got[0]
			if tt.validates {
				if strings.Contains(replacing, "INPLACE") {
					t.Errorf("the replacing statement does not validate: %s", replacing)
				}
			} else if replacing = got[1]; !strings.HasSuffix(replacing, "ALGORITHM=INPLACE, LOCK=NONE") {
				t.Errorf("the replacing statement is not in place: %s", replacing)
			}
		})
	}
}
