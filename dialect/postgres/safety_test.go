package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/postgres"
)

// Four migrators downgrade one database at once: the advisory lock and
// the version row re-read in each transaction make each down section run
// exactly once.
func TestConcurrentDowngrades(t *testing.T) {
	ctx := context.Background()
	db, url, _ := newDB(t)
	fsys := dialecttest.DowngradeMigrations()
	open := func() dialecttest.Migrator {
		m, err := retort.OpenMigrator(ctx, url, fsys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	dialecttest.ConcurrentDowngrades(t, db, open(), open(), open(), open(), open())
}

// faultPostgres is PostgreSQL whose migration transactions fail one
// version-table write (dialecttest.VersionFault).
type faultPostgres struct {
	*postgres.Dialect
	fault *dialecttest.VersionFault
}

func (d faultPostgres) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) error {
	return d.Dialect.Transact(ctx, conn, d.fault.Wrap(fn))
}

// safetyMigrations: users with a row, then a migration that creates a
// table, an index and a type and changes a row.
var safetyMigrations = fstest.MapFS{
	"20260301000001_users.sql": {Data: []byte(`-- retort:revision 20260301000001
-- retort:parent base
-- retort:message users
-- migrate:up
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO users VALUES (1, 'ada');
-- migrate:down
DROP TABLE users;
`)},
	"20260301000002_notes.sql": {Data: []byte(`-- retort:revision 20260301000002
-- retort:parent 20260301000001
-- retort:message notes
-- migrate:up
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE notes (id int PRIMARY KEY, author_id int REFERENCES users, m mood);
CREATE INDEX notes_author_idx ON notes (author_id);
UPDATE users SET name = 'changed';
-- migrate:down
DROP TABLE notes;
DROP TYPE mood;
`)},
}

// PostgreSQL's DDL is transactional and the version row is written in the
// migration's transaction: when that write fails after the DDL ran, the
// catalog has none of the migration's objects, its rows are as before,
// nothing is recorded, and the next upgrade applies it in full.
func TestVersionWriteFailureRollsBackTheDDL(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	plain, err := retort.NewMigrator(db, d, safetyMigrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Upgrade(ctx, "+1"); err != nil {
		t.Fatal(err)
	}
	fault := &dialecttest.VersionFault{Table: "retort_revisions"}
	m, err := retort.NewMigrator(db, faultPostgres{Dialect: d, fault: fault}, safetyMigrations)
	if err != nil {
		t.Fatal(err)
	}
	dialecttest.VersionWriteRollback(t, db, m, fault,
		[]string{
			"SELECT relname FROM pg_class WHERE relname IN ('notes', 'notes_author_idx', 'notes_pkey')",
			"SELECT typname FROM pg_type WHERE typname = 'mood'",
		},
		[]string{"SELECT id, name FROM users", "SELECT revision, checksum FROM retort_revisions"},
		[]string{"20260301000001", "20260301000002"})
}

// WithStatementTimeout bounds every statement of a migration: one that
// runs longer fails with an error naming the timeout, and the whole
// migration is rolled back (its table absent, no version row). The
// statements before it did run: the table is created first.
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t, postgres.WithStatementTimeout(300*time.Millisecond))
	fsys := fstest.MapFS{"20260301000001_slow.sql": {Data: []byte(`-- retort:revision 20260301000001
-- retort:parent base
-- retort:message slow
-- migrate:up
CREATE TABLE slow (id int PRIMARY KEY);
INSERT INTO slow VALUES (1);
SELECT pg_sleep(3);
-- migrate:down
DROP TABLE slow;
`)}}
	m, err := retort.NewMigrator(db, d, fsys)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = m.Upgrade(ctx, "head")
	took := time.Since(start)
	var te *postgres.StatementTimeoutError
	if !errors.As(err, &te) || te.Timeout != 300*time.Millisecond || postgres.SQLState(err) != "57014" {
		t.Fatalf("Upgrade error = %v, want a *postgres.StatementTimeoutError of 300ms (SQLSTATE 57014)", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "statement_timeout 300ms") || !strings.Contains(msg, "pg_sleep") {
		t.Errorf("error %q does not name the timeout and the statement", msg)
	}
	if took > 2*time.Second {
		t.Errorf("the upgrade took %v: the 300ms statement timeout did not stop pg_sleep(3)", took)
	}
	if got := queryRows(t, db, "SELECT relname FROM pg_class WHERE relname = 'slow'"); got != nil {
		t.Errorf("table slow exists after the timed-out migration: nothing may be half-applied")
	}
	if got := queryRows(t, db, "SELECT revision FROM retort_revisions"); got != nil {
		t.Errorf("version rows %v after the timed-out migration", got)
	}
}
