package sqlsplit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestForEngines splits one script by each engine's rules: where the
// engines' lexical rules differ, so do the statements.
func TestForEngines(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		engine string
		want   []Stmt
	}{
		{name: "mysql: # comments out the rest of the line", engine: "mysql",
			src:  "ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;\nSELECT 1;",
			want: []Stmt{{"ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;\nSELECT 1", 1}}},
		{name: "mysql: # comment at the end of the file", engine: "mysql",
			src:  "ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;",
			want: []Stmt{{"ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;", 1}}},
		{name: "postgres: # is an operator", engine: "postgres",
			src:  "SELECT 1 # 2; DROP TABLE victim;",
			want: []Stmt{{"SELECT 1 # 2", 1}, {"DROP TABLE victim", 1}}},
		{name: "mysql: backslash-escaped quote", engine: "mysql",
			src:  "INSERT INTO t VALUES ('it\\'s; fine');\nSELECT 2;",
			want: []Stmt{{"INSERT INTO t VALUES ('it\\'s; fine')", 1}, {"SELECT 2", 2}}},
		{name: "postgres: backslash is a plain character", engine: "postgres",
			src:  "INSERT INTO t VALUES ('a\\'); SELECT 2;",
			want: []Stmt{{"INSERT INTO t VALUES ('a\\')", 1}, {"SELECT 2", 1}}},
		{name: "postgres: E'' escapes", engine: "postgres",
			src:  "SELECT E'it\\'s;'; SELECT 2;",
			want: []Stmt{{"SELECT E'it\\'s;'", 1}, {"SELECT 2", 1}}},
		{name: "sqlite: backslash is a plain character", engine: "sqlite",
			src:  "INSERT INTO t VALUES ('a\\'); SELECT 2;",
			want: []Stmt{{"INSERT INTO t VALUES ('a\\')", 1}, {"SELECT 2", 1}}},
		{name: "mysql: double-quoted string with a semicolon and an escape", engine: "mysql",
			src:  "SELECT \"a\\\";b\"; SELECT 2;",
			want: []Stmt{{"SELECT \"a\\\";b\"", 1}, {"SELECT 2", 1}}},
		{name: "mysql: backtick identifier", engine: "mysql",
			src:  "CREATE TABLE `a;b\\` (x int); SELECT 2;",
			want: []Stmt{{"CREATE TABLE `a;b\\` (x int)", 1}, {"SELECT 2", 1}}},
		{name: "mysql: -- without a space is not a comment", engine: "mysql",
			src:  "SELECT 1--1;\nSELECT 2;",
			want: []Stmt{{"SELECT 1--1", 1}, {"SELECT 2", 2}}},
		{name: "postgres: -- is always a comment", engine: "postgres",
			src:  "SELECT 1--1;\nSELECT 2;",
			want: []Stmt{{"SELECT 1--1;\nSELECT 2", 1}}},
		{name: "postgres: nested block comments", engine: "postgres",
			src:  "/* a /* b */ ; */ SELECT 1; SELECT 2;",
			want: []Stmt{{"SELECT 1", 1}, {"SELECT 2", 1}}},
		{name: "sqlite: block comments do not nest", engine: "sqlite",
			src:  "/* a /* b */ SELECT 1; SELECT 2;",
			want: []Stmt{{"SELECT 1", 1}, {"SELECT 2", 1}}},
		{name: "postgres: dollar quotes", engine: "postgres",
			src:  "CREATE FUNCTION f() RETURNS int AS $f$ SELECT 1; $f$ LANGUAGE sql; SELECT 2;",
			want: []Stmt{{"CREATE FUNCTION f() RETURNS int AS $f$ SELECT 1; $f$ LANGUAGE sql", 1}, {"SELECT 2", 1}}},
		{name: "mysql: $ is part of a word", engine: "mysql",
			src:  "SELECT a$b; SELECT 2;",
			want: []Stmt{{"SELECT a$b", 1}, {"SELECT 2", 1}}},
		{name: "sqlite: trigger body", engine: "sqlite",
			src:  "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; DELETE FROM c; END;\nSELECT 2;",
			want: []Stmt{{"CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; DELETE FROM c; END", 1}, {"SELECT 2", 2}}},
		{name: "mysql: executable comment", engine: "mysql",
			src:  "/*!40101 SET NAMES utf8mb4 */;\nSELECT 2;",
			want: []Stmt{{"/*!40101 SET NAMES utf8mb4 */", 1}, {"SELECT 2", 2}}},
		{name: "mysql: DELIMITER", engine: "mysql",
			src:  "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nSELECT 2;",
			want: []Stmt{{"CREATE PROCEDURE p() BEGIN SELECT 1; END", 2}, {"SELECT 2", 4}}},
		{name: "mysql: SET sql_mode NO_BACKSLASH_ESCAPES switches escapes off", engine: "mysql",
			src: "SET sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES';\nINSERT INTO t VALUES ('a\\');\nSET SESSION sql_mode = '';\nINSERT INTO t VALUES ('it\\'s;');",
			want: []Stmt{{"SET sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'", 1}, {"INSERT INTO t VALUES ('a\\')", 2},
				{"SET SESSION sql_mode = ''", 3}, {"INSERT INTO t VALUES ('it\\'s;')", 4}}},
		{name: "mysql: mysqldump saves and restores sql_mode", engine: "mysql",
			src: "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_BACKSLASH_ESCAPES' */;\nSELECT 'a\\';\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\nSELECT 'b\\';';\n",
			want: []Stmt{{"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_BACKSLASH_ESCAPES' */", 1}, {"SELECT 'a\\'", 2},
				{"/*!40101 SET SQL_MODE=@OLD_SQL_MODE */", 3}, {"SELECT 'b\\';'", 4}}},
		{name: "mysql: SET @@SESSION.sql_mode := …", engine: "mysql",
			src:  "SET @@SESSION.sql_mode := 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';",
			want: []Stmt{{"SET @@SESSION.sql_mode := 'NO_BACKSLASH_ESCAPES'", 1}, {"SELECT 'a\\'", 2}}},
		{name: "mysql: SET GLOBAL sql_mode leaves the session alone", engine: "mysql",
			src:  "SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'it\\'s;';",
			want: []Stmt{{"SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES'", 1}, {"SELECT 'it\\'s;'", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := For(tt.engine)(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("For(%q) mismatch (-want +got):\n%s", tt.engine, d)
			}
		})
	}
}

