// Package mysql is retort's MySQL and MariaDB engine: inspection of one
// database from information_schema in a fixed number of queries, planning
// with native ALTER TABLE (orphan-row and duplicate-key checks first; a
// foreign key whose actions or name change is swapped in place; foreign
// keys that a column-type or primary-key change would break are dropped
// around it), a migration envelope for DDL
// that commits implicitly (each statement runs on its own; the version-row
// write that follows it is one transaction), a GET_LOCK session lock for the
// migration runner, and scratch databases on the server for loading desired
// schemas.
//
// MariaDB (tested: 10.11) and MySQL 8 differ in places; the engine detects
// the server when it inspects and adapts its catalog queries and the SQL it
// plans (DROP CONSTRAINT on MariaDB, DROP CHECK on MySQL).
//
// The package does not import a driver. Programs register one, normally
// github.com/go-sql-driver/mysql (driver name "mysql").
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// MaxIdentLen is the longest identifier MySQL accepts, in characters.
const MaxIdentLen = 64

// DefaultLockWait is how long, in all, a migration statement waits for a
// metadata lock when no lock timeout is configured: the sum of its
// attempts (each with lock_wait_timeout LockAttempt) and the pauses
// between them, instead of the server's default of a year.
const DefaultLockWait = 30 * time.Second

// LockAttempt is the lock_wait_timeout of each attempt: one second, the
// shortest wait lock_wait_timeout (whole seconds; 0 is NOWAIT) can say. A
// DDL statement that waits for a metadata lock queues every writer of its
// table behind it, so it gives up after this, lets the writers through
// for a pause at least three times as long, and tries again.
const LockAttempt = time.Second

// Dialect is the MySQL/MariaDB engine. Create it with New.
type Dialect struct {
	naming         dialect.Naming
	logger         *slog.Logger
	driver         string
	server         string
	connectTimeout time.Duration
	lockTimeout    time.Duration
	retries        int
	retryDelay     time.Duration
	offline        bool // WithOnline(false): no ALGORITHM/LOCK clauses

	mu        sync.Mutex
	detected  *Server                      // the server last inspected; guides Plan
	rehearsed map[string][2]*schema.Schema // successful rehearsals (before, after), by rehearsalKey
}

// Option configures a Dialect.
type Option func(*Dialect)

// WithNaming sets the naming convention for the constraints retort names
// (foreign keys and checks the desired schema leaves unnamed, instead of
// MySQL's <table>_ibfk_<n>). Names are cut to 64 characters.
func WithNaming(n dialect.Naming) Option { return func(d *Dialect) { d.naming = n } }

// WithOnline sets whether plans say ALGORITHM=INPLACE/INSTANT, LOCK=NONE
// (or ALGORITHM=COPY) on the index and column changes of tables that
// exist (default true), so that the server refuses a change it cannot
// make without blocking writers rather than copying the table. false
// plans the plain statements and lets the server choose. Foreign-key
// changes keep their in-place swap either way.
func WithOnline(on bool) Option { return func(d *Dialect) { d.offline = !on } }

// WithLogger sets the logger for warnings and for waits on locks.
func WithLogger(l *slog.Logger) Option {
	return func(d *Dialect) {
		if l != nil {
			d.logger = l
		}
	}
}

// WithDriver sets the database/sql driver name used for scratch databases
// (default "mysql", as registered by github.com/go-sql-driver/mysql).
func WithDriver(name string) Option { return func(d *Dialect) { d.driver = name } }

// WithScratchServer sets the server where Scratch creates its databases, as
// the go-sql-driver DSN of any database on it
// (user:pass@tcp(host:3306)/db?params). Scratch creates
// retort_scratch_<random> there, with the character set and collation of
// that database, and drops it afterwards.
func WithScratchServer(dsn string) Option { return func(d *Dialect) { d.server = dsn } }

// WithLockTimeout sets how long, in all, each migration statement waits
// for a metadata lock (default DefaultLockWait): attempts with
// lock_wait_timeout LockAttempt (or the timeout, if shorter, in whole
// seconds) and jittered, growing pauses between them. It also sets how
// long Lock waits for the migration lock. migrate.Runner does not call Lock: it tries the
// lock with TryLock and bounds that wait by its own LockWait.
func WithLockTimeout(t time.Duration) Option { return func(d *Dialect) { d.lockTimeout = t } }

// WithRetries caps how many times a statement whose metadata lock wait
// timed out is run again (default: as many as the lock timeout allows) and
// sets the first pause between attempts (default eight times the attempt's
// lock_wait_timeout); each pause is 1.5 times the one before (at most
// 10s), jittered by ±25%.
func WithRetries(n int, delay time.Duration) Option {
	return func(d *Dialect) { d.retries, d.retryDelay = n, delay }
}

