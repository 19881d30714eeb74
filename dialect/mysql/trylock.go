package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/retortdb/retort/dialect"
)

// lockNameSQL is the named lock of a key: retort:<database>:<key>, hashed
// when longer than the 64 characters GET_LOCK accepts.
const lockNameSQL = `SELECT IF(CHAR_LENGTH(n) <= 64, n, CONCAT('retort:', SHA1(n))) FROM (SELECT CONCAT('retort:', COALESCE(DATABASE(), ''), ':', ?) AS n) x`

// TryLock takes the named lock that Lock takes, if it is free (GET_LOCK
// with no wait). When another session holds it, it returns that session as
// "connection N (user …, host …)" from IS_USED_LOCK and the process list.
func (d *Dialect) TryLock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, holder string, err error) {
	var name string
	if err := conn.QueryRowContext(ctx, lockNameSQL, key).Scan(&name); err != nil {
		return nil, "", fmt.Errorf("mysql: migration lock: %w", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		return nil, "", fmt.Errorf("mysql: migration lock %s: %w", name, err)
	}
	if got.Int64 == 1 {
		return func() error {
			_, err := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", name)
			return err
		}, "", nil
	}
	var id sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&id); err != nil {
		return nil, "", fmt.Errorf("mysql: who holds the migration lock %s: %w", name, err)
	}
	if !id.Valid {
		return nil, "", nil // released meanwhile: the caller tries again
	}
	holder = fmt.Sprintf("connection %d", id.Int64)
	var user, host sql.NullString
	// The process list shows other users' sessions only with the PROCESS
	// privilege; without it the connection id is all there is.
	err = conn.QueryRowContext(ctx, "SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID = ?", id.Int64).Scan(&user, &host)
	if err == nil && user.String != "" {
		holder += fmt.Sprintf(" (user %s, host %s)", user.String, host.String)
	}
	return nil, holder, nil
}

var _ dialect.TryLocker = (*Dialect)(nil)
