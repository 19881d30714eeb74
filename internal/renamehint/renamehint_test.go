package renamehint

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/schema"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, engine, src string
		want              []schema.Rename
		err               string
	}{
		{
			name:   "column and table",
			engine: "sqlite",
			src: "CREATE TABLE people ( -- retort:renamed-from persons\n" +
				"  id INTEGER PRIMARY KEY,\n" +
				"  full_name TEXT NOT NULL, -- retort:renamed-from name\n" +
				"  email TEXT\n);\n",
			want: []schema.Rename{
				{Kind: schema.RenameTable, Table: "people", From: "persons", To: "people", Line: 1},
				{Kind: schema.RenameColumn, Table: "people", From: "name", To: "full_name", Line: 3},
			},
		},
		{
			name:   "sqldef form, last column without comma",
			engine: "mysql",
			src:    "CREATE TABLE `t` (\n  id int PRIMARY KEY,\n  `b` int -- @renamed from=a\n);",
			want:   []schema.Rename{{Kind: schema.RenameColumn, Table: "t", From: "a", To: "b", Line: 3}},
		},
		{
			name:   "postgres folds unquoted names, keeps quoted ones",
			engine: "postgres",
			src:    "CREATE TABLE Notes (\n  \"Body\" text, -- retort:renamed-from \"Text\"\n  Title text -- retort:renamed-from Heading\n);",
			want: []schema.Rename{
				{Kind: schema.RenameColumn, Table: "notes", From: "Text", To: "Body", Line: 2},
				{Kind: schema.RenameColumn, Table: "notes", From: "heading", To: "title", Line: 3},
			},
		},
		{
			name:   "one-line table: a hint after the semicolon is the table's",
			engine: "sqlite",
			src:    "CREATE TABLE b (x int); -- retort:renamed-from a\n",
			want:   []schema.Rename{{Kind: schema.RenameTable, Table: "b", From: "a", To: "b", Line: 1}},
		},
		{
			name:   "index, unique constraint, not-renamed-from",
			engine: "postgres",
			src: "CREATE TABLE t (\n  a int,\n  b int, -- retort:not-renamed-from c\n  CONSTRAINT t_b_uq UNIQUE (b) -- retort:renamed-from t_b_key\n);\n" +
				"CREATE INDEX t_a_ix ON public.t (a); -- retort:renamed-from t_a_idx\n",
			want: []schema.Rename{
				{Kind: schema.RenameColumn, Table: "t", From: "c", To: "b", Not: true, Line: 3},
				{Kind: schema.RenameConstraint, Table: "t", From: "t_b_key", To: "t_b_uq", Line: 4},
				{Kind: schema.RenameIndex, Table: "t", From: "t_a_idx", To: "t_a_ix", Line: 6},
			},
		},
		{
			name:   "multi-line column: the hint on its last line",
			engine: "sqlite",
			src:    "CREATE TABLE t (\n  b int\n    NOT NULL, -- retort:renamed-from a\n  c int\n);",
			want:   []schema.Rename{{Kind: schema.RenameColumn, Table: "t", From: "a", To: "b", Line: 3}},
		},
		{
			name:   "a hint inside a string is not a hint",
			engine: "sqlite",
			src:    "CREATE TABLE t (\n  a text DEFAULT '-- retort:renamed-from x'\n);",
		},
		{
			name:   "a hint on a view line is an error",
			engine: "sqlite",
			src:    "CREATE TABLE t (a int);\nCREATE VIEW v AS SELECT a FROM t; -- retort:renamed-from w\n",
			err:    "schema.sql:2: rename hint on a line that defines no table",
		},
		{
			name:   "a hint on a foreign key is an error",
			engine: "sqlite",
			src:    "CREATE TABLE t (\n  a int,\n  CONSTRAINT fk2 FOREIGN KEY (a) REFERENCES t (a) -- retort:renamed-from fk1\n);",
			err:    "schema.sql:3: rename hints are read on tables",
		},
		{
			name:   "a hint without a name is an error",
			engine: "sqlite",
			src:    "CREATE TABLE t (\n  a int -- retort:renamed-from\n);",
			err:    "schema.sql:2: rename hint without a name",
		},
		{
			name:   "mysql: named keys; a column called key",
			engine: "mysql",
			src:    "CREATE TABLE t (\n  `key` int, -- retort:renamed-from k\n  KEY t_k (`key`), -- retort:renamed-from t_k_old\n  UNIQUE KEY t_u (`key`) USING BTREE -- retort:renamed-from t_u_old\n);",
			want: []schema.Rename{
				{Kind: schema.RenameColumn, Table: "t", From: "k", To: "key", Line: 2},
				{Kind: schema.RenameIndex, Table: "t", From: "t_k_old", To: "t_k", Line: 3},
				{Kind: schema.RenameIndex, Table: "t", From: "t_u_old", To: "t_u", Line: 4},
			},
		},
		{
			name:   "a bare column called key (SQLite)",
			engine: "sqlite",
			src:    "CREATE TABLE t (\n  key text -- retort:renamed-from k\n);",
			want:   []schema.Rename{{Kind: schema.RenameColumn, Table: "t", From: "k", To: "key", Line: 2}},
		},
		{
			name:   "CREATE TABLE AS: no body, the hint is the table's",
			engine: "postgres",
			src:    "CREATE TABLE b AS SELECT coalesce(x,\n  y) AS x FROM a -- retort:renamed-from c\n;",
			want:   []schema.Rename{{Kind: schema.RenameTable, Table: "b", From: "c", To: "b", Line: 2}},
		},
		{
			name:   "mysql # comment",
			engine: "mysql",
			src:    "CREATE TABLE t (\n  b int # retort:renamed-from a\n);",
			want:   []schema.Rename{{Kind: schema.RenameColumn, Table: "t", From: "a", To: "b", Line: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("schema.sql", tt.src, tt.engine)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].File = "schema.sql"
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("hint %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestLocate(t *testing.T) {
	src := "CREATE TABLE people (\n  id int,\n  full_name text\n    NOT NULL,\n  x int\n);\nCREATE TABLE b (y int);\n"
	tests := []struct {
		name       string
		kind       schema.RenameKind
		table, obj string
		line       int
		text       string
	}{
		{"column over two lines: its last line", schema.RenameColumn, "people", "FULL_NAME", 4, "    NOT NULL,"},
		{"table: the CREATE TABLE line", schema.RenameTable, "people", "people", 1, "CREATE TABLE people ("},
		{"one-line table: its line", schema.RenameTable, "b", "b", 7, "CREATE TABLE b (y int);"},
		{"last column, the body closed on the next line", schema.RenameColumn, "people", "x", 5, "  x int"},
		{"unknown", schema.RenameColumn, "people", "nope", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, text := Locate(src, "sqlite", tt.kind, tt.table, tt.obj)
			if line != tt.line || text != tt.text {
				t.Fatalf("Locate = %d %q, want %d %q", line, text, tt.line, tt.text)
			}
			if line == 0 {
				return
			}
			// A hint put at the end of that line is read as this object's.
			lines := strings.Split(src, "\n")
			lines[line-1] += " -- retort:renamed-from old"
			hs, err := Parse("s.sql", strings.Join(lines, "\n"), "sqlite")
			if err != nil || len(hs) != 1 || hs[0].Kind != tt.kind || !strings.EqualFold(hs[0].To, tt.obj) {
				t.Fatalf("hint on that line = %+v, %v", hs, err)
			}
		})
	}
}

// FuzzParse: no input makes Parse or Locate panic, on any engine, and every
// hint Parse returns names an old name and a line of the input.
func FuzzParse(f *testing.F) {
	f.Add("CREATE TABLE t (\n  b int, -- retort:renamed-from a\n  KEY k (b) -- @renamed from=j\n); -- retort:renamed-from s\n")
	f.Add("CREATE INDEX i ON s.t (a); -- retort:not-renamed-from \"X\"\nCREATE TABLE u AS SELECT f(a,\n b) -- retort:renamed-from v\n;")
	f.Add("CREATE TABLE `t` (`a` int # retort:renamed-from `b`\n)")
	f.Fuzz(func(t *testing.T, src string) {
		for _, engine := range []string{"sqlite", "postgres", "mysql"} {
			hs, err := Parse("f.sql", src, engine)
			if err != nil {
				continue
			}
			lines := strings.Count(src, "\n") + 1
			for _, h := range hs {
				if h.From == "" || h.Line < 1 || h.Line > lines {
					t.Fatalf("%s: bad hint %+v", engine, h)
				}
				Locate(src, engine, h.Kind, h.Table, h.To)
			}
		}
	})
}
