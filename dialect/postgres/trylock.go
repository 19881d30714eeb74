package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
)

// lockKey is the advisory lock's key: the lock name hashed together with
// the current schema, so that two schemas of one database migrate
// independently.
const lockKey = `hashtext(current_schema() || '.' || $1)`

// TryLock takes the session advisory lock that Lock takes, if it is free.
// When another session holds it, it returns that session as "pid N
// (application …, user …, client …)" from pg_locks and pg_stat_activity.
func (d *Dialect) TryLock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, holder string, err error) {
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, key).Scan(&got); err != nil {
		return nil, "", fmt.Errorf("postgres: advisory lock: %w", err)
	}
	if got {
		return func() error {
			_, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`, key)
			return err
		}, "", nil
	}
	var pid sql.NullInt64
	var app, user, client sql.NullString
	err = conn.QueryRowContext(ctx, `SELECT l.pid, a.application_name, a.usename, host(a.client_addr)
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.objid = (`+lockKey+`)::oid
		LIMIT 1`, key).Scan(&pid, &app, &user, &client)
	if err == sql.ErrNoRows {
		return nil, "", nil // released meanwhile: the caller tries again
	}
	if err != nil {
		return nil, "", fmt.Errorf("postgres: who holds the migration lock: %w", err)
	}
	return nil, describeBackend(pid.Int64, app.String, user.String, client), nil
}

// describeBackend names a server process for a person: its pid, and what
// pg_stat_activity says about it (visible fields only: a role without
// pg_read_all_stats sees NULLs for other users' sessions).
func describeBackend(pid int64, app, user string, client sql.NullString) string {
	var parts []string
	if app != "" {
		parts = append(parts, "application "+app)
	}
	if user != "" {
		parts = append(parts, "user "+user)
	}
	switch {
	case client.Valid && client.String != "":
		parts = append(parts, "client "+client.String)
	case user != "":
		parts = append(parts, "local socket")
	}
	s := fmt.Sprintf("backend pid %d", pid)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

var _ dialect.TryLocker = (*Dialect)(nil)
