// Package postgres is retort's PostgreSQL engine: inspection of one schema
// with a fixed number of catalog queries, planning with native ALTERs
// (foreign keys recreated NOT VALID and validated in a second transaction,
// after an orphan-row check), the migration envelope (a transaction with a
// lock_timeout, retried when a lock is not granted in time), a session
// advisory lock for the migration runner, and scratch databases on the
// server for loading desired schemas.
//
// The package does not import a driver. Programs register one, normally
// github.com/jackc/pgx/v5/stdlib (driver name "pgx").
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
)

// DefaultLockTimeout is how long, in all, Transact waits for the locks of
// one transaction when no lock timeout is configured: the sum of its
// attempts (each with lock_timeout DefaultLockAttempt) and the pauses
// between them.
const DefaultLockTimeout = 30 * time.Second

// DefaultLockAttempt is the lock_timeout of each attempt: a DDL statement
// that waits behind a long transaction queues every writer of its table
// behind it, so it gives up after this, lets the writers through for a
// pause at least three times as long, and tries again.
const DefaultLockAttempt = 200 * time.Millisecond

// MaxIdentLen is the longest identifier PostgreSQL keeps (NAMEDATALEN-1
// bytes); longer ones are truncated.
const MaxIdentLen = 63

// Dialect is the PostgreSQL engine. Create it with New.
type Dialect struct {
	naming           dialect.Naming
	logger           *slog.Logger
	driver           string
	server           string
	schema           string
	schemas          []string
	connectTimeout   time.Duration
	lockTimeout      time.Duration
	statementTimeout time.Duration
	retries          int
	retryDelay       time.Duration
	attemptTimeout   time.Duration
	offline          bool
}

// Option configures a Dialect.
type Option func(*Dialect)

// WithNaming sets the naming convention for constraints retort names.
// Names are cut to 63 bytes, as PostgreSQL cuts them; a cut name is
// logged as a warning.
func WithNaming(n dialect.Naming) Option { return func(d *Dialect) { d.naming = n } }

// WithLogger sets the logger for warnings (truncated names) and for waits
// on locks.
func WithLogger(l *slog.Logger) Option {
	return func(d *Dialect) {
		if l != nil {
			d.logger = l
		}
	}
}

// WithDriver sets the database/sql driver name used for scratch databases
// (default "pgx", as registered by github.com/jackc/pgx/v5/stdlib).
func WithDriver(name string) Option { return func(d *Dialect) { d.driver = name } }

// WithScratchServer sets the server where Scratch creates its databases,
// as the URL of any database on it (postgres://user@host:5432/db). Scratch
// creates retort_scratch_<random> there and drops it afterwards; when the
// user may not create databases it falls back to a temporary schema in
// that database and refuses SQL that names another schema.
func WithScratchServer(url string) Option { return func(d *Dialect) { d.server = url } }

// WithSchema sets the schema retort manages. The default is the first
// schema of the connection's search_path (current_schema()); a connection
// whose search_path starts elsewhere is refused by Inspect, since the
// planned SQL names objects unqualified. Scratch databases use a schema of
// the same name.
func WithSchema(name string) Option { return func(d *Dialect) { d.schema = name } }

// WithSchemas makes retort manage several schemas, e.g. "app" and
// "audit": Inspect reads the objects of each (foreign keys and views may
// cross them), Plan qualifies every name and creates or drops the schemas
// themselves. The first schema is the one WithSchema sets: the
// connection's search_path must start with it, and the version table
// lives there. Schemas not named are never read nor touched. With one
// name it is WithSchema.
func WithSchemas(names ...string) Option {
	return func(d *Dialect) {
		if len(names) > 0 {
			d.schema = names[0]
		}
		if len(names) > 1 {
			d.schemas = names
		} else {
			d.schemas = nil
		}
	}
}

// WithLockTimeout sets how long, in all, Transact waits for the locks of
// one transaction (default DefaultLockTimeout): its attempts, each with
// the short lock_timeout of WithLockAttempt, and the jittered, growing
// pauses between them. 0 keeps the server's lock_timeout and makes one
// attempt.
func WithLockTimeout(t time.Duration) Option { return func(d *Dialect) { d.lockTimeout = t } }

// WithLockAttempt sets the lock_timeout of each attempt (default
// DefaultLockAttempt), cut to the lock timeout when that is shorter.
func WithLockAttempt(t time.Duration) Option { return func(d *Dialect) { d.attemptTimeout = t } }

// WithStatementTimeout sets the statement_timeout of every migration
// transaction (default: the server's; 0 keeps it). A statement that runs
// longer is cancelled by the server and its whole transaction rolled back;
// Transact returns a *StatementTimeoutError.
func WithStatementTimeout(t time.Duration) Option {
	return func(d *Dialect) { d.statementTimeout = t }
}

