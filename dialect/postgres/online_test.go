package postgres_test

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/postgres"
)

// While retort waits for a lock behind a long transaction, a writer of the
// same table keeps writing: each attempt's short lock_timeout is the most
// the writer waits at once, and the pauses between attempts let it through
// for at least three quarters of the wait. A write counts as blocked when
// it overlaps an attempt (known from the retry warnings) and is slower
// than any write while nothing else runs and than a quarter of an
// attempt (a write queued behind an attempt waits for most of it).
func TestLockWaitLetsWritersThrough(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	load(t, db, "t", "CREATE TABLE t (id serial PRIMARY KEY, v int)")
	const attempt = postgres.DefaultLockAttempt
	retries := &dialecttest.Retries{}
	d := postgres.New(postgres.WithLockTimeout(20*time.Second), postgres.WithLogger(slog.New(retries)))

	insert := func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (1)")
		return err
	}
	quiet := dialecttest.Writer(ctx, time.Hour, insert)
	time.Sleep(time.Second)
	threshold := max(quiet().Longest, attempt/4)
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, "SELECT count(*) FROM t"); err != nil { // holds ACCESS SHARE until it ends
		t.Fatal(err)
	}
	stop := dialecttest.Writer(ctx, threshold, insert)
	go func() {
		time.Sleep(4 * time.Second)
		holder.Commit()
	}()
	start := time.Now()
	attempts := 0
	err = d.Transact(ctx, pin(t, db), func(ctx context.Context, q dialect.Querier) error {
		attempts++
		_, err := q.ExecContext(ctx, "ALTER TABLE t ADD COLUMN x int")
		return err
	})
	end := time.Now()
	s := stop()
	if err != nil {
		t.Fatalf("the ALTER did not go through once the long transaction ended: %v", err)
	}
	wait := end.Sub(start)
	blocked, n, longest := s.Within(retries.Windows(attempt, end), threshold)
	share := float64(blocked) / float64(wait)
	t.Logf("waited %v in %d attempts; the writer wrote %d rows, blocked %v (%.0f%%) in %d writes slower than %v, longest stall %v (%v in all slow writes)",
		wait.Round(time.Millisecond), attempts, s.Writes, blocked.Round(time.Millisecond), 100*share, n, threshold.Round(time.Millisecond),
		longest.Round(time.Millisecond), s.Blocked.Round(time.Millisecond))
	if attempts < 2 || wait < 3*time.Second {
		t.Fatalf("the ALTER did not wait for the long transaction (%d attempts, %v)", attempts, wait)
	}
	if share > 0.25 {
		t.Errorf("the writer was blocked %.0f%% of the wait, want at most 25%%", 100*share)
	}
	// A write queued at the start of an attempt waits for all of it, then
	// takes as long as a write takes (at most threshold when quiet); the
	// old per-attempt 5s lock_timeout stalled it 4s.
	if longest > attempt+threshold {
		t.Errorf("the longest stall was %v, want at most one attempt's lock_timeout (%v) and a write", longest, attempt)
	}
	if s.Errors > 0 {
		t.Errorf("%d writes failed", s.Errors)
	}
}

// VALIDATE runs in a transaction of its own: when it starts, the
// constraint added NOT VALID is committed (pg_constraint.convalidated is
// false for everyone) and a writer of the table is not blocked (the
// ACCESS EXCLUSIVE lock of the ADD was released).
func TestValidateRunsInItsOwnTransaction(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from", `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE items (id int PRIMARY KEY, parent_id int, qty int, name text);
INSERT INTO parents SELECT g FROM generate_series(1, 100) g;
INSERT INTO items SELECT g, g, g, 'n' FROM generate_series(1, 1000) g;`)
	desired := loadSchema(t, d, "to", `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE items (id int PRIMARY KEY, parent_id int REFERENCES parents, qty int CHECK (qty > 0), name text NOT NULL);`)
	// FK references parents(id) up to 100: keep the data valid.
	load(t, db, "fix", "UPDATE items SET parent_id = 1 + id % 100")
	p := plan(t, d, inspect(t, d, db), desired)

	other := pin(t, db)
	seen := map[string]bool{}
	next := 10000
	hooks := dialect.Hooks{Statement: func(stmt string) {
		_, name, ok := strings.Cut(stmt, "VALIDATE CONSTRAINT ")
		if !ok {
			return
		}
		name = strings.Trim(name, `"`)
		seen[name] = true
		var valid bool
		if err := other.QueryRowContext(ctx, "SELECT convalidated FROM pg_constraint WHERE conname = $1", name).Scan(&valid); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if valid {
			t.Errorf("%s is validated before its VALIDATE runs", name)
		}
		if err := writeWithin(ctx, other, 500*time.Millisecond, next); err != nil {
			t.Errorf("before VALIDATE %s a writer is blocked: %v", name, err)
		}
		next++
	}}
	if err := dialect.ApplyWith(ctx, d, pin(t, db), p, hooks); err != nil {
		t.Fatalf("apply: %v\n%s", err, p.Format())
	}
	for _, name := range []string{"items_parent_id_fkey", "items_qty_check", "items_name_not_null"} {
		if !seen[name] {
			t.Errorf("no VALIDATE of %s in a transaction of its own:\n%s", name, p.Format())
		}
	}
	var invalid int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'items'::regclass AND NOT convalidated").Scan(&invalid); err != nil || invalid != 0 {
		t.Errorf("%d constraints left NOT VALID (%v)", invalid, err)
	}
}

