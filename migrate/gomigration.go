package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// GoFunc is one direction of a Go migration. tx runs statements in the
// migration's transaction, inside the engine's envelope (Dialect.Transact),
// the same one that records the migration in the version table: if GoFunc
// returns an error, its changes are rolled back and nothing is recorded.
// It must not commit or roll back itself.
type GoFunc func(ctx context.Context, tx dialect.Querier) error

// GoMigration is the code of a Go migration: a migration whose up and down
// are Go functions, for changes SQL cannot express (a data backfill that
// calls Go code). Its revision, parents and message come from its
// placeholder file in the migrations directory (see GoPlaceholder), so that
// the graph is complete without the code; a program registers the code
// (retort.WithGoMigrations) and runs it.
type GoMigration struct {
	// Revision is the revision of its placeholder file.
	Revision string
	// Version names this version of the code and must equal the
	// placeholder's "version:". The migration's checksum is that of
	// Revision and Version (GoChecksum): change Version (and the
	// placeholder) when Up changes in a way that matters, and databases
	// that applied the old code report the migration as changed.
	Version string
	// Up applies the migration. It is required.
	Up GoFunc
	// Down reverts it; nil makes the migration irreversible.
	Down GoFunc
	// Schema is the SQL of the schema change Up makes, if any: replaying
	// the migrations into a scratch database (autogenerate, check) runs
	// these statements in place of Up. Without them the migration is
	// schema-neutral (a data change) for the replay. Engines whose DDL is
	// not transactional (MySQL) refuse schema changes in Go migrations.
	Schema []string
}

// GoPlaceholder is what a Go migration's placeholder file says, on its
// "-- retort:go" line:
//
//	-- retort:revision 20261201120000
//	-- retort:parent 20261125103000
//	-- retort:message backfill note slugs
//	-- retort:go version:1 program:braindump
//
// The file holds no SQL section. program names the program that registers
// the code and runs it (the retort CLI cannot); version is the registered
// code's Version.
type GoPlaceholder struct {
	Version string
	Program string
	// Line is the line of "-- retort:go".
	Line int
	// Code is the registered code; nil until BindGo finds it.
	Code *GoMigration
}

// checksumGo prefixes the checksums of Go migrations.
const checksumGo = "go1:"

// GoChecksum returns the checksum of a Go migration: "go1:" and the
// unpadded base64url SHA-256 of "retort:go", revision and version, each
// followed by a zero byte. Nothing else counts: not the Go code, nor the
// placeholder's parents, message or program.
func GoChecksum(revision, version string) string {
	h := sha256.New()
	for _, s := range []string{"retort:go", revision, version} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return checksumGo + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// BindGo attaches the registered code ms to the placeholders among files
// (in place). A registration without a placeholder, two registrations of
// one revision, a placeholder whose version differs from the code's, and
// an invalid registration are errors naming the revision. A placeholder
// without code is left unbound: reading the graph works, running it is a
// *GoMigrationError.
func BindGo(files []*File, ms []GoMigration) error {
	byRev := map[string]*File{}
	for _, f := range files {
		byRev[f.Revision] = f
	}
	seen := map[string]bool{}
	var errs []error
	for i := range ms {
		m := &ms[i]
		if err := checkGo(m, seen); err != nil {
			errs = append(errs, err)
			continue
		}
		f, ok := byRev[m.Revision]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("migrate: Go migration %s is registered, but the migrations directory has no file for it: add %s_<name>.sql with its -- retort:revision and -- retort:parent headers and \"-- retort:go version:%s program:<the program that runs it>\"",
				m.Revision, m.Revision, m.Version))
		case f.Go == nil:
			errs = append(errs, fmt.Errorf("migrate: Go migration %s is registered, but %s is a SQL migration (a Go migration's file holds \"-- retort:go version:%s program:…\" and no SQL)",
				m.Revision, f.Name, m.Version))
		case f.Go.Version != m.Version:
			errs = append(errs, fmt.Errorf("migrate: Go migration %s is registered as version %s, but %s:%d says version:%s; make them equal (a changed version changes the migration's checksum)",
				m.Revision, m.Version, f.Name, f.Go.Line, f.Go.Version))
		default:
			f.Go.Code = m
		}
	}
	return errors.Join(errs...)
}

