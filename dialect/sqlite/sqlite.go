// Package sqlite is retort's SQLite engine: inspection through sqlite_schema
// and the pragma table-valued functions, planning with native ALTER TABLE
// where SQLite allows it and the documented table rebuild everywhere else,
// and the migration envelope (foreign_keys off outside the transaction,
// foreign_key_check before COMMIT) on one pinned connection.
//
// The package does not import a driver. Programs register one, normally
// modernc.org/sqlite (pure Go, driver name "sqlite").
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
)

// Dialect is the SQLite engine. Create it with New.
type Dialect struct {
	naming      dialect.Naming
	logger      *slog.Logger
	driver      string
	busyTimeout time.Duration
}

// Option configures a Dialect.
type Option func(*Dialect)

// WithNaming sets the naming convention for constraints retort creates.
func WithNaming(n dialect.Naming) Option { return func(d *Dialect) { d.naming = n } }

// WithLogger sets the logger that receives warnings, such as foreign key
// violations that existed before a migration.
func WithLogger(l *slog.Logger) Option { return func(d *Dialect) { d.logger = l } }

// WithDriver sets the database/sql driver name used for scratch databases
// (default "sqlite", as registered by modernc.org/sqlite).
func WithDriver(name string) Option { return func(d *Dialect) { d.driver = name } }

// WithBusyTimeout sets how long Transact waits for the write lock that
// another connection holds (PRAGMA busy_timeout on the migration's
// connection). The default, 0, keeps the connection's own setting (retort
// opens databases with 10 s).
func WithBusyTimeout(t time.Duration) Option { return func(d *Dialect) { d.busyTimeout = t } }

// New returns the SQLite engine.
func New(opts ...Option) *Dialect {
	d := &Dialect{naming: dialect.DefaultNaming(), logger: slog.New(slog.DiscardHandler), driver: "sqlite"}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Name returns "sqlite".
func (d *Dialect) Name() string { return "sqlite" }

// Quote returns ident as a double-quoted SQLite identifier.
func (d *Dialect) Quote(ident string) string { return quote(ident) }

func quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// quoteString returns s as a SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Envelope returns the statements that offline SQL runs around a
// migration, doing in plain SQL what Transact does: foreign_keys off
// outside the transaction, BEGIN IMMEDIATE, the steps, the foreign key
// check, COMMIT, foreign_keys on.
//
// The check counts the violations before the steps (just before BEGIN: a
// writer that adds some in between makes the migration roll back, never
// commit) and after them, and a temporary trigger rolls the transaction
// back (RAISE(ROLLBACK)) when the steps added any; violations already there
// are listed but not blamed. A
// segment whose transaction did not commit leaves its mark in the session's
// temporary table, so that in a client that goes on after an error (the
// sqlite3 shell without -bail) every later segment of the script is rolled
// back too, instead of being applied over a migration that was not.
func (d *Dialect) Envelope() (before, after []string) {
	return envelopeBefore, envelopeAfter
}

var (
	envelopeBefore = []string{
		"PRAGMA foreign_keys = OFF",
		"CREATE TEMP TABLE IF NOT EXISTS _retort_offline AS SELECT 0 AS failed, 0 AS open, 0 AS violations",
		"CREATE TEMP TRIGGER IF NOT EXISTS _retort_offline_check AFTER UPDATE OF open ON _retort_offline\n" +
			"  WHEN NEW.open = 0 AND (OLD.failed OR (SELECT count(*) FROM pragma_foreign_key_check) > OLD.violations)\n" +
			"BEGIN SELECT RAISE(ROLLBACK, 'retort: rolled back: the migration adds foreign key violations (PRAGMA foreign_key_check lists them), or an earlier one in this script was rolled back'); END",
		"UPDATE temp._retort_offline SET failed = failed OR open, open = 1, violations = (SELECT count(*) FROM pragma_foreign_key_check)",
		"BEGIN IMMEDIATE",
	}
	envelopeAfter = []string{
		"PRAGMA foreign_key_check",
		"UPDATE temp._retort_offline SET open = 0",
		"COMMIT",
		"PRAGMA foreign_keys = ON",
	}
)

// Scratch opens a private in-memory database for loading a desired schema.
// drop closes it.
func (d *Dialect) Scratch(ctx context.Context) (*sql.DB, func() error, error) {
	db, err := sql.Open(d.driver, ":memory:")
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open scratch database: %w (is a driver such as modernc.org/sqlite imported?)", err)
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is a new database
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("sqlite: open scratch database: %w", err)
	}
	return db, db.Close, nil
}

// ForeignKeyError reports foreign key violations that a migration would
// introduce. The migration was rolled back.
type ForeignKeyError struct {
	Violations []Violation
}

// Violation is one row of PRAGMA foreign_key_check.
type Violation struct {
	Table  string
	RowID  sql.NullInt64
	Parent string
	FKID   int
}

func (e *ForeignKeyError) Error() string {
	var b strings.Builder
	b.WriteString("foreign key check failed, nothing was changed:")
	for _, g := range e.groups() {
		ex := g.Examples
		more := ""
		if len(ex) > 5 {
			more = fmt.Sprintf(", … %d more", len(ex)-5)
			ex = ex[:5]
		}
		fmt.Fprintf(&b, "\n  %d row(s) of %s reference a missing row of %s (rowid %s%s)",
			g.Count, quote(g.Table), quote(g.Parent), strings.Join(ex, ", "), more)
	}
	return b.String()
}

// Unwrap returns one *dialect.OrphanRowsError per child and parent table
// of the violations, in the order they were found, each with the rowids
// of up to five of its rows as Examples.
func (e *ForeignKeyError) Unwrap() []error {
	var out []error
	for _, g := range e.groups() {
		if len(g.Examples) > 5 {
			g.Examples = g.Examples[:5]
		}
		out = append(out, g)
	}
	return out
}

