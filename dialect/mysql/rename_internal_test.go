package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// A column rename is RENAME COLUMN where the server has it (MariaDB 10.5.2+,
// MySQL 8), else CHANGE COLUMN with the column's whole definition as it is
// (type, nullability, default, comment; a MariaDB column CHECK under the
// new name), so
// that the rename changes nothing else.
func TestRenameColumnPerServer(t *testing.T) {
	from := &schema.Schema{Tables: []*schema.Table{{Name: "t", Columns: []*schema.Column{
		{Name: "id", Type: "int", NotNull: true},
		{Name: "qty", Type: "int", NotNull: true, Default: "1", Comment: "how many"},
	}, Checks: []*schema.Check{{Name: "qty", Expr: "`qty` > 0"}}}}}
	to := &schema.Schema{Tables: []*schema.Table{{Name: "t", Columns: []*schema.Column{
		{Name: "id", Type: "int", NotNull: true},
		{Name: "amount", Type: "int", NotNull: true, Default: "1", Comment: "how many"},
	}, Checks: []*schema.Check{{Name: "amount", Expr: "`amount` > 0"}}}}}
	hint := schema.Rename{Kind: schema.RenameColumn, Table: "t", From: "qty", To: "amount"}
	tests := []struct {
		name, version, want string
	}{
		{"mariadb 10.11", "10.11.6-MariaDB", "ALTER TABLE `t` RENAME COLUMN `qty` TO `amount`"},
		{"mysql 8", "8.0.36", "ALTER TABLE `t` RENAME COLUMN `qty` TO `amount`"},
		{"mariadb 10.4", "10.4.32-MariaDB", "ALTER TABLE `t` CHANGE COLUMN `qty` `amount` int NOT NULL DEFAULT 1 COMMENT 'how many' CHECK (`amount` > 0)"},
		{"mysql 5.7", "5.7.44", "ALTER TABLE `t` CHANGE COLUMN `qty` `amount` int NOT NULL DEFAULT 1 COMMENT 'how many'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New()
			d.remember(parseServer(tt.version))
			changes := diff.Compare(from, to, diff.Renames(hint))
			p, err := d.Plan(context.Background(), diff.AfterRenames(from, changes), to, changes)
			if err != nil {
				t.Fatal(err)
			}
			if stmts := p.Statements(); len(stmts) == 0 || stmts[0] != tt.want {
				t.Errorf("plan:\n%s\nwant first: %s", strings.Join(stmts, "\n"), tt.want)
			}
		})
	}
}