// WithRetries caps how many times Transact retries a transaction whose
// lock_timeout expired (default: as many as the lock timeout allows) and
// sets the first pause between attempts (default five times the attempt's
// lock_timeout); each pause is 1.5 times the one before (at most 10s),
// jittered by ±25%.
func WithRetries(n int, delay time.Duration) Option {
	return func(d *Dialect) { d.retries, d.retryDelay = n, delay }
}

// WithOnline sets whether Plan takes the online routes for tables that
// exist before the plan (default true): indexes built and dropped
// CONCURRENTLY, CHECK constraints and NOT NULL added NOT VALID and
// validated in a transaction of their own, UNIQUE and PRIMARY KEY
// constraints attached to an index built concurrently (see Plan). With
// false every change is the plain statement in the plan's transaction.
func WithOnline(on bool) Option { return func(d *Dialect) { d.offline = !on } }

// WithConcurrentIndexes does nothing.
//
// Deprecated: building indexes CONCURRENTLY is the default (WithOnline);
// this option will be removed in a later release.
func WithConcurrentIndexes(bool) Option { return func(*Dialect) {} }

// New returns the PostgreSQL engine.
func New(opts ...Option) *Dialect {
	d := &Dialect{
		naming:         dialect.DefaultNaming(),
		logger:         slog.New(slog.DiscardHandler),
		driver:         "pgx",
		lockTimeout:    DefaultLockTimeout,
		attemptTimeout: DefaultLockAttempt,
		retries:        -1,
	}
	for _, o := range opts {
		o(d)
	}
	if d.naming.MaxLen == 0 || d.naming.MaxLen > MaxIdentLen {
		d.naming.MaxLen = MaxIdentLen
	}
	return d
}

// Name returns "postgres".
func (d *Dialect) Name() string { return "postgres" }

// Quote returns ident as a double-quoted PostgreSQL identifier.
func (d *Dialect) Quote(ident string) string { return quote(ident) }

