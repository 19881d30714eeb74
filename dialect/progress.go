package dialect

import (
	"context"
	"database/sql"
	"time"

	"github.com/retortdb/retort/internal/sqltok"
)

// TryLocker is implemented by engines whose migration lock can be tried
// without waiting, so that the caller can say who it waits for and bound
// the wait (migrate.Runner does). PostgreSQL and MySQL try their session
// lock; SQLite, which has none, tries its write lock (BEGIN IMMEDIATE) and
// releases it at once: each migration takes it again in Transact. An
// engine that is a TryLocker but not a Locker is such a probe, and
// migrate.Runner probes again before each migration.
type TryLocker interface {
	// TryLock takes the lock named key on conn if no other session holds
	// it and returns its unlock. When another session holds it, TryLock
	// returns a nil unlock, a nil error and who holds it, as precisely as
	// the engine can tell ("" when it cannot).
	TryLock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, holder string, err error)
}

// Hooks receive what a running plan or migration does, for progress
// reports. Nil fields are not called. Hooks must not use the connection.
type Hooks struct {
	// Statement is called before each statement runs.
	Statement func(stmt string)
	// Executed is called after each statement ran, or failed.
	Executed func(Executed)
	// Copy is called after each batch of rows a table rebuild copies, on
	// engines that copy in batches (see Copier).
	Copy func(Copied)
}

// Executed is a statement that ran: how long it took, the rows it changed
// and its error.
type Executed struct {
	Stmt     string
	Duration time.Duration
	// Rows is the number of rows a data change (INSERT, UPDATE, DELETE,
	// REPLACE, MERGE, WITH …) affected as the driver reports it, or -1 for other
	// statements (whose count engines do not report, or SQLite reports
	// stale), a failed statement, and a row copy run in batches (see Copied).
	Rows int64
	Err  error
}

// Copied is the progress of a table rebuild's row copy.
type Copied struct {
	// Table is the table being rebuilt.
	Table string
	// Rows is the number of rows copied so far; Total the table's row
	// count when the copy started.
	Rows, Total int64
}

// Copier is implemented by engines that can run the row copy of a table
// rebuild (the INSERT … SELECT that their plans write) in batches, reporting
// after each. The copy stays in the caller's transaction.
type Copier interface {
	// ExecCopy runs stmt on q. If stmt is a rebuild's row copy, it runs in
	// batches with report called after each and handled is true; otherwise
	// ExecCopy does nothing and returns false.
	ExecCopy(ctx context.Context, q Querier, stmt string, report func(Copied)) (handled bool, err error)
}

// Exec runs stmt on q, calling h's hooks: Statement before it, and Copy
// while a rebuild copies rows on engines that are Copiers.
func Exec(ctx context.Context, d Dialect, q Querier, stmt string, h Hooks) error {
	if h.Statement != nil {
		h.Statement(stmt)
	}
	start := time.Now()
	rows, err := execRows(ctx, d, q, stmt, h)
	err = TranslateError(d, err)
	if h.Executed != nil {
		h.Executed(Executed{Stmt: stmt, Duration: time.Since(start), Rows: rows, Err: err})
	}
	return err
}

// execRows runs stmt and returns the rows it affected, as Executed.Rows
// counts them.
func execRows(ctx context.Context, d Dialect, q Querier, stmt string, h Hooks) (int64, error) {
	if h.Copy != nil {
		if c, ok := d.(Copier); ok {
			if handled, err := c.ExecCopy(ctx, q, stmt, h.Copy); handled || err != nil {
				return -1, err
			}
		}
	}
	res, err := q.ExecContext(ctx, stmt)
	if err != nil || !changesRows(stmt) {
		return -1, err
	}
	n, rerr := res.RowsAffected()
	if rerr != nil {
		return -1, nil
	}
	return n, nil
}

// changesRows reports whether stmt's first keyword is that of a data
// change (or WITH, which starts one in migrations), whose affected rows
// the drivers count.
func changesRows(stmt string) bool {
	toks := sqltok.Lex(stmt, sqltok.Options{DollarQuotes: true}, 1)
	if len(toks) == 0 {
		return false
	}
	for _, kw := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "WITH"} {
		if toks[0].Is(kw) {
			return true
		}
	}
	return false
}