// checkGo validates one registration; seen collects the revisions.
func checkGo(m *GoMigration, seen map[string]bool) error {
	switch {
	case !validRevision(m.Revision):
		return fmt.Errorf("migrate: Go migration with invalid revision %q (want letters and digits)", m.Revision)
	case seen[m.Revision]:
		return fmt.Errorf("migrate: Go migration %s is registered twice", m.Revision)
	case m.Version == "" || strings.ContainsFunc(m.Version, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return fmt.Errorf("migrate: Go migration %s: version %q must be non-empty, without spaces or control characters", m.Revision, m.Version)
	case m.Up == nil:
		return fmt.Errorf("migrate: Go migration %s has no Up function", m.Revision)
	}
	seen[m.Revision] = true
	return nil
}

// GoMigrationError is a Go migration that cannot run here: no program
// registered its code (the retort CLI never does: the program named by the
// placeholder runs it), or offline SQL was asked for a path through it.
// Nothing ran.
type GoMigrationError struct {
	File     string
	Revision string
	// Program is the program the placeholder names.
	Program string
	// Offline is set when SQL was asked for (upgrade --sql): a Go
	// migration has none.
	Offline bool
}

func (e *GoMigrationError) Error() string {
	if e.Offline {
		return fmt.Sprintf("%s: revision %s is a Go migration, which has no SQL to print: run it with %s (the program that registers it), or print the SQL up to its parent",
			e.File, e.Revision, e.Program)
	}
	return fmt.Sprintf("%s: revision %s is a Go migration; this program has no code registered for it (the retort CLI never has): run it with %s, the program that registers it with retort.WithGoMigrations",
		e.File, e.Revision, e.Program)
}

// GoFuncError is a Go migration whose function failed, or issued a
// statement the runner refused (*GoRefusedError). Its transaction was
// rolled back: nothing of it is applied or recorded.
type GoFuncError struct {
	File      string
	Revision  string
	Direction Direction
	Err       error
}

func (e *GoFuncError) Error() string {
	return fmt.Sprintf("%s: Go migration %s (%s) failed, its changes rolled back: %v", e.File, e.Revision, e.Direction, e.Err)
}

// Unwrap returns the function's error.
func (e *GoFuncError) Unwrap() error { return e.Err }

// GoRefusedError is a statement a Go migration may not run: one that ends
// its transaction (COMMIT, ROLLBACK, BEGIN), or, on an engine whose DDL is
// not transactional (MySQL), any statement that is not a data change, since
// it would commit the migration's transaction half-way.
type GoRefusedError struct {
	Stmt   string
	Reason string
}

func (e *GoRefusedError) Error() string {
	return fmt.Sprintf("refused %q: %s", sqltok.Excerpt(e.Stmt), e.Reason)
}

// goQuerier is the Querier a Go migration's function gets: it passes
// statements to the transaction's Querier after refusing those that would
// end the transaction, and remembers the first refusal, so that a function
// that ignores the error still fails.
type goQuerier struct {
	q        dialect.Querier
	lex      sqltok.Options
	dataOnly func(string) bool // nil: schema statements are allowed
	refused  error
}

func (r *Runner) goQuerier(q dialect.Querier) *goQuerier {
	g := &goQuerier{q: q, lex: sqlsplit.LexOptions(r.Dialect.Name())}
	if !transactionalDDL(r.Dialect) {
		g.dataOnly = func(string) bool { return false }
		if in, ok := r.Dialect.(dialect.Interrupter); ok {
			g.dataOnly = in.InTx
		}
	}
	return g
}

// check returns a *GoRefusedError for a statement the function may not
// run; query is set for QueryContext and QueryRowContext, which may also
// run the reads that a data-only engine does not run in its transaction
// (SHOW, EXPLAIN, DESCRIBE) but that commit nothing.
func (g *goQuerier) check(stmt string, query bool) error {
	var kw, second string
	for i, t := range sqltok.Lex(stmt, g.lex, 2) {
		if t.Kind == sqltok.Word && i == 0 {
			kw = strings.ToUpper(t.Text)
		} else if t.Kind == sqltok.Word {
			second = strings.ToUpper(t.Text)
		}
	}
	if slices.Contains([]string{"BEGIN", "COMMIT", "END", "START", "ABORT"}, kw) || kw == "ROLLBACK" && second != "TO" {
		return g.refuse(stmt, "it would end the migration's transaction, which the runner commits with the version row")
	}
	if query && slices.Contains([]string{"SHOW", "EXPLAIN", "DESCRIBE", "DESC"}, kw) {
		return nil
	}
	if g.dataOnly != nil && !g.dataOnly(stmt) {
		return g.refuse(stmt, "this engine commits schema changes (DDL) implicitly, so a Go migration here may only read and change data; put the schema change in a SQL migration")
	}
	return nil
}

func (g *goQuerier) refuse(stmt, reason string) error {
	err := &GoRefusedError{Stmt: stmt, Reason: reason}
	if g.refused == nil {
		g.refused = err
	}
	return err
}

func (g *goQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := g.check(query, false); err != nil {
		return nil, err
	}
	return g.q.ExecContext(ctx, query, args...)
}

func (g *goQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := g.check(query, true); err != nil {
		return nil, err
	}
	return g.q.QueryContext(ctx, query, args...)
}

// QueryRowContext cannot return an error of its own: for a refused
// statement it runs a query that finds no row (Scan returns
// sql.ErrNoRows), and the migration fails with the refusal all the same.
func (g *goQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := g.check(query, true); err != nil {
		return g.q.QueryRowContext(ctx, "SELECT 1 FROM (SELECT 1 AS x) AS t WHERE 1 = 0")
	}
	return g.q.QueryRowContext(ctx, query, args...)
}

// goHeader parses "-- retort:go version:V program:P".
func (p *parser) goHeader(line int, arg string) error {
	if p.f.Go != nil {
		return p.errorf(line, "duplicate -- retort:go line (first at line %d)", p.f.Go.Line)
	}
	g := &GoPlaceholder{Line: line}
	for _, opt := range strings.Fields(arg) {
		key, val, _ := strings.Cut(opt, ":")
		var dst *string
		switch strings.ToLower(key) {
		case "version":
			dst = &g.Version
		case "program":
			dst = &g.Program
		default:
			return p.errorf(line, "unknown option %q after -- retort:go (want version:V program:NAME)", opt)
		}
		switch {
		case *dst != "":
			return p.errorf(line, "option %s: repeated after -- retort:go", strings.ToLower(key))
		case val == "":
			return p.errorf(line, "option %s: needs a value after the colon", strings.ToLower(key))
		}
		*dst = val
	}
	switch {
	case g.Version == "":
		return p.errorf(line, "-- retort:go needs version:V, the registered code's version (part of the checksum)")
	case g.Program == "":
		return p.errorf(line, "-- retort:go needs program:NAME, the program that registers and runs the Go code")
	}
	p.f.Go = g
	return nil
}

// finishGo settles a Go migration's placeholder once the whole file is
// read: explicit revision and parent headers, and the checksum of its
// revision and version.
func (p *parser) finishGo() error {
	if !p.revSet {
		return p.errorf(p.f.Go.Line, "a Go migration's placeholder needs a -- retort:revision header")
	}
	if err := p.finish(); err != nil {
		return err
	}
	p.f.Checksum, p.f.legacy = GoChecksum(p.f.Revision, p.f.Go.Version), ""
	return nil
}

// checkGoPath returns a *GoMigrationError for the first Go migration of
// path that cannot run: one without registered code, or any when offline
// SQL is asked for.
func checkGoPath(path []*File, offline bool) error {
	for _, f := range path {
		if f.Go != nil && (offline || f.Go.Code == nil) {
			return &GoMigrationError{File: f.Name, Revision: f.Revision, Program: f.Go.Program, Offline: offline}
		}
	}
	return nil
}

// replayGo returns path with each Go migration replaced by a SQL migration
// whose up section is the schema change its code declares
// (GoMigration.Schema), or empty: unregistered code is schema-neutral.
func replayGo(path []*File) []*File {
	out := slices.Clone(path)
	for i, f := range out {
		if f.Go == nil {
			continue
		}
		c := *f
		c.Go, c.Up = nil, Section{}
		if f.Go.Code != nil && len(f.Go.Code.Schema) > 0 {
			var seg Segment
			for _, stmt := range f.Go.Code.Schema {
				seg.Statements = append(seg.Statements, Statement{SQL: stmt, Line: f.Go.Line})
			}
			c.Up.Segments = []Segment{seg}
		}
		out[i] = &c
	}
	return out
}

// applyGo runs a Go migration's function in one transaction of the
// engine's envelope, with its version row written in the same one.
func (r *Runner) applyGo(ctx context.Context, conn *sql.Conn, f *File, dir Direction) (Result, error) {
	res := Result{Revision: f.Revision, Message: f.Message, Direction: dir}
	start := time.Now()
	fn := f.Go.Code.Up
	if dir == Down {
		fn = f.Go.Code.Down
	}
	err := r.Dialect.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		_, _, recorded, err := r.History.progressOf(ctx, q, f.Revision)
		if err != nil {
			return err
		}
		if recorded == (dir == Up) {
			res.Skipped = true // another runner got here first
			return nil
		}
		gq := r.goQuerier(q)
		err = fn(ctx, gq)
		if err == nil {
			err = gq.refused // the function went on after a refusal
		}
		if err != nil {
			return &GoFuncError{File: f.Name, Revision: f.Revision, Direction: dir, Err: err}
		}
		return execAll(ctx, q, r.versionSQL(f, dir, true, 0, time.Since(start)))
	})
	if err != nil {
		if ge := (*GoFuncError)(nil); !errors.As(err, &ge) {
			err = fmt.Errorf("%s: %w", f.Name, err)
		}
		return res, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// sqlRun returns the SQL migrations of path from i up to the next Go
// migration. A rehearsal (Runner.Rehearse) cannot run Go code, so each run
// of SQL migrations is rehearsed just before it runs, on a copy of the
// schema as the Go migrations before it left it.
func sqlRun(path []*File, i int) []*File {
	j := i
	for j < len(path) && path[j].Go == nil {
		j++
	}
	return path[i:j]
}
