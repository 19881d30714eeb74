// Package dialect defines what an engine (SQLite, PostgreSQL, MySQL) provides
// to retort: inspection of a live schema into schema.Schema, planning of
// diff.Changes into SQL, identifier quoting, and the transaction envelope
// that migrations run in. Engines live in the sub-packages; nothing here
// imports a database driver.
package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Querier is what Inspect and migration steps need from a connection. It is
// satisfied by *sql.DB, *sql.Tx and *sql.Conn.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is one database engine.
type Dialect interface {
	// Name returns the engine's name: "sqlite", "postgres" or "mysql".
	Name() string
	// Inspect reads the schema that q's database holds, normalized so that
	// inspecting twice and comparing gives no changes.
	Inspect(ctx context.Context, q Querier) (*schema.Schema, error)
	// Plan turns changes (from diff.Compare(from, to)) into SQL steps.
	// from and to are the two schemas compared; engines that rebuild tables
	// use them to find the views and triggers that depend on a table.
	// When changes start with renames (diff.RenameTable, …), from is the
	// schema after them (diff.AfterRenames), and they are planned first.
	Plan(ctx context.Context, from, to *schema.Schema, changes []diff.Change) (*Plan, error)
	// Quote quotes an identifier by the engine's rules.
	Quote(ident string) string
	// Transact runs fn in the engine's migration envelope on the pinned
	// connection conn: for SQLite, foreign_keys switched off outside the
	// transaction, BEGIN, fn, the foreign key check, COMMIT, foreign_keys
	// restored. If fn or the checks fail, the transaction is rolled back and
	// the error returned.
	Transact(ctx context.Context, conn *sql.Conn, fn func(ctx context.Context, tx Querier) error) error
	// Envelope returns the statements that offline SQL output (diff,
	// upgrade --sql) puts before and after each transaction's steps: what
	// Transact does, in SQL a command-line client can run (SQLite's also
	// rolls back new foreign key violations there).
	Envelope() (before, after []string)
}

// Plan is an ordered list of SQL steps.
type Plan struct {
	Steps []Step
}

// Step is one SQL statement of a plan.
type Step struct {
	// SQL is the statement, without a trailing semicolon.
	SQL string
	// Comment, when set, is written as "-- Comment" above the statement.
	Comment string
	// Destructive marks a step that drops a table or column.
	Destructive bool
	// Rebuild marks the steps of a table rebuild.
	Rebuild bool
	// Commit marks a transaction boundary after this step
	// (written "-- retort:commit" in migration files).
	Commit bool
	// NoTx marks a step that cannot run inside a transaction.
	NoTx bool
	// Rewrite marks a step that rewrites the whole table (and rebuilds
	// its indexes) under a lock that blocks readers and writers, e.g. a
	// PostgreSQL column type change that is not binary-coercible. Linters
	// report it with the expand/contract alternative.
	Rewrite bool
}

// Statements returns the SQL of every step.
func (p *Plan) Statements() []string {
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.SQL
	}
	return out
}

// Empty reports whether the plan does nothing.
func (p *Plan) Empty() bool { return p == nil || len(p.Steps) == 0 }

// Format writes the plan as a SQL script: every step terminated by ";" on a
// line of its own, comments above the steps they explain, and
// "-- retort: destructive" above destructive steps.
func (p *Plan) Format() string {
	var b strings.Builder
	for _, s := range p.Steps {
		writeStep(&b, s)
	}
	return b.String()
}

// FormatEnveloped is the plan wrapped in the envelope of d, i.e. exactly the
// SQL that applying the plan runs: each segment in an envelope of its own.
func FormatEnveloped(d Dialect, p *Plan) string {
	if p.Empty() {
		return ""
	}
	before, after := d.Envelope()
	var b strings.Builder
	lines := func(stmts []string) {
		for _, s := range stmts {
			fmt.Fprintf(&b, "%s;\n", s)
		}
	}
	// As Apply runs it: one envelope per segment (a step marked Commit ends
	// one), NoTx steps outside any.
	open := false
	for _, s := range p.Steps {
		if s.NoTx {
			if open {
				lines(after)
				open = false
			}
			writeStep(&b, s)
			continue
		}
		if !open {
			lines(before)
			open = true
		}
		commit := s.Commit
		s.Commit = false // the envelope's end marks it
		writeStep(&b, s)
		if commit {
			lines(after)
			open = false
		}
	}
	if open {
		lines(after)
	}
	return b.String()
}

