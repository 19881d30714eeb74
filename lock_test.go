package retort_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/migrate"
)

// lockEngines are the engines with the URL of a fresh database, and how a
// second session holds the migration lock, returning its release and the
// text the holder must be named by.
var lockEngines = []struct {
	name string
	url  func(t *testing.T) string
	hold func(t *testing.T, url string) (release func(), holder string)
}{
	{"sqlite", func(t *testing.T) string { return sqliteURL(t) }, holdWriteLock},
	{"postgres", func(t *testing.T) string { return testdb.Postgres(t) }, holdSessionLock},
	{"mysql", func(t *testing.T) string { return testdb.MySQL(t) }, holdSessionLock},
}

// holdWriteLock takes SQLite's write lock from another connection, as a
// running migration does.
func holdWriteLock(t *testing.T, url string) (func(), string) {
	t.Helper()
	db, conn := pinned(t, url)
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}, "is locked"
}

// holdSessionLock takes the engine's migration lock from another
// connection, as another retort does, and returns the holder's session id.
func holdSessionLock(t *testing.T, url string) (func(), string) {
	t.Helper()
	ctx := context.Background()
	db, conn := pinned(t, url)
	d, err := retort.DialectFor(url)
	if err != nil {
		t.Fatal(err)
	}
	unlock, _, err := d.(dialect.TryLocker).TryLock(ctx, conn, "retort_revisions")
	if err != nil || unlock == nil {
		t.Fatalf("TryLock on a free lock: %v", err)
	}
	var id string
	query := "SELECT CONNECTION_ID()"
	if d.Name() == "postgres" {
		query = "SELECT pg_backend_pid()"
	}
	if err := conn.QueryRowContext(ctx, query).Scan(&id); err != nil {
		t.Fatal(err)
	}
	holder := "connection " + id
	if d.Name() == "postgres" {
		holder = "backend pid " + id
	}
	return func() {
		unlock()
		conn.Close()
		db.Close()
	}, holder
}

func pinned(t *testing.T, url string) (*sql.DB, *sql.Conn) {
	t.Helper()
	db, err := retort.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.DB().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); db.Close() })
	return db.DB(), conn
}

// TestMigrationLockWait: while another session holds the migration lock,
// Upgrade reports the wait at once, naming the holder, gives up after
// WithMigrationLockWait with a *migrate.LockError and runs nothing; once
// the lock is released it proceeds.
func TestMigrationLockWait(t *testing.T) {
	for _, eng := range lockEngines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			url := eng.url(t)
			var waits []migrate.Event
			m := openMigrator(t, url, chain("CREATE TABLE t1 (id INTEGER PRIMARY KEY);"),
				retort.WithMigrationLockWait(time.Second),
				retort.WithProgress(func(e migrate.Event) {
					if e.Kind == migrate.LockWaiting {
						waits = append(waits, e)
					}
				}))
			release, holder := eng.hold(t, url)
			_, err := m.Upgrade(ctx, "head")
			var le *migrate.LockError
			if !errors.As(err, &le) {
				release()
				t.Fatalf("Upgrade while the lock is held = %v, want a *migrate.LockError", err)
			}
			if !strings.Contains(le.Holder, holder) || !strings.Contains(err.Error(), holder) {
				t.Errorf("the error does not name the holder %q: %v", holder, err)
			}
			if !errors.Is(err, migrate.ErrLocked) {
				t.Errorf("errors.Is(%v, migrate.ErrLocked) = false", err)
			}
			// A wait ended by the context is a LockError too, which
			// keeps the context's error.
			cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err = openMigrator(t, url, chain("CREATE TABLE t1 (id INTEGER PRIMARY KEY);")).Upgrade(cctx, "head")
			cancel()
			if !errors.Is(err, migrate.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &le) || !strings.Contains(le.Holder, holder) {
				t.Errorf("Upgrade whose context ends while waiting = %v, want a *migrate.LockError naming %q, matching ErrLocked and context.DeadlineExceeded", err, holder)
			}
			if len(waits) == 0 || !strings.Contains(waits[0].Holder, holder) {
				t.Errorf("no wait reported naming %q at once: %+v", holder, waits)
			}
			release()
			if cur, err := m.Current(ctx); err != nil || len(cur) != 0 {
				t.Errorf("after the refused upgrade: current %v, %v; want nothing applied", cur, err)
			}
			if _, err := m.Upgrade(ctx, "head"); err != nil {
				t.Fatalf("Upgrade after the lock was released: %v", err)
			}
			if cur, err := m.Current(ctx); err != nil || len(cur) != 1 || cur[0] != revision(1) {
				t.Errorf("after the upgrade: current %v, %v; want %s", cur, err, revision(1))
			}
		})
	}
}
