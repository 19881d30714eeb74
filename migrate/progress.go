package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/retortdb/retort/dialect"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// Finished: a migration finished (or was skipped because another
	// process applied it meanwhile). Results are of this kind.
	Finished EventKind = iota
	// Started: a migration starts.
	Started
	// StatementStarted: a statement of the migration starts (Stmt, Line).
	StatementStarted
	// LockWaiting: another session holds the migration lock (Holder);
	// sent at once and then every LockNoticeEvery while the wait lasts
	// (Duration is the time waited so far).
	LockWaiting
	// RowsCopied: a table rebuild copied a batch of rows (Copied).
	RowsCopied
	// StatementFinished: the statement of the last StatementStarted ran
	// (or failed: Err), taking Duration and affecting Rows rows (-1 when
	// not a data change; see dialect.Executed).
	StatementFinished
)

// LockNoticeEvery is how often a Runner waiting for the migration lock
// reports that it still waits.
const LockNoticeEvery = 10 * time.Second

// lockPoll is how often a waiting Runner tries the lock again.
const lockPoll = 200 * time.Millisecond

// ErrLocked is matched (errors.Is) by every *LockError: another session
// held the migration lock and nothing was run.
var ErrLocked = errors.New("migration lock held by another session")

// LockError is an upgrade or downgrade that gave up waiting for the
// migration lock, which another session (normally another retort migrating
// the same database) still held: after the Runner's LockWait, or when ctx
// ended during the wait (Err). Nothing was run. It matches ErrLocked.
type LockError struct {
	// Holder describes the session holding the lock, as precisely as the
	// engine can tell ("" when it cannot).
	Holder string
	// Waited is how long the Runner waited.
	Waited time.Duration
	// Err is the context's error when ctx ended the wait, else nil.
	Err error
}

func (e *LockError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "another session"
	}
	if e.Err != nil {
		return fmt.Sprintf("waiting for the migration lock held by %s: %v", holder, e.Err)
	}
	return fmt.Sprintf("the migration lock is held by %s: gave up after %v (raise --migration-lock-wait, or 0 to wait until it is released); nothing was run",
		holder, e.Waited)
}

// Is reports whether target is ErrLocked.
func (e *LockError) Is(target error) bool { return target == ErrLocked }

// Unwrap returns Err: the context's error when ctx ended the wait.
func (e *LockError) Unwrap() error { return e.Err }

// lock takes the engine's migration lock on conn. With a TryLocker it
// reports a wait at once (LockWaiting events) and gives up after LockWait
// with a *LockError; a plain Locker is waited for until ctx ends.
func (r *Runner) lock(ctx context.Context, conn *sql.Conn) (unlock func() error, err error) {
	key := r.History.Table()
	switch l := r.Dialect.(type) {
	case dialect.TryLocker:
		start := time.Now()
		var noticed time.Time
		for {
			unlock, holder, err := l.TryLock(ctx, conn, key)
			if err != nil || unlock != nil {
				return unlock, err
			}
			waited := time.Since(start)
			if r.LockWait > 0 && waited >= r.LockWait {
				return nil, &LockError{Holder: holder, Waited: r.LockWait}
			}
			if noticed.IsZero() || time.Since(noticed) >= LockNoticeEvery {
				noticed = time.Now()
				r.emit(Event{Kind: LockWaiting, Holder: holder, Duration: waited})
			}
			pause := lockPoll
			if r.LockWait > 0 {
				pause = min(pause, r.LockWait-waited)
			}
			select {
			case <-ctx.Done():
				return nil, &LockError{Holder: holder, Waited: time.Since(start), Err: ctx.Err()}
			case <-time.After(pause):
			}
		}
	case dialect.Locker:
		return l.Lock(ctx, conn, key)
	}
	return func() error { return nil }, nil
}

// probesLock reports whether the engine's TryLock only probes a lock that
// each migration takes again (SQLite's write lock, in Transact): an engine
// that is a TryLocker but not a Locker. Another writer may then take the
// lock between two migrations, so the Runner probes again before each, to
// report (and bound) that wait too rather than sit in a silent busy wait.
func (r *Runner) probesLock() bool {
	_, try := r.Dialect.(dialect.TryLocker)
	_, session := r.Dialect.(dialect.Locker)
	return try && !session
}

// emit sends e to OnEvent, if set.
func (r *Runner) emit(e Event) {
	if r.OnEvent != nil {
		r.OnEvent(e)
	}
}

// hooks returns the dialect hooks that report f's statements and row
// copies as events; none without OnEvent.
func (r *Runner) hooks(f *File, dir Direction, line *int) dialect.Hooks {
	if r.OnEvent == nil {
		return dialect.Hooks{}
	}
	return dialect.Hooks{
		Statement: func(stmt string) {
			r.emit(Event{Kind: StatementStarted, Revision: f.Revision, Message: f.Message, Direction: dir, File: f.Name, Line: *line, Stmt: stmt})
		},
		Executed: func(x dialect.Executed) {
			r.emit(Event{Kind: StatementFinished, Revision: f.Revision, Message: f.Message, Direction: dir, File: f.Name, Line: *line,
				Stmt: x.Stmt, Duration: x.Duration, Rows: x.Rows, Err: x.Err})
		},
		Copy: func(c dialect.Copied) {
			r.emit(Event{Kind: RowsCopied, Revision: f.Revision, Message: f.Message, Direction: dir, File: f.Name, Copied: c})
		},
	}
}