// TestMySQLNoBackslashEscapes starts a script under NO_BACKSLASH_ESCAPES.
func TestMySQLNoBackslashEscapes(t *testing.T) {
	got, err := MySQL("SELECT 'a\\'; SELECT 2;", Options{NoBackslashEscapes: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Stmt{{"SELECT 'a\\'", 1}, {"SELECT 2", 1}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// checkStatements is the contract every splitter keeps on any input: each
// statement is non-empty, trimmed, found in the script at or after the end
// of the one before it (statements are cut from the script, never made
// up), and on the line where it is found.
func checkStatements(t *testing.T, src string, stmts []Stmt) {
	t.Helper()
	pos := 0
	for i, s := range stmts {
		if s.SQL == "" || s.SQL != strings.TrimSpace(s.SQL) {
			t.Fatalf("statement %d %q is empty or untrimmed", i, s.SQL)
		}
		j := strings.Index(src[pos:], s.SQL)
		if j < 0 {
			t.Fatalf("statement %d %q is not in the script after offset %d", i, s.SQL, pos)
		}
		pos += j
		if line := 1 + strings.Count(src[:pos], "\n"); s.Line < line {
			t.Fatalf("statement %d %q on line %d, but found no earlier than line %d", i, s.SQL, s.Line, line)
		}
		pos += len(s.SQL)
	}
}

var fuzzSeeds = []string{
	"SELECT 1;", "CREATE TRIGGER t BEGIN SELECT 1; END;", "'a;b';\"c\";", "$$;$$;", "-- retort:begin\nx;\n-- retort:end\n",
	"/* unterminated", "ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;", "SELECT 'it\\'s';",
	"DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n", "SELECT 1--1;", "/* a /* b */ */ ;",
	"SET sql_mode='NO_BACKSLASH_ESCAPES'; SELECT '\\'; SET sql_mode=''; SELECT '\\'';", "E'\\'';$f$ ; $f$;",
	"BEGIN NOT ATOMIC SELECT 1; END;", "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN END */;;",
}

func FuzzSQLite(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if stmts, err := SQLite(src); err == nil {
			checkStatements(t, src, stmts)
		}
	})
}

func FuzzPostgres(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if stmts, err := Postgres(src); err == nil {
			checkStatements(t, src, stmts)
		}
	})
}

func FuzzMySQL(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, opt := range []Options{{}, {NoBackslashEscapes: true}} {
			if stmts, err := MySQL(src, opt); err == nil {
				checkStatements(t, src, stmts)
			}
		}
	})
}
