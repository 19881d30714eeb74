package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// openMemory opens a private in-memory database (foreign_keys as the driver
// leaves it: off).
func openMemory(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is a new database
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

// openFile opens a new database file in t.TempDir() with foreign keys ON on
// every connection, the way an application opens its database.
func openFile(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	// The DSN is a URI: escape what the test name may bring into the path
	// (fuzz seeds are named "seed#0").
	path = strings.NewReplacer("%", "%25", "#", "%23", "?", "%3f").Replace(path)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var on bool
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil {
		t.Fatal(err)
	}
	if !on {
		t.Fatal("openFile: foreign_keys is off; the _pragma DSN parameter was not honoured")
	}
	return db
}

// pin returns one connection of db, closed at the end of the test.
func pin(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// load runs the SQL script src on q.
func load(t *testing.T, q dialect.Querier, name, src string) {
	t.Helper()
	if err := dialect.Load(context.Background(), q, name, src); err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
}

// inspect returns q's schema.
func inspect(t *testing.T, d *Dialect, q dialect.Querier) *schema.Schema {
	t.Helper()
	s, err := d.Inspect(context.Background(), q)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

// loadSchema loads src into a fresh in-memory database and inspects it.
func loadSchema(t *testing.T, d *Dialect, name, src string) *schema.Schema {
	t.Helper()
	db := openMemory(t)
	load(t, db, name, src)
	return inspect(t, d, db)
}

// plan compares from with to and plans the change.
func plan(t *testing.T, d *Dialect, from, to *schema.Schema) *dialect.Plan {
	t.Helper()
	p, err := d.Plan(context.Background(), from, to, diff.Compare(from, to))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// queryRows is dialecttest.Rows.
func queryRows(t *testing.T, q dialect.Querier, query string, args ...any) []string {
	t.Helper()
	return dialecttest.Rows(t, q, query, args...)
}

// tableDump returns every row of table, ordered by all its columns.
func tableDump(t *testing.T, q dialect.Querier, table string) []string {
	t.Helper()
	rows := queryRows(t, q, "SELECT * FROM "+quote(table))
	sort.Strings(rows)
	return rows
}

// mustCheck fails the test unless foreign_key_check and integrity_check
// are clean.
func mustCheck(t *testing.T, q dialect.Querier) {
	t.Helper()
	if v := queryRows(t, q, "PRAGMA foreign_key_check"); len(v) > 0 {
		t.Errorf("foreign_key_check:\n  %s", strings.Join(v, "\n  "))
	}
	if v := queryRows(t, q, "PRAGMA integrity_check"); len(v) != 1 || v[0] != "ok" {
		t.Errorf("integrity_check:\n  %s", strings.Join(v, "\n  "))
	}
}

// foreignKeysOn reads PRAGMA foreign_keys on conn.
func foreignKeysOn(t *testing.T, conn *sql.Conn) bool {
	t.Helper()
	var on bool
	if err := conn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on
}

// describe returns diff.Describe's lines as one string, for messages.
func describe(changes []diff.Change) string {
	return strings.Join(diff.Describe(changes), "\n")
}
