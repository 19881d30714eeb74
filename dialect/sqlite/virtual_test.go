package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// fts4Database returns a database file holding users, notes, an FTS5
// table and an FTS4 table with rows, as the sqlite3 shell makes it.
// modernc.org/sqlite has no fts4 module, so the FTS4 table is written into
// sqlite_schema directly, with the shadow tables FTS4 creates.
func fts4Database(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	load(t, db, "fixture.sql", `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users (id), body TEXT);
INSERT INTO users VALUES (1, 'ann');
INSERT INTO notes VALUES (1, 1, 'hello');
CREATE VIRTUAL TABLE titles USING fts5(title);
INSERT INTO titles VALUES ('first');
CREATE TABLE 'docs_content'(docid INTEGER PRIMARY KEY, 'c0title', 'c1body');
CREATE TABLE 'docs_segments'(blockid INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'docs_segdir'(level INTEGER,idx INTEGER,start_block INTEGER,leaves_end_block INTEGER,end_block INTEGER,root BLOB,PRIMARY KEY(level, idx));
CREATE TABLE 'docs_docsize'(docid INTEGER PRIMARY KEY, size BLOB);
CREATE TABLE 'docs_stat'(id INTEGER PRIMARY KEY, value BLOB);
INSERT INTO docs_content VALUES (1, 'hello', 'world');
PRAGMA writable_schema = ON;
INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('table', 'docs', 'docs', 0, 'CREATE VIRTUAL TABLE docs USING fts4(title, body)');
PRAGMA writable_schema = OFF;`)
	return path
}

// TestVirtualTablesLeftAlone inspects, diffs and applies a rebuild on a
// database with an FTS4 table (a module this driver lacks) and an FTS5
// table: nothing fails, the virtual tables and their shadow tables are
// reported with their count and never planned, and they survive the
// rebuild with their rows. A desired schema that declares the FTS4 table
// loads with a warning.
func TestVirtualTablesLeftAlone(t *testing.T) {
	ctx := context.Background()
	path := fts4Database(t)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs bytes.Buffer
	d := New(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	live := inspect(t, d, db)
	var names []string
	for _, tb := range live.Tables {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, " "); got != "users notes" {
		t.Fatalf("inspected tables: %s, want users notes", got)
	}
	if got, want := schema.DescribeUnmanaged(live.Unmanaged),
		"fts4 virtual table: 1 (docs); fts5 virtual table: 1 (titles); "+
			"shadow table: 10 (docs_content, docs_docsize, docs_segdir, docs_segments, docs_stat, titles_config, titles_content, titles_data, titles_docsize, titles_idx)"; got != want {
		t.Errorf("unmanaged:\n got %s\nwant %s", got, want)
	}

	logs.Reset()
	desired, err := d.LoadSchema(ctx, "schema.sql", `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);
CREATE VIRTUAL TABLE docs USING fts4(title, body);
CREATE VIRTUAL TABLE titles USING fts5(title);`)
	if err != nil {
		t.Fatalf("a schema with an FTS4 table: %v", err)
	}
	if !strings.Contains(logs.String(), "line=3 module=fts4") {
		t.Errorf("no warning for the skipped FTS4 table:\n%s", logs.String())
	}
	// The FTS4 table could not load: the desired schema still lists it.
	if got, want := schema.DescribeUnmanaged(desired.Unmanaged), "fts4 virtual table: 1 (docs); fts5 virtual table: 1 (titles); "+
		"shadow table: 5 (titles_config, titles_content, titles_data, titles_docsize, titles_idx)"; got != want {
		t.Errorf("desired unmanaged:\n got %s\nwant %s", got, want)
	}
	p := plan(t, d, live, desired)
	for _, s := range p.Steps {
		if strings.Contains(s.SQL, "docs") || strings.Contains(s.SQL, "titles") {
			t.Errorf("the plan touches a virtual or shadow table: %s", s.SQL)
		}
	}
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := plan(t, d, inspect(t, d, db), desired); !again.Empty() {
		t.Errorf("second plan not empty:\n%s", again.Format())
	}
	if got := strings.Join(queryRows(t, db, "SELECT name FROM sqlite_schema WHERE name LIKE 'docs%' OR name LIKE 'titles%' ORDER BY name"), " "); got !=
		"docs docs_content docs_docsize docs_segdir docs_segments docs_stat titles titles_config titles_content titles_data titles_docsize titles_idx" {
		t.Errorf("virtual and shadow tables after apply: %s", got)
	}
	if got := strings.Join(queryRows(t, db, "SELECT c0title || c1body FROM docs_content"), " "); got != "helloworld" {
		t.Errorf("docs_content holds %q", got)
	}
	if got := strings.Join(queryRows(t, db, "SELECT title FROM titles WHERE titles MATCH 'first'"), " "); got != "first" {
		t.Errorf("titles holds %q", got)
	}
	if got := strings.Join(queryRows(t, db, "SELECT author || body FROM notes"), " "); got != "1hello" {
		t.Errorf("notes holds %q", got)
	}
}

func TestVirtualModule(t *testing.T) {
	tests := []struct{ sql, module string }{
		{"CREATE VIRTUAL TABLE docs USING fts4(title, body)", "fts4"},
		{"create virtual table if not exists main.\"d\" using FTS5 (x)", "fts5"},
		{"CREATE VIRTUAL TABLE t USING rtree_i32(id, a, b)", "rtree_i32"},
	}
	for _, tt := range tests {
		if got, ok := virtualModule(tt.sql); !ok || got != tt.module {
			t.Errorf("virtualModule(%q) = %q, %v, want %q", tt.sql, got, ok, tt.module)
		}
	}
	if _, ok := virtualModule("CREATE TABLE t (a)"); ok {
		t.Error("a plain table taken for a virtual one")
	}
}
