package retort_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/sqlite"
)

// Eight migrators downgrade one SQLite file at once. SQLite has no
// session lock: the runner only probes the write lock before it reads the
// version table, so several migrators may plan the same path, and only
// the re-check of the version row under the write lock (BEGIN IMMEDIATE)
// keeps a down section from running twice. raceSQLite holds every
// migrator at its first transaction until all have planned, so that they
// do plan the same path.
func TestConcurrentDowngradesSQLite(t *testing.T) {
	const n = 8
	url := sqliteURL(t)
	target, err := retort.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	fsys := dialecttest.DowngradeMigrations()
	up := openMigrator(t, url, fsys)
	arrived := &barrier{n: n, all: make(chan struct{})}
	var downs []dialecttest.Migrator
	for range n {
		db, err := sql.Open("sqlite", target.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		m, err := retort.NewMigrator(db, raceSQLite{Dialect: sqlite.New(), arrived: arrived, once: new(sync.Once)}, fsys)
		if err != nil {
			t.Fatal(err)
		}
		downs = append(downs, m)
	}
	dialecttest.ConcurrentDowngrades(t, up.Database().DB(), up, downs...)
	if got := arrived.count(); got != n {
		t.Errorf("%d of %d migrators reached their first transaction together; the race was not run", got, n)
	}
}

// raceSQLite is SQLite whose first Transact waits (up to a minute) until every
// migrator sharing arrived has reached its own.
type raceSQLite struct {
	*sqlite.Dialect
	arrived *barrier
	once    *sync.Once
}

func (d raceSQLite) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) error {
	d.once.Do(d.arrived.wait)
	return d.Dialect.Transact(ctx, conn, fn)
}

// barrier lets n goroutines wait for each other.
type barrier struct {
	mu      sync.Mutex
	n, seen int
	all     chan struct{}
}

func (b *barrier) wait() {
	b.mu.Lock()
	b.seen++
	if b.seen == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-time.After(time.Minute):
	}
}

func (b *barrier) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen
}

// faultSQLite is SQLite whose migration transactions fail one
// version-table write (dialecttest.VersionFault).
type faultSQLite struct {
	*sqlite.Dialect
	fault *dialecttest.VersionFault
}

func (d faultSQLite) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) error {
	return d.Dialect.Transact(ctx, conn, d.fault.Wrap(fn))
}

// The version row is written in the migration's own transaction: when
// writing it fails after the DDL ran, the DDL is rolled back with it (the
// catalog has no new table, the rows are as before) and nothing is
// recorded; the next upgrade applies the migration in full.
func TestVersionWriteFailureRollsBackTheDDL(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	target, err := retort.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fsys := chain(
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('ada');",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id));\nCREATE INDEX notes_author_idx ON notes (author_id);\nUPDATE users SET name = 'changed';",
	)
	plain, err := retort.NewMigrator(db, sqlite.New(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Upgrade(ctx, "+1"); err != nil {
		t.Fatal(err)
	}
	fault := &dialecttest.VersionFault{Table: "retort_revisions"}
	m, err := retort.NewMigrator(db, faultSQLite{Dialect: sqlite.New(), fault: fault}, fsys)
	if err != nil {
		t.Fatal(err)
	}
	dialecttest.VersionWriteRollback(t, db, m, fault,
		[]string{"SELECT name FROM sqlite_schema WHERE name IN ('notes', 'notes_author_idx')"},
		[]string{"SELECT id, name FROM users", "SELECT revision, checksum FROM retort_revisions"},
		[]string{revision(1), revision(2)})
}
