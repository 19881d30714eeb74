package mysql

import (
	"database/sql"
	"testing"

	"github.com/retortdb/retort/schema"
)

func TestNormType(t *testing.T) {
	tests := []struct{ in, want string }{
		{"int(11)", "int"},
		{"int(10) unsigned", "int unsigned"},
		{"bigint(20) unsigned zerofill", "bigint(20) unsigned zerofill"},
		{"tinyint(1)", "tinyint(1)"},
		{"tinyint(4)", "tinyint"},
		{"INT", "int"},
		{"varchar(100)", "varchar(100)"},
		{"decimal(10,2) unsigned", "decimal(10,2) unsigned"},
		{"enum('Draft','Live')", "enum('Draft','Live')"},
		{"SET('A','b')", "set('A','b')"},
		{"year(4)", "year"},
		{"datetime(3)", "datetime(3)"},
	}
	for _, tt := range tests {
		if got := normType(tt.in); got != tt.want {
			t.Errorf("normType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTimestampFn(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"current_timestamp()", "CURRENT_TIMESTAMP", true},
		{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", true},
		{"now()", "CURRENT_TIMESTAMP", true},
		{"now(3)", "CURRENT_TIMESTAMP(3)", true},
		{"current_timestamp(6)", "CURRENT_TIMESTAMP(6)", true},
		{"(now())", "CURRENT_TIMESTAMP", true},
		{"localtimestamp", "CURRENT_TIMESTAMP", true},
		{"now", "", false},
		{"curdate()", "", false},
		{"current_timestamp() + interval 1 day", "", false},
	}
	for _, tt := range tests {
		got, ok := timestampFn(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("timestampFn(%q) = %q, %t, want %q, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormDefault(t *testing.T) {
	maria := &inspector{srv: &Server{MariaDB: true, Major: 10, Minor: 11}}
	mysql8 := &inspector{srv: &Server{Major: 8, Minor: 0, Patch: 36}}
	null := sql.NullString{}
	s := func(v string) sql.NullString { return sql.NullString{String: v, Valid: true} }
	tests := []struct {
		name     string
		in       *inspector
		def      sql.NullString
		dataType string
		extra    string
		want     string
	}{
		{"mariadb none", maria, null, "int", "", ""},
		{"mariadb null", maria, s("NULL"), "int", "", ""},
		{"mariadb string", maria, s("'x''y'"), "varchar", "", "'x''y'"},
		{"mariadb number", maria, s("1.50"), "decimal", "", "1.50"},
		{"mariadb bit", maria, s("b'101'"), "bit", "", "b'101'"},
		{"mariadb now", maria, s("current_timestamp()"), "timestamp", "", "CURRENT_TIMESTAMP"},
		{"mariadb expression", maria, s("curdate() + interval 7 day"), "date", "", "(curdate() + interval 7 day)"},
		{"mariadb parenthesized", maria, s("(rand())"), "double", "", "(rand())"},
		{"mysql none", mysql8, null, "int", "", ""},
		{"mysql string", mysql8, s("it's"), "varchar", "", "'it''s'"},
		{"mysql backslash", mysql8, s(`a\b`), "varchar", "", `'a\\b'`},
		{"mysql number", mysql8, s("0"), "int", "", "0"},
		{"mysql now", mysql8, s("CURRENT_TIMESTAMP"), "timestamp", "default_generated", "CURRENT_TIMESTAMP"},
		{"mysql expression", mysql8, s(`concat(_utf8mb4\'a\',_utf8mb4\'b\')`), "varchar", "default_generated", "(concat(_utf8mb4'a',_utf8mb4'b'))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.normDefault(tt.def, tt.dataType, tt.extra); got != tt.want {
				t.Errorf("normDefault(%q) = %q, want %q", tt.def.String, got, tt.want)
			}
		})
	}
}

func TestUnqualify(t *testing.T) {
	got := unqualify("select `app`.`t`.`id` AS `id` from `app`.`t` where `t`.`x` = 'app.'", "app")
	want := "select `t`.`id` AS `id` from `t` where `t`.`x` = 'app.'"
	if got != want {
		t.Errorf("unqualify = %q, want %q", got, want)
	}
}

func TestServerNames(t *testing.T) {
	fkTests := []struct {
		table, name string
		want        bool
	}{
		{"notes", "notes_ibfk_1", true},
		{"notes", "NOTES_ibfk_12", true},
		{"notes", "1", true},
		{"notes", "other_ibfk_1", false},
		{"notes", "notes_author_id_fkey", false},
	}
	for _, tt := range fkTests {
		if got := serverFKName(tt.table, tt.name); got != tt.want {
			t.Errorf("serverFKName(%q, %q) = %t, want %t", tt.table, tt.name, got, tt.want)
		}
	}
	tbl := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "qty"}}}
	checkTests := []struct {
		name string
		want bool
	}{
		{"CONSTRAINT_1", true},
		{"t_chk_2", true},
		{"qty", true},
		{"u_chk_2", false},
		{"t_qty_check", false},
	}
	for _, tt := range checkTests {
		if got := serverCheckName(tbl, tt.name); got != tt.want {
			t.Errorf("serverCheckName(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestIsData(t *testing.T) {
	tests := []struct {
		stmt string
		want bool
	}{
		{"INSERT INTO t VALUES (1)", true},
		{"  -- c\n update t set x = 1", true},
		{"/* c */ DELETE FROM t", true},
		{"SET @x = 1", true},
		{"SET autocommit = 1", false},
		{"CREATE TABLE t (x int)", false},
		{"ALTER TABLE t ADD COLUMN y int", false},
		{"PREPARE s FROM @x", false},
		{"(SELECT 1)", true},
		{"SET STATEMENT foreign_key_checks = 0 FOR ALTER TABLE t DROP FOREIGN KEY a", false},
		{"SET STATEMENT max_statement_time = (1) FOR SELECT 1", true},
	}
	for _, tt := range tests {
		if got := isData(tt.stmt); got != tt.want {
			t.Errorf("isData(%q) = %t, want %t", tt.stmt, got, tt.want)
		}
	}
}

func TestParseServer(t *testing.T) {
	s := parseServer("5.5.5-10.11.6-MariaDB-0+deb12u1")
	if !s.MariaDB || s.Major != 10 || s.Minor != 11 || s.Patch != 6 || !s.AtLeast(10, 2, 22) || s.AtLeast(12, 1, 0) {
		t.Errorf("parseServer(MariaDB) = %+v", s)
	}
	s = parseServer("8.0.36")
	if s.MariaDB || !s.AtLeast(8, 0, 16) || s.AtLeast(8, 0, 37) {
		t.Errorf("parseServer(MySQL) = %+v", s)
	}
}
