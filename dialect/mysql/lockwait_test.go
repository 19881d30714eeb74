package mysql_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/mysql"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A schema statement that times out waiting for a metadata lock (error
// 1205) is run again; it goes through once the lock is released, and
// fails with an error that says what it waited for when it never is.
func TestLockWaitIsRetried(t *testing.T) {
	for _, release := range []bool{true, false} {
		name := map[bool]string{true: "released", false: "held"}[release]
		t.Run(name, func(t *testing.T) {
			var log syncBuffer
			db, _, d := newDB(t, mysql.WithLockTimeout(30*time.Second), mysql.WithRetries(2, 100*time.Millisecond),
				mysql.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			run(t, db, "schema", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
			// A second session reads the table in an open transaction:
			// it holds the table's metadata lock until it ends.
			holder := pin(t, db)
			run(t, holder, "holder", "BEGIN; SELECT * FROM t")
			done := make(chan struct{})
			go func() {
				defer close(done)
				if !release {
					return
				}
				// Without a retry the test must fail, not hang: give up
				// waiting for one after a minute and release the lock.
				for deadline := time.Now().Add(time.Minute); !strings.Contains(log.String(), "retrying"); {
					if time.Now().After(deadline) {
						t.Error("no retry logged within a minute of waiting")
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if _, err := holder.ExecContext(context.Background(), "COMMIT"); err != nil {
					t.Error(err)
				}
			}()
			p := &dialect.Plan{Steps: []dialect.Step{{SQL: "ALTER TABLE `t` ADD COLUMN `x` int"}}}
			err := dialect.Apply(context.Background(), d, pin(t, db), p)
			<-done
			retries := strings.Count(log.String(), "retrying")
			if release {
				if err != nil {
					t.Fatalf("apply after the lock was released: %v\nlog:\n%s", err, log.String())
				}
				if retries < 1 {
					t.Errorf("no retry logged:\n%s", log.String())
				}
				if got := queryRows(t, db, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION"); strings.Join(got, ",") != "id,x" {
					t.Errorf("columns after the retry: %v", got)
				}
				return
			}
			if err == nil {
				t.Fatal("the statement went through while another session held the lock")
			}
			if mysql.ErrorNumber(err) != 1205 || !strings.Contains(err.Error(), "waited 3 times 1s for a metadata lock that another session holds") {
				t.Errorf("error = %v, want 1205 saying what it waited for", err)
			}
			if retries != 2 {
				t.Errorf("%d retries logged, want 2:\n%s", retries, log.String())
			}
			if _, err := holder.ExecContext(context.Background(), "COMMIT"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// While retort waits for a metadata lock behind a long transaction, a
// writer of the same table keeps writing: each attempt's one-second
// lock_wait_timeout is the most the writer waits at once, and the pauses
// between attempts let it through for at least three quarters of the wait.
// A write counts as blocked when it overlaps an attempt (known from the
// retry warnings) and is slower than any write while nothing else runs and
// than a quarter of an attempt: a write queued behind an attempt waits for
// most of it, and this shared machine's fsyncs are slow at times too.
func TestLockWaitLetsWritersThrough(t *testing.T) {
	ctx := context.Background()
	retries := &dialecttest.Retries{}
	db, _, d := newDB(t, mysql.WithLockTimeout(30*time.Second), mysql.WithLogger(slog.New(retries)))
	run(t, db, "schema", "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, v int)")
	insert := func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (1)")
		return err
	}
	quiet := dialecttest.Writer(ctx, time.Hour, insert)
	time.Sleep(time.Second)
	threshold := max(quiet().Longest, mysql.LockAttempt/4)
	holder := pin(t, db)
	run(t, holder, "holder", "BEGIN; SELECT count(*) FROM t") // holds the table's metadata lock until it ends
	stop := dialecttest.Writer(ctx, threshold, insert)
	go func() {
		time.Sleep(7 * time.Second) // long enough for a few attempts
		holder.ExecContext(ctx, "COMMIT")
	}()
	start := time.Now()
	p := &dialect.Plan{Steps: []dialect.Step{{SQL: "ALTER TABLE `t` ADD COLUMN `x` int"}}}
	err := dialect.Apply(ctx, d, pin(t, db), p)
	end := time.Now()
	s := stop()
	if err != nil {
		t.Fatalf("the ALTER did not go through once the long transaction ended: %v", err)
	}
	wait := end.Sub(start)
	blocked, n, longest := s.Within(retries.Windows(mysql.LockAttempt, end), threshold)
	share := float64(blocked) / float64(wait)
	t.Logf("waited %v in %d attempts; the writer wrote %d rows, blocked %v (%.0f%%) in %d writes slower than %v, longest stall %v (%v in all slow writes)",
		wait.Round(time.Millisecond), retries.Count()+1, s.Writes, blocked.Round(time.Millisecond), 100*share, n, threshold.Round(time.Millisecond),
		longest.Round(time.Millisecond), s.Blocked.Round(time.Millisecond))
	if wait < 7*time.Second || retries.Count() == 0 {
		t.Fatalf("the ALTER did not wait for the long transaction (%v)", wait)
	}
	if share > 0.25 {
		t.Errorf("the writer was blocked %.0f%% of the wait, want at most 25%%", 100*share)
	}
	// A write queued at the start of an attempt waits for all of it, then
	// takes as long as a write takes (at most threshold when quiet); the
	// old per-attempt 10s lock_wait_timeout stalled it 7s.
	if longest > mysql.LockAttempt+threshold {
		t.Errorf("the longest stall was %v, want at most one attempt's lock_wait_timeout (%v) and a write", longest, mysql.LockAttempt)
	}
	if s.Errors > 0 {
		t.Errorf("%d writes failed", s.Errors)
	}
}
