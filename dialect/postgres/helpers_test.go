package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// newDB returns a fresh database on the test server (skipping the test
// when RETORT_TEST_POSTGRES_URL is unset), its URL, and an engine whose
// scratch databases go to the same server.
func newDB(t *testing.T, opts ...postgres.Option) (*sql.DB, string, *postgres.Dialect) {
	t.Helper()
	url := testdb.Postgres(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db, url, postgres.New(append([]postgres.Option{postgres.WithScratchServer(url)}, opts...)...)
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
func inspect(t *testing.T, d *postgres.Dialect, q dialect.Querier) *schema.Schema {
	t.Helper()
	s, err := d.Inspect(context.Background(), q)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

// loadSchema loads src into a scratch database of d and inspects it, as
// the desired schema is loaded (LoadSchema).
func loadSchema(t *testing.T, d *postgres.Dialect, name, src string) *schema.Schema {
	t.Helper()
	s, err := d.LoadSchema(context.Background(), name, src)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return s
}

// plan compares from with to and plans the change.
func plan(t *testing.T, d *postgres.Dialect, from, to *schema.Schema) *dialect.Plan {
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

// rowCounts returns the number of rows of every table of the current
// schema (and of the other schemas the test made, qualified).
func rowCounts(t *testing.T, q dialect.Querier) map[string]int {
	t.Helper()
	names := queryRows(t, q, `SELECT CASE WHEN n.nspname = current_schema() THEN quote_ident(c.relname)
		ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		ORDER BY 1`)
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := q.QueryRowContext(context.Background(), "SELECT count(*) FROM "+n).Scan(&c); err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		out[n] = c
	}
	return out
}

// describe returns diff.Describe's lines as one string, for messages.
func describe(changes []diff.Change) string {
	return strings.Join(diff.Describe(changes), "\n")
}
