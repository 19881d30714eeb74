package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/schema"
)

// Rehearse runs stmts on a scratch copy of the schema from and returns the
// schema they lead to. The copy is a database retort_scratch_<random> on
// the scratch server (WithScratchServer: the target's server, or
// --dev-url) holding from's tables, indexes, foreign keys, views and
// triggers as retort plans them from nothing, without rows; it runs with
// foreign_key_checks off, as a schema load does, and is dropped afterwards.
//
// A statement that fails there is returned as a *dialect.ExecError (Index:
// its position in stmts) with the server's error. When the copy cannot be
// made (no CREATE privilege, an object the copy cannot recreate) the error
// wraps dialect.ErrNotRehearsed.
//
// Rehearsals that succeed are remembered by their starting schema and
// statements: a fleet of databases with the same schema upgraded by one
// process rehearses once.
func (d *Dialect) Rehearse(ctx context.Context, from *schema.Schema, stmts []string) (*schema.Schema, error) {
	key, err := rehearsalKey(from, stmts)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	done, ok := d.rehearsed[key]
	d.mu.Unlock()
	if ok {
		return done, nil
	}
	db, drop, err := d.scratch(ctx, url.Values{"foreign_key_checks": {"0"}})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", dialect.ErrNotRehearsed, err)
	}
	defer drop()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: scratch database: %w", dialect.ErrNotRehearsed, err)
	}
	defer conn.Close()
	if err := d.copySchema(ctx, db, conn, from); err != nil {
		return nil, err
	}
	for i, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, &dialect.ExecError{Stmt: s, Index: i, Err: err}
		}
	}
	after, err := d.Inspect(ctx, conn)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.rehearsed == nil {
		d.rehearsed = map[string]*schema.Schema{}
	}
	d.rehearsed[key] = after
	d.mu.Unlock()
	return after, nil
}

// copySchema creates the schema s in the empty scratch database of db
// (conn is one of its connections), by the plan from nothing to s.
func (d *Dialect) copySchema(ctx context.Context, db *sql.DB, conn *sql.Conn, s *schema.Schema) error {
	empty := &schema.Schema{}
	p, err := d.Plan(ctx, empty, s, diff.Compare(empty, s))
	if err != nil {
		return fmt.Errorf("%w: plan a copy of the schema: %w", dialect.ErrNotRehearsed, err)
	}
	stmts := make([]sqlsplit.Stmt, len(p.Steps))
	for i, st := range p.Steps {
		stmts[i] = sqlsplit.Stmt{SQL: st.SQL, Line: i + 1}
	}
	if err := load(ctx, db, conn, "copy", stmts); err != nil {
		var le *dialect.LoadError
		if errors.As(err, &le) && le.Line >= 1 && le.Line <= len(stmts) {
			return fmt.Errorf("%w: the schema could not be copied into a scratch database: %w\n  in: %s",
				dialect.ErrNotRehearsed, le.Err, firstLine(stmts[le.Line-1].SQL))
		}
		return fmt.Errorf("%w: the schema could not be copied into a scratch database: %w", dialect.ErrNotRehearsed, err)
	}
	return nil
}

// rehearsalKey identifies a rehearsal by its starting schema and
// statements.
func rehearsalKey(from *schema.Schema, stmts []string) (string, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(from); err != nil {
		return "", fmt.Errorf("mysql: rehearse: %w", err)
	}
	for _, s := range stmts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Session returns the id of conn's session (CONNECTION_ID()), which
// Interrupt takes.
func (d *Dialect) Session(ctx context.Context, conn *sql.Conn) (int64, error) {
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return 0, fmt.Errorf("mysql: session id: %w", err)
	}
	return id, nil
}

// Interrupt stops session id with KILL CONNECTION from a connection of db:
// the server aborts the statement it runs (a DDL statement rolls back,
// unless it had already reached its commit) and ends the session, which
// releases the session's migration lock once the statement has stopped.
// A session that has already ended is not an error.
func (d *Dialect) Interrupt(ctx context.Context, db *sql.DB, id int64) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err != nil && ErrorNumber(err) != 1094 {
		return fmt.Errorf("mysql: stop session %d: %w", id, err)
	}
	return nil
}

// InTx reports whether stmt is a data statement, which Transact runs
// inside the transaction that also writes the runner's version row.
func (d *Dialect) InTx(stmt string) bool { return isData(stmt) }

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

var (
	_ dialect.Rehearser   = (*Dialect)(nil)
	_ dialect.Interrupter = (*Dialect)(nil)
)
