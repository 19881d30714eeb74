package lint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
)

// engine returns the dialect of engine, skipping without its server. Its
// scratch databases go to the test server; fresh says whether to make a
// database of the test's own there too, whose URL is returned.
func engine(t *testing.T, name string, fresh bool) (dialect.Dialect, string) {
	t.Helper()
	env := map[string]string{"postgres": testdb.PostgresEnv, "mysql": testdb.MySQLEnv}[name]
	u := os.Getenv(env)
	switch {
	case name == "sqlite":
		d, err := retort.NewDialect("sqlite")
		if err != nil {
			t.Fatal(err)
		}
		return d, "sqlite:" + filepath.Join(t.TempDir(), "lint.db")
	case u == "":
		t.Skipf("set %s", env)
	case fresh && name == "postgres":
		u = testdb.Postgres(t)
	case fresh:
		u = testdb.MySQL(t)
	}
	d, err := retort.DialectFor(u)
	if err != nil {
		t.Fatal(err)
	}
	return d, u
}

// files returns the migrations 1 (base) and 2 (up), and the graph.
func files(t *testing.T, d dialect.Dialect, base, up string) (*migrate.Graph, fstest.MapFS) {
	t.Helper()
	fsys := fstest.MapFS{
		"1_base.sql":   {Data: []byte("-- retort:revision 1\n-- retort:parent base\n-- migrate:up\n" + base + "\n-- migrate:down\n")},
		"2_change.sql": {Data: []byte("-- retort:revision 2\n-- retort:parent 1\n-- migrate:up\n" + up + "\n-- migrate:down\n")},
	}
	g, err := retort.LoadGraph(fsys, migrate.WithEngine(d.Name()))
	if err != nil {
		t.Fatal(err)
	}
	return g, fsys
}

// lintLast lints migration 2 and returns its findings as code@line (the
// line within the up section: 1 is its first line).
func lintLast(t *testing.T, d dialect.Dialect, g *migrate.Graph) ([]lint.Diagnostic, []string) {
	t.Helper()
	f, _ := g.Get("2")
	passes, err := retort.LintPasses(context.Background(), d, g, []*migrate.File{f})
	if err != nil {
		t.Fatal(err)
	}
	ds := lint.Run(passes, lint.Analyzers()...)
	var got []string
	for _, d := range ds {
		if d.Code == "RT102" {
			continue
		}
		got = append(got, fmt.Sprintf("%s@%d", d.Code, d.Line-f.Up.Line))
	}
	return ds, got
}

const base = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20));"

