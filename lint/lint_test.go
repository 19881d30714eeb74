package lint

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/migrate"
)

func parse(t *testing.T, name, src, engine string) *migrate.File {
	t.Helper()
	f, err := migrate.Parse(name, []byte(src), migrate.WithEngine(engine))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRun(t *testing.T) {
	const head = "-- retort:revision 1\n-- retort:parent base\n-- retort:message m\n\n"
	tests := []struct {
		name   string
		engine string
		src    string
		want   []string // code@line
	}{
		{name: "clean", engine: "sqlite", src: head + "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n"},
		{name: "drop table and column", engine: "sqlite", src: head + "-- migrate:up\nDROP TABLE t;\nALTER TABLE u DROP COLUMN c;\n-- migrate:down\n", want: []string{"RT101@6", "RT101@7"}},
		{name: "delete without where", engine: "postgres", src: head + "-- migrate:up\nDELETE FROM t;\nDELETE FROM t WHERE id = 1;\n-- migrate:down\n", want: []string{"RT101@6"}},
		{name: "rebuild drop is not destructive", engine: "sqlite", src: head + "-- migrate:up\nCREATE TABLE \"_retort_new_t\" (id INTEGER);\nINSERT INTO \"_retort_new_t\" SELECT id FROM \"t\";\nDROP TABLE \"t\";\nALTER TABLE \"_retort_new_t\" RENAME TO \"t\";\n-- migrate:down\n"},
		{name: "no down section", engine: "sqlite", src: head + "-- migrate:up\nCREATE TABLE t (id INTEGER);\n", want: []string{"RT102@1"}},
		{name: "pragma in sqlite migration", engine: "sqlite", src: head + "-- migrate:up\nPRAGMA foreign_keys = OFF;\n-- migrate:down\n", want: []string{"RT103@6"}},
		{name: "pragma outside a transaction is fine", engine: "sqlite", src: head + "-- migrate:up transaction:false\nPRAGMA foreign_keys = OFF;\n-- migrate:down\n"},
		{name: "mysql ddl and data", engine: "mysql", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT;\nUPDATE t SET c = 1;\n-- migrate:down\n", want: []string{"RT104@7"}},
		{name: "mysql: a DROP COLUMN after # is a comment", engine: "mysql", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT # DROP COLUMN d\n;\n-- migrate:down\n"},
		{name: "postgres: # is an operator, the DROP COLUMN is real", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT # DROP COLUMN d;\n-- migrate:down\n", want: []string{"RT101@6", "RT105@6"}},
		{name: "drop and add column in one table looks like a rename", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE people DROP COLUMN name;\nALTER TABLE people ADD COLUMN full_name text;\nALTER TABLE other ADD COLUMN x int;\n-- migrate:down\n", want: []string{"RT101@6", "RT105@7"}},
		{name: "mysql: both in one ALTER", engine: "mysql", src: head + "-- migrate:up\nALTER TABLE `people` DROP COLUMN `name`,\n  ADD COLUMN `full_name` text;\n-- migrate:down\n", want: []string{"RT101@6", "RT105@7"}},
		{name: "drop table and create table looks like a rename", engine: "sqlite", src: head + "-- migrate:up\nCREATE TABLE labels (id INTEGER);\nDROP TABLE tags;\n-- migrate:down\n", want: []string{"RT105@6", "RT101@7"}},
		{name: "a rename is no finding; a rebuild is no table rename", engine: "sqlite", src: head + "-- migrate:up\nALTER TABLE people RENAME COLUMN name TO full_name;\nCREATE TABLE \"_retort_new_t\" (id INTEGER);\nINSERT INTO \"_retort_new_t\" SELECT id FROM t;\nDROP TABLE \"t\";\nALTER TABLE \"_retort_new_t\" RENAME TO \"t\";\n-- migrate:down\n"},
		{name: "ddl and data is fine on postgres", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT;\nUPDATE t SET c = 1;\n-- migrate:down\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range Run([]*migrate.File{parse(t, "1_m.sql", tt.src, tt.engine)}, tt.engine, Analyzers()...) {
				if d.Hint == "" || d.Message == "" || d.File != "1_m.sql" {
					t.Errorf("incomplete diagnostic %+v", d)
				}
				got = append(got, fmt.Sprintf("%s@%d", d.Code, d.Line))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
