package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// bigSchema returns n tables that reference earlier tables (some without
// naming the parent's columns), with indexes, a trigger and a view.
func bigSchema(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "CREATE TABLE t%d (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, parent INTEGER", i)
		if i > 0 {
			fmt.Fprintf(&b, " REFERENCES t%d ON DELETE CASCADE", i/2)
		}
		b.WriteString(");\n")
		fmt.Fprintf(&b, "CREATE INDEX t%d_parent_idx ON t%d (parent);\n", i, i)
	}
	b.WriteString("CREATE TRIGGER t1_touch AFTER UPDATE ON t1 BEGIN UPDATE t0 SET name = name; END;\n")
	fmt.Fprintf(&b, "CREATE VIEW v AS SELECT * FROM t%d JOIN t0 USING (id);\n", n-1)
	return b.String()
}

// loadSequential is the reference: every statement in one database.
func loadSequential(t *testing.T, d *sqlite.Dialect, src string) *schema.Schema {
	t.Helper()
	ctx := context.Background()
	db, drop, err := d.Scratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := drop(); err != nil {
			t.Errorf("drop the scratch database: %v", err)
		}
	}()
	if err := dialect.Load(ctx, db, "schema.sql", src); err != nil {
		t.Fatal(err)
	}
	s, err := d.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSchemaSplitEqualsSequential(t *testing.T) {
	d := sqlite.New()
	for _, n := range []int{3, 250} {
		t.Run(fmt.Sprintf("tables=%d", n), func(t *testing.T) {
			src := bigSchema(n)
			want := loadSequential(t, d, src)
			got, err := d.LoadSchema(context.Background(), "schema.sql", src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("split load differs from sequential load (-want +got):\n%s", diff)
			}
			if cs := diff.Compare(want, got); len(cs) != 0 {
				t.Fatalf("changes between equal schemas: %v", diff.Describe(cs))
			}
		})
	}
}

func TestLoadSchemaReportsFirstError(t *testing.T) {
	src := bigSchema(250)
	lines := strings.Split(src, "\n")
	// Break a statement in the last part and one in the first: the first
	// (by line) is reported, as a sequential load would.
	lines[450] = "CREATE TABLE t225 (id INTEGER PRIMARY KEY, name TEXT, parent INTEGER, FOREIGN KEY);"
	lines[10] = "CREATE TABLE t5 (id INTEGER PRIMARY KEY, name TEXT, parent INTEGER, FOREIGN KEY);"
	_, err := sqlite.New().LoadSchema(context.Background(), "schema.sql", strings.Join(lines, "\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "schema.sql:11: ") {
		t.Fatalf("err = %v, want the error of line 11", err)
	}
}

func TestLoadSchemaFallsBackForOtherStatements(t *testing.T) {
	// INSERT needs its table in the same database: the script loads in one.
	src := bigSchema(250) + "INSERT INTO t0 (id, name) VALUES (1, 'a');\nINSERT INTO t249 (id, name, parent) VALUES (1, 'b', 1);\n"
	if _, err := sqlite.New().LoadSchema(context.Background(), "schema.sql", src); err != nil {
		t.Fatal(err)
	}
}

// TestLoadSchemaChecksForeignKeyTargets checks that a foreign key SQLite
// cannot enforce (its parent table or columns missing, or not a key of the
// parent) is refused when the schema is loaded, naming the line of the
// child's CREATE TABLE, and that valid keys load, split or not.
func TestLoadSchemaChecksForeignKeyTargets(t *testing.T) {
	const parent = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT UNIQUE,\n  org INTEGER,\n  login TEXT,\n  nick TEXT\n);\n" +
		"CREATE UNIQUE INDEX users_org_login ON users (org, login);\nCREATE UNIQUE INDEX users_nick ON users (nick) WHERE nick IS NOT NULL;\n"
	tests := []struct {
		name, child string
		want        string // "" when the schema must load
	}{
		{"missing table", "CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES authors (id));",
			"schema.sql:10: foreign key (author) of notes references table authors, which the schema does not create"},
		{"missing column", "CREATE TABLE notes (\n  id INTEGER PRIMARY KEY,\n  author INTEGER,\n  CONSTRAINT notes_author_fkey FOREIGN KEY (author) REFERENCES users (uid)\n);",
			"schema.sql:10: foreign key notes_author_fkey of notes references column users.uid, which does not exist"},
		{"not a key", "CREATE TABLE notes (id INTEGER PRIMARY KEY, login TEXT REFERENCES users (login));",
			"schema.sql:10: foreign key (login) of notes references users (login), which is neither the primary key of users nor UNIQUE"},
		{"partial unique index is not a key", "CREATE TABLE notes (id INTEGER PRIMARY KEY, nick TEXT REFERENCES users (nick));",
			"which is neither the primary key of users nor UNIQUE"},
		{"no columns and no primary key", "CREATE TABLE tags (name TEXT);\nCREATE TABLE notes (id INTEGER PRIMARY KEY, tag TEXT REFERENCES tags);",
			"schema.sql:11: foreign key (tag) of notes references tags without naming columns, and tags has no primary key"},
		{"primary key", "CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users (id));", ""},
		{"primary key without columns", "CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users);", ""},
		{"unique column, other case", "CREATE TABLE notes (id INTEGER PRIMARY KEY, email TEXT REFERENCES Users (EMAIL));", ""},
		{"unique index, other order", "CREATE TABLE notes (id INTEGER PRIMARY KEY, o INTEGER, l TEXT, FOREIGN KEY (l, o) REFERENCES users (login, org));", ""},
		{"self reference", "CREATE TABLE notes (id INTEGER PRIMARY KEY, reply_to INTEGER REFERENCES notes (id));", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqlite.New().LoadSchema(context.Background(), "schema.sql", parent+tt.child)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("a valid schema was refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("split load", func(t *testing.T) {
		src := bigSchema(250) + "CREATE TABLE notes (id INTEGER PRIMARY KEY, t0 INTEGER REFERENCES t0 (name), t1 INTEGER REFERENCES t249 (nosuch));\n"
		_, err := sqlite.New().LoadSchema(context.Background(), "schema.sql", src)
		if err == nil || !strings.Contains(err.Error(), "schema.sql:503: foreign key (t1) of notes references column t249.nosuch, which does not exist") {
			t.Fatalf("err = %v", err)
		}
	})
}