// WithServer sets the server that Plan writes SQL for until the engine
// inspects one: its flavour and version, the database's default collation
// and the session's sql_mode, as Inspect would have detected them. It is
// for a planner built without a connection (offline tests, a plan for a
// server not reachable from here); Inspect replaces it with the server it
// inspects.
func WithServer(s Server) Option {
	return func(d *Dialect) { d.detected = &s }
}

// New returns the MySQL/MariaDB engine.
func New(opts ...Option) *Dialect {
	d := &Dialect{
		naming:  dialect.DefaultNaming(),
		logger:  slog.New(slog.DiscardHandler),
		driver:  "mysql",
		retries: -1,
	}
	for _, o := range opts {
		o(d)
	}
	if d.naming.MaxLen == 0 || d.naming.MaxLen > MaxIdentLen {
		d.naming.MaxLen = MaxIdentLen
	}
	return d
}

// Name returns "mysql".
func (d *Dialect) Name() string { return "mysql" }

// Quote returns ident as a backquoted MySQL identifier (a backquote inside
// is doubled).
func (d *Dialect) Quote(ident string) string { return quote(ident) }

func quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

// literal returns s as a MySQL string literal. Quotes are doubled and
// backslashes escaped, which reads back as s unless the server runs with
// NO_BACKSLASH_ESCAPES.
func literal(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// DiffOptions returns diff.ColumnOrder: MySQL can move a column (MODIFY …
// AFTER), so the order of columns is part of the schema compared.
func (d *Dialect) DiffOptions() []diff.Option { return []diff.Option{diff.ColumnOrder()} }

// TransactionalDDL reports false: MySQL commits DDL implicitly, so the
// migration runner runs and records each statement on its own.
func (d *Dialect) TransactionalDDL() bool { return false }

// Server describes the server a database lives on.
type Server struct {
	// MariaDB is set for MariaDB, clear for MySQL.
	MariaDB bool
	// Major, Minor and Patch are the version numbers.
	Major, Minor, Patch int
	// Version is the full version string, e.g. 10.11.6-MariaDB-0+deb12u1.
	Version string
	// DBCollation is the default collation of the database inspected.
	DBCollation string
	// SQLMode is the sql_mode of the session that inspected it: triggers
	// and routines created under another are created under theirs.
	SQLMode string
}

// parseServer reads a VERSION() string.
func parseServer(v string) *Server {
	s := &Server{Version: v, MariaDB: strings.Contains(strings.ToLower(v), "mariadb")}
	// MariaDB 10.x replication prefixes 5.5.5- to the version it reports.
	rest := strings.TrimPrefix(v, "5.5.5-")
	fmt.Sscanf(rest, "%d.%d.%d", &s.Major, &s.Minor, &s.Patch)
	return s
}

// AtLeast reports whether the server's version is at least major.minor.patch.
func (s *Server) AtLeast(major, minor, patch int) bool {
	if s.Major != major {
		return s.Major > major
	}
	if s.Minor != minor {
		return s.Minor > minor
	}
	return s.Patch >= patch
}

func (s *Server) String() string {
	if s.MariaDB {
		return "MariaDB " + s.Version
	}
	return "MySQL " + s.Version
}

// DetectServer asks q's server for its version.
func DetectServer(ctx context.Context, q dialect.Querier) (*Server, error) {
	var v string
	if err := q.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return nil, fmt.Errorf("mysql: read server version: %w", err)
	}
	return parseServer(v), nil
}

func (d *Dialect) remember(s *Server) {
	d.mu.Lock()
	d.detected = s
	d.mu.Unlock()
}

// Server returns the server this engine last inspected, or nil before the
// first inspection. Plan uses it to choose between MySQL and MariaDB
// syntax; without it, Plan writes SQL both accept where there is such SQL,
// and MariaDB's otherwise.
func (d *Dialect) Server() *Server {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.detected
}

// lockWait returns the lock timeout: all the attempts of a statement and
// the pauses between them.
func (d *Dialect) lockWait() time.Duration {
	if d.lockTimeout > 0 {
		return d.lockTimeout
	}
	return DefaultLockWait
}

// attemptWait returns the lock_wait_timeout of one attempt, whole seconds.
func (d *Dialect) attemptWait() time.Duration {
	return min(LockAttempt, (d.lockWait()+time.Second-1)/time.Second*time.Second)
}

// backoff returns the pause before retry n of a statement.
func (d *Dialect) backoff(n int) time.Duration {
	base := d.retryDelay
	if base <= 0 {
		base = 8 * d.attemptWait()
	}
	return dialect.Backoff(base, n)
}

