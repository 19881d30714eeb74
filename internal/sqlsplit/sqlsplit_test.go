package sqlsplit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Stmt
		opt  Options
	}{
		{name: "two statements", src: "CREATE TABLE a (x int);\nCREATE TABLE b (y int);", want: []Stmt{{"CREATE TABLE a (x int)", 1}, {"CREATE TABLE b (y int)", 2}}},
		{name: "semicolon in string and comment", src: "INSERT INTO a VALUES ('x;y'); -- c;\n/* ; */ SELECT 1", want: []Stmt{{"INSERT INTO a VALUES ('x;y')", 1}, {"SELECT 1", 2}}},
		{name: "semicolon in quoted identifier", src: `CREATE TABLE "a;b" (x int);`, want: []Stmt{{`CREATE TABLE "a;b" (x int)`, 1}}},
		{name: "trigger body", src: "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET y = CASE WHEN 1 THEN 2 END;\n  DELETE FROM c;\nEND;\nSELECT 1;", want: []Stmt{
			{"CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET y = CASE WHEN 1 THEN 2 END;\n  DELETE FROM c;\nEND", 1}, {"SELECT 1", 5}}},
		{name: "dollar quotes", opt: Options{DollarQuotes: true}, src: "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2;", want: []Stmt{
			{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", 1}, {"SELECT 2", 2}}},
		{name: "explicit block", src: "SELECT 1;\n-- retort:begin\nDO a; b;\n-- retort:end\nSELECT 3;", want: []Stmt{{"SELECT 1", 1}, {"DO a; b", 3}, {"SELECT 3", 5}}},
		{name: "empty statements dropped", src: ";;\n-- only a comment\n", want: nil},
		{name: "mysql trigger with IF and CASE statements", src: "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n  IF NEW.x < 0 THEN SET NEW.x = 0; END IF;\n  CASE NEW.y WHEN 1 THEN SET NEW.z = 1; ELSE SET NEW.z = 2; END CASE;\n  l: LOOP LEAVE l; END LOOP;\nEND;\nSELECT 1;", want: []Stmt{
			{"CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n  IF NEW.x < 0 THEN SET NEW.x = 0; END IF;\n  CASE NEW.y WHEN 1 THEN SET NEW.z = 1; ELSE SET NEW.z = 2; END CASE;\n  l: LOOP LEAVE l; END LOOP;\nEND", 1}, {"SELECT 1", 6}}},
		{name: "sql-standard function body", src: "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;", want: []Stmt{
			{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", 1}, {"SELECT 3", 2}}},
		{name: "plpgsql function in dollar quotes", opt: Options{DollarQuotes: true}, src: "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN IF 1 THEN RETURN NEW; END IF; END $$ LANGUAGE plpgsql;\nSELECT 1;", want: []Stmt{
			{"CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN IF 1 THEN RETURN NEW; END IF; END $$ LANGUAGE plpgsql", 1}, {"SELECT 1", 2}}},
		{name: "no trailing semicolon", src: "SELECT 1", want: []Stmt{{"SELECT 1", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.src, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Split mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"unterminated block", "SELECT 1;\n-- retort:begin\nSELECT 2;", "line 2: -- retort:begin without -- retort:end"},
		{"end without begin", "SELECT 1;\n-- retort:end\n", "line 2: -- retort:end without -- retort:begin"},
		{"nested begin", "-- retort:begin\n-- retort:begin\n", "line 2: -- retort:begin inside another -- retort:begin block"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Split(tt.src, Options{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1;", "CREATE TRIGGER t BEGIN SELECT 1; END;", "'a;b';\"c\";", "$$;$$;", "-- retort:begin\nx;\n-- retort:end\n", "/* unterminated"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := Split(src, Options{DollarQuotes: true})
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s.SQL == "" || s.Line < 1 {
				t.Fatalf("bad statement %+v", s)
			}
		}
	})
}