func writeStep(b *strings.Builder, s Step) {
	if s.Comment != "" {
		for _, line := range strings.Split(s.Comment, "\n") {
			b.WriteString(sqltok.CommentLine(line) + "\n")
		}
	}
	if s.Destructive {
		b.WriteString("-- retort: destructive\n")
	}
	if endsInLineComment(s.SQL) {
		fmt.Fprintf(b, "%s\n;\n", s.SQL) // a ";" on the comment's line would be part of it
	} else {
		fmt.Fprintf(b, "%s;\n", s.SQL)
	}
	if s.Commit {
		b.WriteString("-- retort:commit\n")
	}
}

// ExecError is a statement that failed while a plan or migration ran.
type ExecError struct {
	// Stmt is the statement; Index its 0-based position in the plan.
	Stmt  string
	Index int
	Err   error
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("statement %d failed: %s\n  %s", e.Index+1, sqltok.ClipError(e.Err), sqltok.Excerpt(e.Stmt))
}

// Unwrap returns the engine's error.
func (e *ExecError) Unwrap() error { return e.Err }

// endsInLineComment reports whether sql ends inside a "--" comment.
func endsInLineComment(sql string) bool {
	toks := sqltok.Tokenize(sql, sqltok.Options{DollarQuotes: true})
	return len(toks) > 0 && toks[len(toks)-1].Kind == sqltok.Comment && strings.HasPrefix(toks[len(toks)-1].Text, "--")
}

// Apply runs the plan's steps on conn inside d's envelope: one transaction
// per segment (a step marked Commit ends one), and steps marked NoTx outside
// any transaction. A failing step rolls its transaction back and is returned
// as an *ExecError; earlier segments stay committed.
func Apply(ctx context.Context, d Dialect, conn *sql.Conn, p *Plan) error {
	return ApplyWith(ctx, d, conn, p, Hooks{})
}

// ApplyWith is Apply calling h's hooks as the steps run.
func ApplyWith(ctx context.Context, d Dialect, conn *sql.Conn, p *Plan, h Hooks) error {
	if p.Empty() {
		return nil
	}
	run := func(ctx context.Context, q Querier, from, to int) error {
		for i := from; i < to; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := Exec(ctx, d, q, p.Steps[i].SQL, h); err != nil {
				return &ExecError{Stmt: p.Steps[i].SQL, Index: i, Err: err}
			}
		}
		return nil
	}
	start := 0
	for i, s := range p.Steps {
		switch {
		case s.NoTx:
			if err := flush(ctx, d, conn, run, start, i); err != nil {
				return err
			}
			if err := prepareNoTx(ctx, d, conn, s.SQL, h); err != nil {
				return &ExecError{Stmt: s.SQL, Index: i, Err: err}
			}
			if err := run(ctx, conn, i, i+1); err != nil {
				return err
			}
			start = i + 1
		case s.Commit || i == len(p.Steps)-1:
			if err := flush(ctx, d, conn, run, start, i+1); err != nil {
				return err
			}
			start = i + 1
		}
	}
	return nil
}

// prepareNoTx lets d clean up before stmt runs outside a transaction
// (NoTxPreparer: PostgreSQL drops the INVALID index a failed CREATE INDEX
// CONCURRENTLY of the same name left), passing what it ran to h.
func prepareNoTx(ctx context.Context, d Dialect, conn *sql.Conn, stmt string, h Hooks) error {
	p, ok := d.(NoTxPreparer)
	if !ok {
		return nil
	}
	ran, err := p.PrepareNoTx(ctx, conn, stmt)
	if h.Statement != nil {
		for _, s := range ran {
			h.Statement("-- " + s)
		}
	}
	return err
}

func flush(ctx context.Context, d Dialect, conn *sql.Conn, run func(context.Context, Querier, int, int) error, from, to int) error {
	if from >= to {
		return nil
	}
	return d.Transact(ctx, conn, func(ctx context.Context, q Querier) error { return run(ctx, q, from, to) })
}

// Locker is implemented by engines that take a session lock while
// migrations run (PostgreSQL pg_advisory_lock, MySQL GET_LOCK). SQLite does
// not need one: each migration takes the write lock (BEGIN IMMEDIATE) and
// re-reads the version table under it.
type Locker interface {
	// Lock blocks until the lock named key is held by conn, or ctx ends.
	Lock(ctx context.Context, conn *sql.Conn, key string) (unlock func() error, err error)
}

