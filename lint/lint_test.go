package lint

import (
	"fmt"
	"os"
	"strings"
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
		{name: "a column rename is RT116; a rebuild is no table rename", engine: "sqlite", src: head + "-- migrate:up\nALTER TABLE people RENAME COLUMN name TO full_name;\nCREATE TABLE \"_retort_new_t\" (id INTEGER);\nINSERT INTO \"_retort_new_t\" SELECT id FROM t;\nDROP TABLE \"t\";\nALTER TABLE \"_retort_new_t\" RENAME TO \"t\";\n-- migrate:down\n", want: []string{"RT116@6"}},
		{name: "a hand-written rebuild under other names is no rename either", engine: "sqlite", src: head + "-- migrate:up\nCREATE TABLE t2 (id INTEGER);\nINSERT INTO t2 (id) SELECT id FROM t;\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;\n-- migrate:down\n"},
		{name: "table renames", engine: "mysql", src: head + "-- migrate:up\nRENAME TABLE a TO b;\nALTER TABLE c RENAME TO d;\nALTER TABLE e CHANGE COLUMN f g INT, CHANGE h h BIGINT;\n-- migrate:down\n", want: []string{"RT116@6", "RT116@7", "RT116@8"}},
		{name: "column renames with and without COLUMN; constraint and index renames are not", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE t RENAME a TO b;\nALTER TABLE t RENAME COLUMN \"c\" TO \"d\";\nALTER TABLE t RENAME CONSTRAINT x TO y;\nALTER INDEX i RENAME TO j;\n-- migrate:down\n", want: []string{"RT116@6", "RT116@7"}},
		{name: "transaction control", engine: "postgres", src: head + "-- migrate:up\nBEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nDO $$ BEGIN PERFORM 1; END $$;\n-- migrate:down\nSTART TRANSACTION;\nROLLBACK;\n", want: []string{"RT120@6", "RT120@8", "RT120@11", "RT120@12"}},
		{name: "a trigger body's BEGIN is no transaction", engine: "sqlite", src: head + "-- migrate:up\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 1; END;\n-- migrate:down\n"},
		{name: "other sqlite pragmas", engine: "sqlite", src: head + "-- migrate:up\nPRAGMA journal_mode = WAL;\n-- migrate:down\n", want: []string{"RT121@6"}},
		{name: "postgres index without CONCURRENTLY on an existing table", engine: "postgres", src: head + "-- migrate:up\nCREATE INDEX t_x_idx ON t (x);\nCREATE INDEX CONCURRENTLY t_y_idx ON t (y);\nCREATE TABLE n (id int);\nCREATE UNIQUE INDEX n_id ON ONLY n (id);\n-- migrate:down\n", want: []string{"RT111@6"}},
		{name: "mysql indexes are online", engine: "mysql", src: head + "-- migrate:up\nCREATE INDEX t_x_idx ON t (x);\n-- migrate:down\n"},
		{name: "postgres validated constraints", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id);\nALTER TABLE t ADD CONSTRAINT fk2 FOREIGN KEY (b) REFERENCES p (id) NOT VALID, ADD CHECK (a > 0);\nALTER TABLE t ADD UNIQUE (c);\nALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_c_idx;\nCREATE TABLE n (id int);\nALTER TABLE n ADD CHECK (id > 0);\n-- migrate:down\n", want: []string{"RT112@6", "RT112@7", "RT112@8"}},
		{name: "mysql algorithm copy", engine: "mysql", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT, ALGORITHM=COPY;\nALTER TABLE t ADD COLUMN d INT, ALGORITHM = INPLACE;\n-- migrate:down\n", want: []string{"RT115@6"}},
		{name: "ddl and data is fine on postgres", engine: "postgres", src: head + "-- migrate:up\nALTER TABLE t ADD COLUMN c INT;\nUPDATE t SET c = 1;\n-- migrate:down\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range Run([]*Pass{{File: parse(t, "1_m.sql", tt.src, tt.engine), Engine: tt.engine}}, Analyzers()...) {
				if d.Hint == "" || d.Message == "" || d.File != "1_m.sql" || d.Severity == 0 {
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

func TestAcknowledge(t *testing.T) {
	const head = "-- retort:revision 1\n-- retort:parent base\n"
	tests := []struct {
		name string
		src  string
		want []string // code@line:acknowledged, and whether the run fails
		fail bool
	}{
		{name: "unacknowledged drop fails", src: head + "-- migrate:up\nDROP TABLE t;\n-- migrate:down\n",
			want: []string{"RT101@4:"}, fail: true},
		{name: "destructive mark", src: head + "-- migrate:up\n-- retort: destructive\nDROP TABLE t;\n-- migrate:down\n",
			want: []string{"RT101@5:destructive"}},
		{name: "destructive mark does not acknowledge the next statement", src: head + "-- migrate:up\n-- retort: destructive\nDROP TABLE t;\nDROP TABLE u;\n-- migrate:down\n",
			want: []string{"RT101@5:destructive", "RT101@6:"}, fail: true},
		{name: "destructive mark acknowledges only destructive rules", src: head + "-- migrate:up\n-- retort: destructive\nCOMMIT;\n-- migrate:down\n",
			want: []string{"RT120@5:"}, fail: true},
		{name: "nolint on the statement", src: head + "-- migrate:up\n-- retort:nolint RT120\n-- a comment between\nCOMMIT;\n-- migrate:down\n",
			want: []string{"RT120@6:nolint"}},
		{name: "nolint of another code", src: head + "-- migrate:up\n-- retort:nolint RT101\nCOMMIT;\n-- migrate:down\n",
			want: []string{"RT120@5:"}, fail: true},
		{name: "nolint in the header covers the file", src: head + "-- retort:nolint RT101, RT102\n-- migrate:up\nDROP TABLE t;\nDROP TABLE u;\n",
			want: []string{"RT102@1:nolint", "RT101@5:nolint", "RT101@6:nolint"}},
		{name: "bad nolint is an error", src: head + "-- migrate:up\n-- retort:nolint RT1O1\nCREATE TABLE t (id int);\n-- migrate:down\n",
			want: []string{"RT100@4:"}, fail: true},
		{name: "warnings do not fail", src: head + "-- migrate:up\nCREATE TABLE t (id int);\n",
			want: []string{"RT102@1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Run([]*Pass{{File: parse(t, "1_m.sql", tt.src, "postgres"), Engine: "postgres"}}, Analyzers()...)
			var got []string
			for _, d := range ds {
				got = append(got, fmt.Sprintf("%s@%d:%s", d.Code, d.Line, d.Acknowledged))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if Failing(ds) != tt.fail {
				t.Errorf("Failing = %v, want %v", Failing(ds), tt.fail)
			}
		})
	}
}

func TestRulesDocumented(t *testing.T) {
	for _, r := range Rules() {
		if r.Severity == 0 || r.Reason == "" || r.Hint == "" {
			t.Errorf("rule %s is incomplete: %+v", r.Code, r)
		}
	}
}

func TestRulesHaveDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !strings.Contains(string(doc), "### "+r.Code+" ") {
			t.Errorf("docs/lint.md has no section for %s", r.Code)
		}
		if !strings.Contains(string(doc), "| "+r.Code+" | "+r.Severity.String()) {
			t.Errorf("docs/lint.md's table does not give %s severity %s", r.Code, r.Severity)
		}
	}
}
