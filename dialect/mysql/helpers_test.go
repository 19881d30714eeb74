package mysql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// newDB returns a fresh database on the test server (skipping the test
// when RETORT_TEST_MYSQL_URL is unset), its driver DSN, and an engine whose
// scratch databases go to the same server.
func newDB(t *testing.T, opts ...mysql.Option) (*sql.DB, string, *mysql.Dialect) {
	t.Helper()
	u := testdb.MySQL(t)
	target, err := retort.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db, target.DSN, mysql.New(append([]mysql.Option{mysql.WithScratchServer(target.DSN)}, opts...)...)
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

// run executes the statements of the MySQL script src on q.
func run(t *testing.T, q dialect.Querier, name, src string) {
	t.Helper()
	stmts, err := mysql.Split(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(context.Background(), s.SQL); err != nil {
			t.Fatalf("%s:%d: %v\n%s", name, s.Line, err, s.SQL)
		}
	}
}

// inspect returns q's schema.
func inspect(t *testing.T, d *mysql.Dialect, q dialect.Querier) *schema.Schema {
	t.Helper()
	s, err := d.Inspect(context.Background(), q)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

// loadSchema loads src into a scratch database of d and inspects it.
func loadSchema(t *testing.T, d *mysql.Dialect, name, src string) *schema.Schema {
	t.Helper()
	s, err := d.LoadSchema(context.Background(), name, src)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return s
}

// plan compares from with to and plans the change.
func plan(t *testing.T, d *mysql.Dialect, from, to *schema.Schema) *dialect.Plan {
	t.Helper()
	p, err := d.Plan(context.Background(), from, to, compare(from, to))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// apply runs p on db in d's envelope.
func apply(t *testing.T, d *mysql.Dialect, db *sql.DB, p *dialect.Plan) {
	t.Helper()
	conn := pin(t, db)
	if err := dialect.Apply(context.Background(), d, conn, p); err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p.Format())
	}
}

// queryRows is dialecttest.Rows.
func queryRows(t *testing.T, q dialect.Querier, query string, args ...any) []string {
	t.Helper()
	return dialecttest.Rows(t, q, query, args...)
}

// rowCounts returns the number of rows of every base table.
func rowCounts(t *testing.T, q dialect.Querier) map[string]int {
	t.Helper()
	names := queryRows(t, q, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`)
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := q.QueryRowContext(context.Background(), "SELECT count(*) FROM "+mysql.New().Quote(n)).Scan(&c); err != nil {
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

// compare is diff.Compare with the engine's options (column order).
func compare(from, to *schema.Schema) []diff.Change {
	return diff.Compare(from, to, mysql.New().DiffOptions()...)
}