// groups returns the violations by child and parent table, with every
// rowid ("?" for a table without rowids) as Examples.
func (e *ForeignKeyError) groups() []*dialect.OrphanRowsError {
	var groups []*dialect.OrphanRowsError
	idx := map[[2]string]*dialect.OrphanRowsError{}
	for _, v := range e.Violations {
		k := [2]string{v.Table, v.Parent}
		g, ok := idx[k]
		if !ok {
			g = &dialect.OrphanRowsError{Table: v.Table, Parent: v.Parent}
			idx[k] = g
			groups = append(groups, g)
		}
		g.Count++
		if v.RowID.Valid {
			g.Examples = append(g.Examples, fmt.Sprint(v.RowID.Int64))
		} else {
			g.Examples = append(g.Examples, "?")
		}
	}
	return groups
}

// Transact runs fn in the migration envelope on conn, which must not be in
// a transaction: foreign_keys is switched off (and read back: Transact
// refuses to go on if it is still on), BEGIN IMMEDIATE takes the write lock,
// fn runs, PRAGMA foreign_key_check must find no violation that was not
// there before, COMMIT, and foreign_keys is restored.
//
// Violations that already existed before the migration do not abort it;
// they are logged as warnings.
func (d *Dialect) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) (err error) {
	if d.busyTimeout > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", d.busyTimeout.Milliseconds())); err != nil {
			return fmt.Errorf("sqlite: set busy_timeout: %w", err)
		}
	}
	var fkOn bool
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fkOn); err != nil {
		return fmt.Errorf("sqlite: read foreign_keys: %w", err)
	}
	if fkOn {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("sqlite: switch foreign_keys off: %w", err)
		}
		defer func() {
			// Restore with a fresh context: the migration's may be cancelled.
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); rerr != nil && err == nil {
				err = fmt.Errorf("sqlite: restore foreign_keys: %w", rerr)
			}
		}()
		var still bool
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&still); err != nil {
			return fmt.Errorf("sqlite: read foreign_keys: %w", err)
		}
		if still {
			return errors.New("sqlite: foreign_keys is still ON after PRAGMA foreign_keys = OFF (is the connection inside a transaction?); refusing to rebuild tables, since dropping a parent would fire ON DELETE actions on its children")
		}
	}

	violations, err := d.attempt(ctx, conn, fn, false)
	if err != nil || len(violations) == 0 {
		return err
	}
	// Violations were found and the attempt rolled back. Those that the
	// database had before the migration are not the migration's fault.
	before, err := foreignKeyCheck(ctx, conn)
	if err != nil {
		return err
	}
	if fresh := subtract(violations, before); len(fresh) > 0 {
		return &ForeignKeyError{Violations: fresh}
	}
	d.logger.Warn("sqlite: foreign key violations existed before this migration and remain", "count", len(violations), "first", (&ForeignKeyError{Violations: violations[:1]}).Error())
	_, err = d.attempt(ctx, conn, fn, true)
	return err
}

// attempt runs fn in one transaction. Unless commitAnyway is set, it rolls
// back and returns the violations if foreign_key_check finds any.
func (d *Dialect) attempt(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error, commitAnyway bool) (violations []Violation, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil && err == nil {
				err = fmt.Errorf("sqlite: rollback: %w", rerr)
			}
		}
	}()
	if err := fn(ctx, conn); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	violations, err = foreignKeyCheck(ctx, conn)
	if err != nil {
		return nil, err
	}
	if len(violations) > 0 && !commitAnyway {
		return violations, nil
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		if ctx.Err() != nil && committedAnyway(ctx, conn) {
			committed = true
			return nil, nil
		}
		return nil, fmt.Errorf("sqlite: commit: %w", err)
	}
	committed = true
	return nil, nil
}

// committedAnyway learns the outcome of a COMMIT that returned an error
// because the context ended while it ran (the driver interrupts the
// connection, which may come after the commit took effect). It asks the
// database: a transaction is still open exactly when ROLLBACK succeeds (it
// is then rolled back: not committed); when ROLLBACK fails, a BEGIN that
// succeeds proves none was open (committed), and is rolled back at once.
// Any other answer counts as not committed.
func committedAnyway(ctx context.Context, conn *sql.Conn) bool {
	bg := context.WithoutCancel(ctx)
	if _, err := conn.ExecContext(bg, "ROLLBACK"); err == nil {
		return false
	}
	if _, err := conn.ExecContext(bg, "BEGIN"); err != nil {
		return false
	}
	_, err := conn.ExecContext(bg, "ROLLBACK")
	return err == nil
}

func foreignKeyCheck(ctx context.Context, q dialect.Querier) ([]Violation, error) {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, fmt.Errorf("sqlite: foreign_key_check: %w", err)
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		var v Violation
		if err := rows.Scan(&v.Table, &v.RowID, &v.Parent, &v.FKID); err != nil {
			return nil, fmt.Errorf("sqlite: foreign_key_check: %w", err)
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].RowID.Int64 < out[j].RowID.Int64
	})
	return out, rows.Err()
}

// subtract returns the violations of after that are not in before, counting
// repeated keys (tables without rowid report NULL rowids).
func subtract(after, before []Violation) []Violation {
	key := func(v Violation) string {
		return fmt.Sprintf("%s\x00%v\x00%d\x00%s", fold(v.Table), v.RowID.Valid, v.RowID.Int64, fold(v.Parent))
	}
	seen := map[string]int{}
	for _, v := range before {
		seen[key(v)]++
	}
	var out []Violation
	for _, v := range after {
		k := key(v)
		if seen[k] > 0 {
			seen[k]--
			continue
		}
		out = append(out, v)
	}
	return out
}