func quote(ident string) string {
	// A NUL byte, which no PostgreSQL name can hold, separates the schema
	// from the name in the keys the planner uses when several schemas are
	// managed (qkey).
	if sch, name, ok := strings.Cut(ident, "\x00"); ok {
		return quote(sch) + "." + quote(name)
	}
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// qkey returns the planner's key of the object name in schema sch: name
// alone in the single managed schema (sch ""), else sch and name joined by
// a NUL byte, which quote writes as "sch"."name".
func qkey(sch, name string) string {
	if sch == "" {
		return name
	}
	return sch + "\x00" + name
}

// display returns a planner key as people read it: sch.name.
func display(key string) string { return strings.ReplaceAll(key, "\x00", ".") }

// qualified returns schema.name quoted, or just name when schema is "".
func qualified(schema, name string) string {
	if schema == "" {
		return quote(name)
	}
	return quote(schema) + "." + quote(name)
}

// literal returns s as a SQL string literal (standard_conforming_strings).
func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Envelope returns the statements Transact runs around a migration
// segment.
func (d *Dialect) Envelope() (before, after []string) {
	return append([]string{"BEGIN"}, d.settings()...), []string{"COMMIT"}
}

func (d *Dialect) settings() []string {
	var out []string
	if a := d.attempt(); a > 0 {
		out = append(out, "SET LOCAL lock_timeout = "+duration(a))
	}
	if d.statementTimeout > 0 {
		out = append(out, "SET LOCAL statement_timeout = "+duration(d.statementTimeout))
	}
	return out
}

// duration returns t as a PostgreSQL interval literal: '5s' or '250ms'.
func duration(t time.Duration) string {
	ms := t.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	if ms%1000 == 0 {
		return fmt.Sprintf("'%ds'", ms/1000)
	}
	return fmt.Sprintf("'%dms'", ms)
}

// LockTimeoutError is a transaction that still could not get its locks
// when the lock timeout ran out, after Attempts attempts.
type LockTimeoutError struct {
	Attempts int
	Attempt  time.Duration // each attempt's lock_timeout
	Timeout  time.Duration // the lock timeout, all attempts and pauses together
	Err      error
}

func (e *LockTimeoutError) Error() string {
	return fmt.Sprintf("postgres: a lock was not granted within the lock timeout %v (%d attempts of lock_timeout %v; another transaction holds it; retry later, or raise --lock-timeout): %v",
		e.Timeout, e.Attempts, e.Attempt, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *LockTimeoutError) Unwrap() error { return e.Err }

// attempt returns the lock_timeout of one attempt: the configured one, cut
// to the lock timeout (0: the server's setting).
func (d *Dialect) attempt() time.Duration {
	a := d.attemptTimeout
	if d.lockTimeout <= 0 {
		return 0
	}
	if a <= 0 || a > d.lockTimeout {
		a = d.lockTimeout
	}
	return a
}

// backoff returns the pause before retry n (1, 2, …): the first pause
// (WithRetries, else five times the attempt's lock_timeout, so that
// writers queued behind an attempt wait at most a quarter of the time even
// when the jitter shortens it),
// 1.5 times longer each retry, at most 10s, jittered by ±25%.
func (d *Dialect) backoff(n int) time.Duration {
	base := d.retryDelay
	if base <= 0 {
		base = 5 * d.attempt()
	}
	return dialect.Backoff(base, n)
}

// StatementTimeoutError is a migration transaction rolled back because one
// of its statements ran longer than the statement_timeout set by
// WithStatementTimeout.
type StatementTimeoutError struct {
	Timeout time.Duration
	Err     error
}

func (e *StatementTimeoutError) Error() string {
	return fmt.Sprintf("postgres: a statement ran longer than statement_timeout %v and was cancelled; the transaction was rolled back (raise WithStatementTimeout, or split the migration): %v",
		e.Timeout, e.Err)
}

// Unwrap returns the statement's error.
func (e *StatementTimeoutError) Unwrap() error { return e.Err }

// Transact runs fn in one transaction on conn: BEGIN, SET LOCAL
// lock_timeout (and statement_timeout), fn, COMMIT. If fn fails the
// transaction is rolled back and the error returned. If it failed because
// a lock was not granted within lock_timeout (SQLSTATE 55P03), the whole
// transaction — fn included — is run again after a pause, until the lock
// timeout (all attempts and pauses together) runs out or the retries
// configured by WithRetries are spent: fn must therefore do nothing
// outside the transaction that cannot be repeated, which holds for the
// plan and migration runners. Each attempt's lock_timeout is short, so
// the writers that queue behind a waiting DDL statement wait that long at
// most, and the pauses between attempts let them through.
func (d *Dialect) Transact(ctx context.Context, conn *sql.Conn, fn func(ctx context.Context, tx dialect.Querier) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := d.try(ctx, conn, fn)
		if err == nil || SQLState(err) != "55P03" {
			return err
		}
		delay := d.backoff(attempt)
		if (d.retries >= 0 && attempt > d.retries) || time.Since(start)+delay+d.attempt() > d.lockTimeout {
			return &LockTimeoutError{Attempts: attempt, Attempt: d.attempt(), Timeout: d.lockTimeout, Err: err}
		}
		d.logger.Warn("postgres: lock_timeout expired, retrying the transaction", "attempt", attempt, "wait", delay, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func (d *Dialect) try(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil && err == nil {
				err = fmt.Errorf("postgres: rollback: %w", rerr)
			}
		}
	}()
	for _, s := range d.settings() {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("postgres: %s: %w", s, err)
		}
	}
	if err := fn(ctx, conn); err != nil {
		// 57014 is also a cancellation by the context: only a live context
		// makes it the timeout's.
		if d.statementTimeout > 0 && SQLState(err) == "57014" && ctx.Err() == nil {
			return &StatementTimeoutError{Timeout: d.statementTimeout, Err: err}
		}
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	committed = true
	return nil
}

// SQLState returns the SQLSTATE code of a PostgreSQL error in err's chain
// ("" if there is none). It works with any driver whose errors have a
// SQLState() string method, as pgx's *pgconn.PgError does.
func SQLState(err error) string {
	var s interface{ SQLState() string }
	if errors.As(err, &s) {
		return s.SQLState()
	}
	return ""
}

// Lock takes the session-level advisory lock named key (hashed together
// with the current schema, so that two schemas of one database migrate
// independently) on conn, waiting until it is free or ctx ends. unlock
// releases it.
func (d *Dialect) Lock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, err error) {
	const k = lockKey
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+k+`)`, key).Scan(&got); err != nil {
		return nil, fmt.Errorf("postgres: advisory lock: %w", err)
	}
	if !got {
		var holder sql.NullInt64
		_ = conn.QueryRowContext(ctx, `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.objid = (`+k+`)::oid LIMIT 1`, key).Scan(&holder)
		d.logger.Info("postgres: waiting for the migration lock", "key", key, "held_by_pid", holder.Int64)
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+k+`)`, key); err != nil {
			return nil, fmt.Errorf("postgres: wait for the migration lock (held by backend %d): %w", holder.Int64, err)
		}
	}
	return func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+k+`)`, key)
		return err
	}, nil
}

var (
	_ dialect.Dialect         = (*Dialect)(nil)
	_ dialect.Locker          = (*Dialect)(nil)
	_ dialect.Scratcher       = (*Dialect)(nil)
	_ dialect.ErrorTranslator = (*Dialect)(nil)
)