// settings returns the statements that set the migration's session
// settings and those that restore them: the connection may be an
// application's pooled one (retort.Database.Apply).
func (d *Dialect) settings() (set, restore []string) {
	secs := int64(d.attemptWait() / time.Second)
	return []string{fmt.Sprintf("SET @retort_lock_wait = @@SESSION.lock_wait_timeout, SESSION lock_wait_timeout = %d", secs)},
		[]string{"SET SESSION lock_wait_timeout = @retort_lock_wait"}
}

// Envelope returns the statements Transact runs before and after a
// migration's statements: the metadata lock timeout, set and restored.
// There is no BEGIN … COMMIT around them: MySQL commits every DDL
// statement on its own. (Transact does group the data changes after a DDL
// statement, such as the version-table row the runner writes after each
// statement, into one transaction.)
func (d *Dialect) Envelope() (before, after []string) {
	return d.settings()
}

// Transact runs fn on conn. MySQL commits DDL implicitly, so there is no
// transaction around the whole of fn: every schema statement (CREATE,
// ALTER, DROP, RENAME, …) runs on its own, and the data statements between
// two of them (INSERT, UPDATE, DELETE, …, and the runner's version-table
// row) are grouped into one transaction, committed before the next schema
// statement and at the end. If fn fails, the open transaction is rolled
// back; schema statements that ran stay applied.
//
// Each statement waits at most the lock timeout for its metadata lock; a
// schema statement that timed out is run again after a pause, up to the
// configured number of retries.
func (d *Dialect) Transact(ctx context.Context, conn *sql.Conn, fn func(ctx context.Context, tx dialect.Querier) error) (err error) {
	set, restore := d.settings()
	for _, s := range set {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("mysql: %s: %w", s, err)
		}
	}
	q := &txQuerier{d: d, conn: conn}
	defer func() {
		// With a context of its own: the migration's may be cancelled.
		ctx := context.WithoutCancel(ctx)
		if q.open {
			if _, rerr := conn.ExecContext(ctx, "ROLLBACK"); rerr != nil && err == nil {
				err = fmt.Errorf("mysql: rollback: %w", rerr)
			}
		}
		if err != nil {
			// A foreign key swap on MySQL switches foreign_key_checks off
			// for the session (SET @retort_fkc = …); a failure must not
			// leave it off on a pooled connection.
			_, _ = conn.ExecContext(ctx, restoreFKChecks)
		}
		for _, s := range restore {
			if _, rerr := conn.ExecContext(ctx, s); rerr != nil && err == nil {
				err = fmt.Errorf("mysql: %s: %w", s, rerr)
			}
		}
	}()
	if err := fn(ctx, q); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return q.commit(ctx)
}

// restoreFKChecks puts back the foreign_key_checks that a swap saved in
// @retort_fkc, if one did, and forgets it.
// saveFKChecksOff saves the session's foreign_key_checks in @retort_fkc
// and turns them off; restoreFKChecks puts them back.
const saveFKChecksOff = "SET @retort_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0"

const restoreFKChecks = "SET SESSION foreign_key_checks = COALESCE(@retort_fkc, @@SESSION.foreign_key_checks), @retort_fkc = NULL"

// txQuerier runs statements for Transact: data statements inside a
// transaction that it begins on demand, schema statements outside it.
type txQuerier struct {
	d    *Dialect
	conn *sql.Conn
	open bool
}

func (q *txQuerier) begin(ctx context.Context) error {
	if q.open {
		return nil
	}
	if _, err := q.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("mysql: begin: %w", err)
	}
	q.open = true
	return nil
}

func (q *txQuerier) commit(ctx context.Context) error {
	if !q.open {
		return nil
	}
	q.open = false
	if _, err := q.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("mysql: commit: %w", err)
	}
	return nil
}

func (q *txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if isData(query) {
		if err := q.begin(ctx); err != nil {
			return nil, err
		}
		return q.conn.ExecContext(ctx, query, args...)
	}
	// The statement would commit the open transaction implicitly; commit
	// it explicitly, so that a failure of the statement cannot take it.
	if err := q.commit(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		res, err := q.conn.ExecContext(ctx, query, args...)
		if err == nil || ErrorNumber(err) != 1205 {
			return res, err
		}
		delay := q.d.backoff(attempt)
		if (q.d.retries >= 0 && attempt > q.d.retries) || time.Since(start)+delay+q.d.attemptWait() > q.d.lockWait() {
			return res, fmt.Errorf("mysql: waited %d times %v for a metadata lock that another session holds (an open transaction that used the table, or a long query; lock timeout %v): %w",
				attempt, q.d.attemptWait(), q.d.lockWait(), err)
		}
		q.d.logger.Warn("mysql: lock_wait_timeout expired, retrying the statement", "attempt", attempt, "wait", delay, "error", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
	}
}

func (q *txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.conn.QueryContext(ctx, query, args...)
}

func (q *txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.conn.QueryRowContext(ctx, query, args...)
}

// isData reports whether a statement reads or writes rows without
// committing implicitly, so that it can be part of a transaction.
func isData(query string) bool {
	switch firstKeyword(query) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH", "DO", "VALUES", "TABLE", "HANDLER", "LOAD":
		return true
	case "SET":
		// MariaDB's SET STATEMENT var = value FOR stmt is stmt.
		if rest, ok := setStatementBody(query); ok {
			return isData(rest)
		}
		// SET autocommit = 1 commits; other SETs do not.
		return !strings.Contains(strings.ToLower(query), "autocommit")
	}
	return false
}