// Scratcher is implemented by engines that can open a private scratch
// database for loading a desired schema or replaying migrations: SQLite in
// memory, PostgreSQL and MySQL as a temporary database on the server.
// The caller must call drop when done, even on error paths; it closes db
// and removes the scratch database.
type Scratcher interface {
	Scratch(ctx context.Context) (db *sql.DB, drop func() error, err error)
}

// DiffOptioner is implemented by engines that compare schemas with more
// than diff.Compare's defaults: MySQL compares the order of columns
// (diff.ColumnOrder), which it can change. Callers pass DiffOptions to
// diff.Compare for such an engine.
type DiffOptioner interface {
	DiffOptions() []diff.Option
}

// DiffOptions returns d's diff options, or none.
func DiffOptions(d Dialect) []diff.Option {
	if o, ok := d.(DiffOptioner); ok {
		return o.DiffOptions()
	}
	return nil
}

// TxDDL is implemented by engines that report whether their DDL is
// transactional. MySQL's is not (DDL commits implicitly): the runner then
// records progress after every statement, so that a failed migration
// resumes after the last statement that succeeded. Engines that do not
// implement TxDDL have transactional DDL.
type TxDDL interface {
	TransactionalDDL() bool
}

// ErrNotRehearsed is wrapped by the error of a Rehearser that could not make
// its scratch copy (no privilege to create a database, an object the engine
// cannot recreate): nothing was rehearsed, nothing was learnt about the
// statements.
var ErrNotRehearsed = errors.New("not rehearsed")

// Rehearser is implemented by engines whose DDL is not transactional
// (MySQL), where a plan or migration that fails half-way leaves the
// database between two schemas. Rehearse creates a scratch copy of the
// part of schema from that stmts name or need (their structure, no rows),
// runs stmts there in order, and returns that part as copied (before) and
// as the statements left it (after). A statement that fails is returned as
// an *ExecError whose Index is its position in stmts; when no copy could
// be made the error wraps ErrNotRehearsed. The database from came from is
// never touched.
type Rehearser interface {
	Rehearse(ctx context.Context, from *schema.Schema, stmts []string) (before, after *schema.Schema, err error)
}

// NoTxPreparer is implemented by dialects that clean up before a statement
// runs outside a transaction: PostgreSQL drops the INVALID index that a
// failed CREATE INDEX CONCURRENTLY of the same name left behind. It returns
// a description of each statement it ran, for the log.
type NoTxPreparer interface {
	PrepareNoTx(ctx context.Context, q Querier, stmt string) ([]string, error)
}

// Interrupter is implemented by engines whose server goes on running a
// statement after the client that sent it has gone (MySQL: a DDL statement
// interrupted by Ctrl-C or a lost connection may still finish, or roll
// back, on the server). The migration runner uses it to stop such a
// statement and to learn its outcome before it records anything.
type Interrupter interface {
	// Session returns the server's id of conn's session.
	Session(ctx context.Context, conn *sql.Conn) (int64, error)
	// Interrupt stops the statement that session id runs, and the session
	// (which releases the session's locks once the statement has finished
	// or rolled back), from a connection of db.
	Interrupt(ctx context.Context, db *sql.DB, id int64) error
	// InTx reports whether stmt runs inside the transaction that records
	// its progress (a data change): its outcome is then never unknown.
	InTx(stmt string) bool
}

// RehearsalError is a plan or a migration refused because it failed on a
// scratch copy of the schema (see Rehearser): nothing ran on the database.
type RehearsalError struct {
	// File and Line locate the statement in a migration file; both are
	// empty for a plan.
	File string
	Line int
	// Stmt is the statement that failed, Index its 0-based position in
	// the plan, and Err the server's error. Stmt is "" when every
	// statement ran but the result is not the desired schema: Remaining
	// then lists what still differs.
	Stmt      string
	Index     int
	Err       error
	Remaining []string
}

func (e *RehearsalError) Error() string {
	if e.Stmt == "" {
		return "rehearsal on a scratch copy of the schema: the plan ran, but the result differs from the desired schema; nothing ran on the database:\n  " +
			strings.Join(e.Remaining, "\n  ")
	}
	where := fmt.Sprintf("statement %d", e.Index+1)
	if e.File != "" {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("rehearsal on a scratch copy of the schema failed at %s: %s; nothing ran on the database\n  in: %s",
		where, sqltok.ClipError(e.Err), sqltok.Excerpt(e.Stmt))
}

// Unwrap returns the server's error.
func (e *RehearsalError) Unwrap() error { return e.Err }