func TestSchemaRules(t *testing.T) {
	tests := []struct {
		name    string
		engines []string
		base    string // default: base
		up      string
		want    []string
	}{
		{name: "drop column without COLUMN", engines: all, up: "ALTER TABLE t DROP b;", want: []string{"RT101@1"}},
		{name: "add column is no drop", engines: all, up: "ALTER TABLE t ADD c int;"},
		{name: "drop table", engines: all, up: "DROP TABLE t;", want: []string{"RT101@1"}},
		{name: "narrowing", engines: pg, up: "ALTER TABLE t ALTER COLUMN b TYPE varchar(10);", want: []string{"RT106@1", "RT113@1"}},
		{name: "widening", engines: pg, up: "ALTER TABLE t ALTER COLUMN b TYPE varchar(40);"},
		{name: "narrowing", engines: my, up: "ALTER TABLE t MODIFY b varchar(10);", want: []string{"RT106@1", "RT115@1"}},
		{name: "widening", engines: my, up: "ALTER TABLE t MODIFY b varchar(40);"},
		{name: "unique index on an existing table", engines: []string{"sqlite", "mysql"}, up: "CREATE UNIQUE INDEX t_a ON t (a);", want: []string{"RT107@1"}},
		{name: "unique index on an existing table", engines: pg, up: "CREATE UNIQUE INDEX t_a ON t (a);", want: []string{"RT107@1", "RT111@1"}},
		{name: "plain index", engines: pg, up: "CREATE INDEX t_a ON t (a);", want: []string{"RT111@1"}},
		{name: "unique constraint", engines: pg, up: "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);", want: []string{"RT107@1", "RT112@1"}},
		{name: "unique index built concurrently", engines: pg, up: "-- retort:commit transaction:false\nCREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a);", want: []string{"RT107@2"}},
		{name: "unique index on a new table", engines: all, up: "CREATE TABLE n (a int);\nCREATE UNIQUE INDEX n_a ON n (a);"},
		{name: "set not null", engines: pg, up: "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", want: []string{"RT108@1"}},
		{name: "drop not null", engines: pg, up: "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;"},
		{name: "set not null", engines: my, up: "ALTER TABLE t MODIFY a int NOT NULL;", want: []string{"RT108@1"}},
		{name: "add not null column without default", engines: pg, up: "ALTER TABLE t ADD COLUMN c int NOT NULL;", want: []string{"RT108@1"}},
		{name: "add not null column without default", engines: my, up: "ALTER TABLE t ADD COLUMN c int NOT NULL;", want: []string{"RT108@1"}},
		{name: "add not null column with default", engines: all, up: "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;"},
		{name: "check", engines: pg, up: "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);", want: []string{"RT109@1", "RT112@1"}},
		{name: "check not valid", engines: pg, up: "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID;"},
		{name: "check", engines: my, up: "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);", want: []string{"RT109@1"}},
		{name: "foreign key", engines: pg, up: "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id);", want: []string{"RT110@1", "RT112@1"}},
		{name: "foreign key", engines: my, up: "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id);", want: []string{"RT110@1"}},
		{name: "foreign key on a new table", engines: all, up: "CREATE TABLE n (id int PRIMARY KEY, pid int REFERENCES p (id));"},
		{name: "rewriting type change", engines: pg, up: "ALTER TABLE t ALTER COLUMN a TYPE bigint;", want: []string{"RT113@1"}},
		{name: "binary-coercible type change", engines: pg, up: "ALTER TABLE t ALTER COLUMN b TYPE text;"},
		{name: "volatile default", engines: pg, up: "ALTER TABLE t ADD COLUMN r float8 DEFAULT random();", want: []string{"RT114@1"}},
		{name: "stable default", engines: pg, up: "ALTER TABLE t ADD COLUMN r timestamptz DEFAULT now();"},
		{name: "type change copies", engines: my, up: "ALTER TABLE t MODIFY a bigint;", want: []string{"RT115@1"}},
		{name: "dropped column a view still uses", engines: my, base: base + "\nCREATE VIEW v AS SELECT id, b FROM t;",
			up: "ALTER TABLE t DROP COLUMN b;", want: []string{"RT101@1", "RT117@1"}},
		{name: "dropped column takes its view along", engines: pg, base: base + "\nCREATE VIEW v AS SELECT id, b FROM t;",
			up: "ALTER TABLE t DROP COLUMN b CASCADE;", want: []string{"RT101@1", "RT117@1"}},
		{name: "view dropped on purpose first", engines: []string{"postgres", "mysql"}, base: base + "\nCREATE VIEW v AS SELECT id, b FROM t;",
			up: "DROP VIEW v;\nALTER TABLE t DROP COLUMN b;", want: []string{"RT101@2"}},
		{name: "sqlite refuses the drop: the replay fails", engines: lite, base: base + "\nCREATE VIEW v AS SELECT id, b FROM t;",
			up: "ALTER TABLE t DROP COLUMN b;", want: []string{"RT101@1", "RT122@1"}},
		{name: "a column rename is no drop", engines: all, up: "ALTER TABLE t RENAME COLUMN b TO c;", want: []string{"RT116@1"}},
		{name: "a table rename is no drop", engines: []string{"sqlite", "postgres"}, up: "ALTER TABLE t RENAME TO u;", want: []string{"RT116@1"}},
		{name: "a table rename is no drop", engines: my, up: "RENAME TABLE t TO u;", want: []string{"RT116@1"}},
		{name: "renamed column of a renamed table", engines: pg, up: "ALTER TABLE t RENAME COLUMN b TO c;\nALTER TABLE t RENAME TO u;", want: []string{"RT116@1", "RT116@2"}},
		{name: "a unique index rename is no new unique index", engines: pg, base: base + "\nCREATE UNIQUE INDEX t_a ON t (a);",
			up: "ALTER INDEX t_a RENAME TO t_a_key;"},
		{name: "a unique constraint rename is no new constraint", engines: pg, base: base + "\nALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a);",
			up: "ALTER TABLE t RENAME CONSTRAINT t_a TO t_a_key;"},
		{name: "a unique index rename is no new unique index", engines: my, base: base + "\nCREATE UNIQUE INDEX t_a ON t (a);",
			up: "ALTER TABLE t RENAME INDEX t_a TO t_a_key;"},
		{name: "dangling foreign key", engines: lite, up: "CREATE TABLE c (id int, pid int REFERENCES nothere (id));", want: []string{"RT118@1"}},
		{name: "foreign key to a column that is not a key: foreign_key_check fails", engines: lite, up: "CREATE TABLE c (id int, ta int REFERENCES t (a));", want: []string{"RT122@0"}},
		{name: "foreign key to a key", engines: lite, up: "CREATE TABLE c (id int, pid int REFERENCES p (id));"},
		{name: "rebuild that loses a column", engines: lite,
			up:   "CREATE TABLE t2 (id int PRIMARY KEY, a int, b varchar(20));\nINSERT INTO t2 (id, a) SELECT id, a FROM t;\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;",
			want: []string{"RT119@2"}},
		{name: "rebuild that keeps every column", engines: lite,
			up: "CREATE TABLE t2 (id int PRIMARY KEY, a int, b varchar(20));\nINSERT INTO t2 (id, a, b) SELECT id, a, b FROM t;\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;"},
	}
	for _, tt := range tests {
		for _, e := range tt.engines {
			t.Run(e+"/"+tt.name, func(t *testing.T) {
				d, _ := engine(t, e, false)
				b := tt.base
				if b == "" {
					b = base
				}
				g, _ := files(t, d, b, tt.up)
				ds, got := lintLast(t, d, g)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("findings (-want +got):\n%s\n%v", diff, ds)
				}
			})
		}
	}
}

var (
	all  = []string{"sqlite", "postgres", "mysql"}
	pg   = []string{"postgres"}
	my   = []string{"mysql"}
	lite = []string{"sqlite"}
)