// setStatementBody returns the statement that SET STATEMENT … FOR runs.
func setStatementBody(query string) (string, bool) {
	toks := sqltok.Tokenize(query, lexMySQL)
	words, depth := 0, 0
	for _, t := range toks {
		switch {
		case t.Kind == sqltok.Punct && t.Text == "(":
			depth++
		case t.Kind == sqltok.Punct && t.Text == ")":
			depth--
		case t.Kind != sqltok.Word:
		case words == 0 && t.Is("SET"), words == 1 && t.Is("STATEMENT"):
			words++
		case words < 2:
			return "", false
		case depth == 0 && t.Is("FOR"):
			return query[t.Pos+len(t.Text):], true
		}
	}
	return "", false
}

// firstKeyword returns the upper-cased first word of a statement, after any
// comments and parentheses.
func firstKeyword(query string) string {
	s := query
	for {
		s = strings.TrimLeft(s, " \t\r\n(")
		switch {
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
			continue
		case strings.HasPrefix(s, "/*") && !strings.HasPrefix(s, "/*!"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
			continue
		}
		break
	}
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end < 0 {
		end = len(s)
	}
	return strings.ToUpper(s[:end])
}

// ErrorNumber returns the MySQL error number of err (1205, 1451, …), or 0
// when err carries none. It works with any driver whose error type has a
// uint16 Number field or a Number() method, as go-sql-driver's *MySQLError
// does, without importing it.
func ErrorNumber(err error) int {
	var withMethod interface{ Number() uint16 }
	if errors.As(err, &withMethod) {
		return int(withMethod.Number())
	}
	// go-sql-driver/mysql: "Error 1205 (HY000): Lock wait timeout exceeded".
	for e := err; e != nil; e = errors.Unwrap(e) {
		var n int
		if _, serr := fmt.Sscanf(e.Error(), "Error %d", &n); serr == nil {
			return n
		}
	}
	return 0
}

// Lock takes the named lock GET_LOCK('retort:<database>:<key>') on conn,
// waiting up to the lock timeout (without one: until it is free or ctx
// ends). unlock releases it with RELEASE_LOCK. The lock is the server's, so
// two processes migrating the same database, from any host, take turns.
func (d *Dialect) Lock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, err error) {
	var name string
	if err := conn.QueryRowContext(ctx, lockNameSQL, key).Scan(&name); err != nil {
		return nil, fmt.Errorf("mysql: migration lock: %w", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		return nil, fmt.Errorf("mysql: migration lock %s: %w", name, err)
	}
	if got.Int64 != 1 {
		var holder sql.NullInt64
		_ = conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&holder)
		d.logger.Info("mysql: waiting for the migration lock", "lock", name, "held_by_connection", holder.Int64)
		wait := int64(365 * 24 * 3600) // "until it is free"; ctx cancels sooner
		if d.lockTimeout > 0 {
			wait = int64((d.lockTimeout + time.Second - 1) / time.Second)
		}
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, wait).Scan(&got); err != nil {
			return nil, fmt.Errorf("mysql: wait for the migration lock %s (held by connection %d): %w", name, holder.Int64, err)
		}
		if got.Int64 != 1 {
			return nil, fmt.Errorf("mysql: the migration lock %s is still held by connection %d after %v; another retort is migrating this database", name, holder.Int64, d.lockTimeout)
		}
	}
	return func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", name)
		return err
	}, nil
}

var (
	_ dialect.Dialect         = (*Dialect)(nil)
	_ dialect.Locker          = (*Dialect)(nil)
	_ dialect.Scratcher       = (*Dialect)(nil)
	_ dialect.TxDDL           = (*Dialect)(nil)
	_ dialect.SchemaLoader    = (*Dialect)(nil)
	_ dialect.DiffOptioner    = (*Dialect)(nil)
	_ dialect.ErrorTranslator = (*Dialect)(nil)
)
