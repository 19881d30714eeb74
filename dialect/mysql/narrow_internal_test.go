package mysql

import (
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

func TestNarrows(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		// strings
		{"varchar(200)", "varchar(100)", true},
		{"varchar(100)", "varchar(200)", false},
		{"varchar(100)", "text", false},
		{"varchar(100)", "tinytext", true}, // 400 bytes in utf8mb4
		{"text", "varchar(200)", true},
		{"text", "tinytext", true},
		{"tinytext", "mediumtext", false},
		{"char(10)", "varchar(10)", false},
		{"char(10)", "char(5)", true},
		{"varchar(10)", "char(10)", true}, // CHAR drops trailing spaces
		{"varchar(10)", "int", true},
		{"longtext", "text", true},
		// integers
		{"bigint", "smallint", true},
		{"smallint", "bigint", false},
		{"tinyint", "tinyint unsigned", true},
		{"tinyint unsigned", "tinyint", true},
		{"tinyint unsigned", "smallint", false},
		{"int unsigned", "int", true},
		{"int unsigned", "bigint", false},
		{"bigint unsigned", "bigint", true},
		{"mediumint", "int", false},
		{"int", "mediumint", true},
		{"tinyint(1)", "tinyint", false},
		{"int", "decimal(10,0)", false},
		{"int", "decimal(9,0)", true},
		{"bigint", "decimal(20,1)", false},
		{"bigint", "decimal(18,0)", true},
		{"bigint", "decimal(21,2)", false},
		{"int", "double", false},
		{"bigint", "double", true},
		{"int", "float", true},
		{"smallint", "float", false},
		{"int", "varchar(11)", false},
		{"int", "varchar(10)", true},
		{"int", "text", false},
		// decimals and floats
		{"decimal(10,2)", "decimal(4,1)", true},
		{"decimal(4,1)", "decimal(10,2)", false},
		{"decimal(10,2)", "decimal(10,3)", true},
		{"decimal(10,2)", "decimal(11,3)", false},
		{"decimal(10,2)", "int", true},
		{"decimal(10,2)", "double", true},
		{"double", "float", true},
		{"float", "double", false},
		{"double", "decimal(65,30)", true},
		// binary strings
		{"varbinary(10)", "varbinary(5)", true},
		{"varbinary(10)", "blob", false},
		{"blob", "tinyblob", true},
		{"binary(4)", "varbinary(4)", false},
		{"varbinary(4)", "binary(4)", true},
		// enum and set
		{"enum('a','b','c')", "enum('a','b')", true},
		{"enum('a','b')", "enum('a','b','c')", false},
		{"enum('a','b')", "enum('b','a')", false},
		{"enum('a','B')", "enum('a','b')", true},
		{"enum('a','bb')", "varchar(2)", false},
		{"enum('a','bbb')", "varchar(2)", true},
		{"set('x','y','z')", "set('x','y')", true},
		{"set('x','y')", "set('x','y','z')", false},
		{"varchar(1)", "enum('a')", true},
		// times
		{"datetime(6)", "datetime", true},
		{"datetime", "datetime(3)", false},
		{"timestamp(3)", "timestamp", true},
		{"timestamp", "datetime", false},
		{"datetime", "timestamp", true},
		{"datetime", "date", true},
		{"date", "datetime", false},
		{"time(2)", "time", true},
		{"date", "varchar(10)", false},
		{"datetime(3)", "varchar(20)", true},
		// other families
		{"json", "int", true},
		{"year", "int", true},
	}
	d := New()
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			from := &schema.Table{Name: "t", Collation: "utf8mb4_general_ci", Columns: []*schema.Column{{Name: "c", Type: tt.from}}}
			to := &schema.Table{Name: "t", Collation: "utf8mb4_general_ci", Columns: []*schema.Column{{Name: "c", Type: tt.to}}}
			mc := &diff.ModifyColumn{From: from.Columns[0], To: to.Columns[0], What: diff.ChangeType}
			if got := d.Narrows(&diff.ModifyTable{From: from, To: to, Changes: []diff.Change{mc}}, mc); got != tt.want {
				t.Errorf("Narrows = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestNarrowsCountsBytesByCharset(t *testing.T) {
	for _, tt := range []struct {
		coll string
		want bool
	}{{"latin1_swedish_ci", false}, {"utf8mb3_general_ci", true}, {"utf8mb4_bin", true}} {
		from := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "c", Type: "varchar(100)", Collation: tt.coll}}}
		to := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "c", Type: "tinytext", Collation: tt.coll}}}
		mc := &diff.ModifyColumn{From: from.Columns[0], To: to.Columns[0], What: diff.ChangeType}
		if got := New().Narrows(&diff.ModifyTable{From: from, To: to}, mc); got != tt.want {
			t.Errorf("varchar(100) → tinytext in %s: Narrows = %t, want %t", tt.coll, got, tt.want)
		}
	}
}
