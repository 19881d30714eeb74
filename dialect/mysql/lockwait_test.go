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
				for !strings.Contains(log.String(), "retrying") {
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
