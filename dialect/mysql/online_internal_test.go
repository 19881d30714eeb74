package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

func TestTypeInPlace(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		cpc      int64
		mariadb  bool
		want     bool
	}{
		{"longer varchar under 256 bytes", "varchar(20)", "varchar(60)", 4, false, true},
		{"longer varchar over 256 bytes", "varchar(100)", "varchar(300)", 4, false, true},
		{"varchar crossing 256 bytes", "varchar(20)", "varchar(100)", 4, false, false},
		{"varchar crossing 256 bytes in latin1", "varchar(200)", "varchar(300)", 1, false, false},
		{"latin1 varchar under 256 bytes", "varchar(20)", "varchar(100)", 1, false, true},
		{"shorter varchar", "varchar(60)", "varchar(20)", 4, false, false},
		{"longer varbinary", "varbinary(10)", "varbinary(200)", 4, false, true},
		{"varbinary crossing 256 bytes", "varbinary(10)", "varbinary(300)", 1, false, false},
		{"enum member appended", "enum('a','b')", "enum('a','b','c')", 4, false, true},
		{"enum reordered", "enum('a','b')", "enum('b','a')", 4, false, false},
		{"enum member inserted", "enum('a','b')", "enum('a','x','b')", 4, false, false},
		{"set member appended", "set('a','b')", "set('a','b','c')", 4, false, true},
		{"set past 8 members", "set('a','b','c','d','e','f','g','h')", "set('a','b','c','d','e','f','g','h','i')", 4, false, false},
		{"mariadb: longer varchar from under 128 bytes", "varchar(31)", "varchar(100)", 4, true, true},
		{"mariadb: varchar from 128 bytes crossing 256", "varchar(32)", "varchar(100)", 4, true, false},
		{"mysql: longer varchar from under 128 bytes crossing 256", "varchar(31)", "varchar(100)", 4, false, false},
		{"int to bigint", "int", "bigint", 4, false, false},
		{"int to unsigned", "int", "int unsigned", 4, false, false},
		{"char to varchar", "char(10)", "varchar(10)", 4, false, false},
		{"text to mediumtext", "text", "mediumtext", 4, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := typeInPlace(parseMyType(tt.from), parseMyType(tt.to), tt.cpc, tt.mariadb); got != tt.want {
				t.Errorf("typeInPlace(%s → %s) = %t, want %t", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestCopiesTable(t *testing.T) {
	tests := []struct {
		stmt string
		want bool
	}{
		{"ALTER TABLE `t` MODIFY COLUMN `a` bigint, ALGORITHM=COPY", true},
		{"alter table t modify a bigint, algorithm copy", true},
		{"ALTER TABLE t ALGORITHM = COPY, MODIFY a bigint", true},
		{"ALTER TABLE `t` ADD COLUMN `a` int, ALGORITHM=INPLACE, LOCK=NONE", false},
		{"ALTER TABLE `t` ADD COLUMN `a` int, ALGORITHM=INSTANT", false},
		{"CREATE INDEX `i` ON `t` (`a`) ALGORITHM=COPY", true},
		{"CREATE INDEX `i` ON `t` (`a`) ALGORITHM=INPLACE LOCK=NONE", false},
		{"ALTER TABLE `t` MODIFY COLUMN `a` bigint", false},
		{"ALTER TABLE `t` ADD COLUMN `algorithm` int DEFAULT 0, ADD COLUMN `copy` int", false},
		{"ALTER TABLE `t` ADD COLUMN `c` enum('ALGORITHM','COPY')", false},
		{"ALTER TABLE `t` ADD CHECK (algorithm = copy)", false},
		{"ALTER TABLE t COMMENT 'ALGORITHM=COPY'", false},
		{"-- ALGORITHM=COPY\nALTER TABLE t ADD a int", false},
		{"SELECT 1 /* ALTER ALGORITHM=COPY */", false},
		{"DROP TABLE `t`", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := CopiesTable(tt.stmt); got != tt.want {
			t.Errorf("CopiesTable(%q) = %t, want %t", tt.stmt, got, tt.want)
		}
	}
}

func FuzzCopiesTable(f *testing.F) {
	for _, s := range []string{"ALTER TABLE t MODIFY a bigint, ALGORITHM=COPY", "CREATE INDEX i ON t (a) ALGORITHM=INPLACE LOCK=NONE",
		"ALTER TABLE t ADD c enum('ALGORITHM','COPY')", "ALTER TABLE `t` ADD (a int), ALGORITHM COPY"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		got := CopiesTable(stmt)
		// A trailing comment or spaces never change the answer; the
		// answer needs the word COPY in the text.
		if again := CopiesTable(stmt + "\n-- ALGORITHM=COPY\n"); again != got && !strings.Contains(stmt, "/*") && !strings.Contains(stmt, "'") && !strings.Contains(stmt, "\"") && !strings.Contains(stmt, "`") {
			t.Errorf("a trailing comment changed CopiesTable(%q) from %t to %t", stmt, got, again)
		}
		if got && !strings.Contains(strings.ToUpper(stmt), "COPY") {
			t.Errorf("CopiesTable(%q) = true without COPY in it", stmt)
		}
	})
}

// The algorithm each server is asked for, per change of an existing
// table. MariaDB (checked against 10.11 by TestOnlineClaimsAreHonest)
// takes ALGORITHM=INPLACE, LOCK=NONE and picks INSTANT itself where it
// can; MySQL 8.0.29+ (untested against a server here) is asked for
// ALGORITHM=INSTANT to add and drop columns, which it would otherwise
// rebuild; the algorithm of a change that needs a copy is COPY on both.
func TestOnlineClaimsPerServer(t *testing.T) {
	col := func(name, typ string) *schema.Column { return &schema.Column{Name: name, Type: typ} }
	table := func(cols ...*schema.Column) *schema.Schema {
		return &schema.Schema{Tables: []*schema.Table{{Name: "t", Columns: append([]*schema.Column{{Name: "id", Type: "int", NotNull: true}}, cols...),
			PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}}}}
	}
	from := table(col("a", "int"), col("gone", "int"))
	to := table(col("a", "bigint"), col("b", "int"))
	to.Tables[0].Indexes = []*schema.Index{{Name: "t_b", Parts: []schema.IndexPart{{Column: "b"}}}}
	tests := []struct {
		name    string
		version string
		want    []string
		opts    []Option
	}{
		{"online off", "10.11.6-MariaDB", []string{
			"ALTER TABLE `t` ADD COLUMN `b` int AFTER `a`",
			"ALTER TABLE `t` MODIFY COLUMN `a` bigint",
			"CREATE INDEX `t_b` ON `t` (`b`)",
			"ALTER TABLE `t` DROP COLUMN `gone`",
		}, []Option{WithOnline(false)}},
		{"mariadb", "10.11.6-MariaDB", []string{
			"ALTER TABLE `t` ADD COLUMN `b` int AFTER `a`, ALGORITHM=INPLACE, LOCK=NONE",
			"ALTER TABLE `t` MODIFY COLUMN `a` bigint, ALGORITHM=COPY",
			"CREATE INDEX `t_b` ON `t` (`b`) ALGORITHM=INPLACE LOCK=NONE",
			"ALTER TABLE `t` DROP COLUMN `gone`, ALGORITHM=INPLACE, LOCK=NONE",
		}, nil},
		{"mysql 8.0.36", "8.0.36", []string{
			"ALTER TABLE `t` ADD COLUMN `b` int AFTER `a`, ALGORITHM=INSTANT",
			"ALTER TABLE `t` MODIFY COLUMN `a` bigint, ALGORITHM=COPY",
			"CREATE INDEX `t_b` ON `t` (`b`) ALGORITHM=INPLACE LOCK=NONE",
			"ALTER TABLE `t` DROP COLUMN `gone`, ALGORITHM=INSTANT",
		}, nil},
		{"mysql 8.0.28", "8.0.28", []string{
			"ALTER TABLE `t` ADD COLUMN `b` int AFTER `a`, ALGORITHM=INPLACE, LOCK=NONE",
			"ALTER TABLE `t` MODIFY COLUMN `a` bigint, ALGORITHM=COPY",
			"CREATE INDEX `t_b` ON `t` (`b`) ALGORITHM=INPLACE LOCK=NONE",
			"ALTER TABLE `t` DROP COLUMN `gone`, ALGORITHM=INPLACE, LOCK=NONE",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.opts...)
			d.remember(parseServer(tt.version))
			p, err := d.Plan(context.Background(), from, to, diff.Compare(from, to, d.DiffOptions()...))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range p.Steps {
				if strings.HasPrefix(s.SQL, "ALTER TABLE") || strings.HasPrefix(s.SQL, "CREATE INDEX") {
					got = append(got, s.SQL)
				}
				if CopiesTable(s.SQL) != strings.Contains(s.Comment, "the table is copied") {
					t.Errorf("the comment does not say what the statement does:\n-- %s\n%s", s.Comment, s.SQL)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("statements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// A table with a FULLTEXT index (on which MariaDB refuses LOCK=NONE for a
// rebuild) or another engine than InnoDB gets no online claim; a copy is
// still said.
func TestOnlineClaimsLeftToTheServer(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(*schema.Table)
	}{
		{"fulltext", func(t *schema.Table) {
			t.Indexes = []*schema.Index{{Name: "ft", Method: "FULLTEXT", Parts: []schema.IndexPart{{Column: "s"}}}}
		}},
		{"myisam", func(t *schema.Table) { t.Engine = "MyISAM" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mk := func(cols ...*schema.Column) *schema.Schema {
				tb := &schema.Table{Name: "t", Columns: append([]*schema.Column{{Name: "id", Type: "int", NotNull: true}, {Name: "s", Type: "text"}}, cols...),
					PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}}}
				tt.setup(tb)
				return &schema.Schema{Tables: []*schema.Table{tb}}
			}
			from, to := mk(&schema.Column{Name: "a", Type: "int"}), mk(&schema.Column{Name: "a", Type: "bigint"}, &schema.Column{Name: "b", Type: "int"})
			d := New()
			d.remember(parseServer("10.11.6-MariaDB"))
			p, err := d.Plan(context.Background(), from, to, diff.Compare(from, to, d.DiffOptions()...))
			if err != nil {
				t.Fatal(err)
			}
			want := "ALTER TABLE `t` ADD COLUMN `b` int AFTER `a`\nALTER TABLE `t` MODIFY COLUMN `a` bigint, ALGORITHM=COPY"
			if got := strings.Join(p.Statements(), "\n"); got != want {
				t.Errorf("statements:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
