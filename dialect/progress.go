package dialect

import (
	"context"
	"database/sql"
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
	// Copy is called after each batch of rows a table rebuild copies, on
	// engines that copy in batches (see Copier).
	Copy func(Copied)
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
	if h.Copy != nil {
		if c, ok := d.(Copier); ok {
			if handled, err := c.ExecCopy(ctx, q, stmt, h.Copy); handled || err != nil {
				return err
			}
		}
	}
	_, err := q.ExecContext(ctx, stmt)
	return TranslateError(d, err)
}