// writeWithin inserts a row into items in a transaction whose
// lock_timeout is limit: it fails if a lock held by another session
// blocks the write for longer.
func writeWithin(ctx context.Context, conn *sql.Conn, limit time.Duration, id int) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = "+postgresInterval(limit)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO items VALUES ($1, 1, 1, 'w')", id); err != nil {
		return err
	}
	return tx.Commit()
}

func postgresInterval(d time.Duration) string {
	return "'" + d.String() + "'"
}

// A writer is not blocked behind CREATE INDEX CONCURRENTLY: while the
// build waits for a transaction that wrote to the table to end, other
// writers go on (a plain CREATE INDEX would queue them behind it).
func TestConcurrentIndexDoesNotBlockWriters(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from", `CREATE TABLE users (id int PRIMARY KEY, email text);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;`)
	desired := loadSchema(t, d, "to", `CREATE TABLE users (id int PRIMARY KEY, email text);
CREATE INDEX users_email_idx ON users (email);`)
	p := plan(t, d, inspect(t, d, db), desired)

	// An open transaction that wrote to users: the build waits for it. (A
	// plain CREATE INDEX waits too, in attempts of 200ms, and queues the
	// writer below, whose lock_timeout is shorter, behind each.)
	open, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback()
	if _, err := open.ExecContext(ctx, "INSERT INTO users VALUES (0, 'open')"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- dialect.Apply(ctx, d, pin(t, db), p) }()
	// Wait until the build waits for the open transaction.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE query LIKE 'CREATE INDEX%' AND wait_event_type = 'Lock' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index build never waited for the open transaction:\n%s", p.Format())
		}
		time.Sleep(20 * time.Millisecond)
	}
	w := pin(t, db)
	for i := 1; i <= 5; i++ {
		start := time.Now()
		if _, err := w.ExecContext(ctx, "SET lock_timeout = '50ms'"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ExecContext(ctx, "INSERT INTO users VALUES ($1, 'w')", 100000+i); err != nil {
			t.Fatalf("a writer is blocked while the index builds: %v (after %v)\n%s", err, time.Since(start), p.Format())
		}
	}
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("apply: %v", err)
	}
	var valid bool
	if err := db.QueryRowContext(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass").Scan(&valid); err != nil || !valid {
		t.Errorf("users_email_idx valid = %v (%v)", valid, err)
	}
}

// A UNIQUE constraint whose concurrent build fails (duplicates) leaves an
// INVALID index behind. The next plan does not take it for the index it
// wanted: it builds it again, dropping the leftover first, and ends with
// the constraint in place and nothing left to plan.
func TestFailedConcurrentBuildIsBuiltAgain(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from", `CREATE TABLE items (id int PRIMARY KEY, code text);
INSERT INTO items VALUES (1, 'a'), (2, 'a'), (3, 'b');`)
	desired := loadSchema(t, d, "to", `CREATE TABLE items (id int PRIMARY KEY, code text UNIQUE);`)
	p := plan(t, d, inspect(t, d, db), desired)
	if err := dialect.Apply(ctx, d, pin(t, db), p); err == nil || !strings.Contains(err.Error(), "could not create unique index") {
		t.Fatalf("apply on duplicates = %v, want the unique index to fail", err)
	}
	var invalid int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass AND NOT indisvalid").Scan(&invalid); err != nil || invalid != 1 {
		t.Fatalf("%d invalid indexes after the failed build (%v), want the leftover", invalid, err)
	}
	load(t, db, "fix", "DELETE FROM items WHERE id = 2")
	again := plan(t, d, inspect(t, d, db), desired)
	if !strings.Contains(again.Format(), `CREATE UNIQUE INDEX CONCURRENTLY "items_code_key"`) {
		t.Fatalf("the plan after the failure does not build the index again:\n%s", again.Format())
	}
	var ran []string
	if err := dialect.ApplyWith(ctx, d, pin(t, db), again, dialect.Hooks{Statement: func(s string) { ran = append(ran, s) }}); err != nil {
		t.Fatalf("apply after the fix: %v\n%s", err, again.Format())
	}
	if !strings.Contains(strings.Join(ran, "\n"), "dropped the invalid index") {
		t.Errorf("the leftover was not reported dropped:\n%s", strings.Join(ran, "\n"))
	}
	if rest := plan(t, d, inspect(t, d, db), desired); !rest.Empty() {
		t.Errorf("plan after the rebuild is not empty:\n%s", rest.Format())
	}
	var valid bool
	if err := db.QueryRowContext(ctx, "SELECT convalidated FROM pg_constraint WHERE conname = 'items_code_key'").Scan(&valid); err != nil || !valid {
		t.Errorf("items_code_key: %v (%v)", valid, err)
	}
}
