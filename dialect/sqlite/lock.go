package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
)

// TryLock tries SQLite's write lock, which is what keeps two migrations
// apart on SQLite: BEGIN IMMEDIATE without a busy wait, rolled back at once
// when it succeeds (each migration takes the lock again in Transact, and
// re-reads the version table under it). When another connection holds the
// lock it returns a nil unlock and says the file is locked by another
// writer: SQLite cannot tell which process that is. key is not used.
func (d *Dialect) TryLock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, holder string, err error) {
	var prev int64
	if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&prev); err != nil {
		return nil, "", fmt.Errorf("sqlite: read busy_timeout: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return nil, "", fmt.Errorf("sqlite: set busy_timeout: %w", err)
	}
	_, berr := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	if berr == nil {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			return nil, "", fmt.Errorf("sqlite: rollback: %w", err)
		}
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", prev)); err != nil {
		return nil, "", fmt.Errorf("sqlite: restore busy_timeout: %w", err)
	}
	switch {
	case berr == nil:
		return func() error { return nil }, "", nil
	case !isBusy(berr):
		return nil, "", fmt.Errorf("sqlite: begin: %w", berr)
	}
	file := "the database file"
	var seq int
	var name, path string
	if err := conn.QueryRowContext(ctx, "SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'").Scan(&seq, &name, &path); err == nil && path != "" {
		file += " " + path
	}
	return nil, "another writer (" + file + " is locked; SQLite cannot tell which process holds it)", nil
}

// isBusy reports whether err is SQLITE_BUSY (or SQLITE_LOCKED): another
// connection holds a lock the statement needs.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return strings.Contains(err.Error(), "database is locked")
}

var _ dialect.TryLocker = (*Dialect)(nil)
