package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
)

// Runner applies and reverts migrations on one database, one migration at
// a time, each in the engine's transaction envelope with its version row
// written in the same transaction.
//
// Two runners may work on the same database at once: each migration is
// checked against the version table again inside its transaction (under the
// engine's write lock), so a migration the other runner applied meanwhile is
// skipped, never applied twice.
type Runner struct {
	Dialect dialect.Dialect
	DB      *sql.DB
	Graph   *Graph
	History *History
	// Logger receives one line per migration; nil discards.
	Logger *slog.Logger
	// OnEvent, if set, receives progress: each migration as it starts and
	// ends, each statement, lock waits and rebuilds' row copies (see
	// EventKind). It is called on the migrating goroutine.
	OnEvent func(Event)
	// LockWait bounds the wait for the migration lock held by another
	// session on engines that can try it (dialect.TryLocker): after it,
	// Upgrade and Downgrade fail with a *LockError. 0 waits until the lock
	// is released or ctx ends.
	LockWait time.Duration
	// AllowChanged lets migrations run although applied files changed.
	AllowChanged bool
	// Now returns the time recorded as applied_at; nil means time.Now.
	Now func() time.Time
	// Screen, when set, checks every statement of the migrations to run
	// before the first one runs: a refused statement stops the run with a
	// *dialect.LoadError naming its file and line, and skipped statements
	// do not run. Replaying migrations into a scratch database sets it;
	// upgrade and downgrade of a real database run statements as written.
	Screen *dialect.Screen
	// Rehearse makes Upgrade run the pending statements on a scratch copy
	// of the schema first, on engines that can (dialect.Rehearser): a
	// statement that fails there is reported as a
	// *dialect.RehearsalError and nothing runs on the database. Where no
	// scratch copy can be made, Upgrade warns once and goes on.
	Rehearse bool
	// Rehearsals, when set, skips the rehearsal of statements that
	// already passed on a copy of the same schema (see Rehearsals).
	Rehearsals *Rehearsals
	// InterruptWait bounds how long an interrupted run waits for the
	// server to stop the statement it was running and to find out whether
	// it took effect (default DefaultInterruptWait).
	InterruptWait time.Duration
	// Replay runs each Go migration as the SQL of the schema change its
	// code declares (GoMigration.Schema), or as nothing, instead of its
	// code: what replaying migrations into a scratch database needs.
	// Without it, Upgrade and Downgrade refuse a path through a Go
	// migration whose code is not registered (*GoMigrationError).
	Replay bool

	warnOnce sync.Once
}

// DefaultInterruptWait is how long an interrupted run waits, by default,
// for the server to stop the statement in flight before it gives up
// finding out its outcome (the next upgrade then does).
const DefaultInterruptWait = 2 * time.Minute

// Event reports what a Runner does. Kind Finished (the zero value) reports
// a migration that ran, or was skipped because another process had
// applied it meanwhile; the other kinds report progress (see EventKind).
type Event struct {
	Kind      EventKind
	Revision  string
	Message   string
	Direction Direction
	Duration  time.Duration
	Skipped   bool

	// File and Line locate the statement Stmt (StatementStarted).
	File string
	Line int
	Stmt string
	// Holder is the session holding the migration lock (LockWaiting).
	Holder string
	// Copied is a rebuild's row-copy progress (RowsCopied).
	Copied dialect.Copied
	// Rows and Err are what a statement did (StatementFinished): the rows
	// it affected (-1 when not a data change) and its error.
	Rows int64
	Err  error
}

// Result is one migration a Runner ran.
type Result = Event

// StmtError is a migration statement that failed. The migration was rolled
// back (on engines with transactional DDL) and the version is unchanged,
// except for the Done statements before it that were committed and
// recorded (earlier segments; on MySQL, every earlier statement): the next
// upgrade resumes after them.
type StmtError struct {
	File     string
	Line     int
	Stmt     string
	Revision string
	Err      error
	// Number is the statement's 1-based position in its section.
	Number int
	// Done is the number of statements of the migration that ran before
	// it and are recorded as done.
	Done int
}

func (e *StmtError) Error() string {
	msg := fmt.Sprintf("%s:%d: %s\n  in: %s", e.File, e.Line, sqltok.ClipError(e.Err), sqltok.Excerpt(e.Stmt))
	if e.Number > 0 {
		msg += fmt.Sprintf("\n  statement %d of %s", e.Number, e.Revision)
		if e.Done > 0 {
			msg += fmt.Sprintf("; statements 1-%d ran and are recorded (the schema is partly migrated): fix the file and run upgrade again to resume at statement %d", e.Done, e.Done+1)
		}
	}
	return msg
}

// Unwrap returns the engine's error.
func (e *StmtError) Unwrap() error { return e.Err }

// ChangedError reports applied migration files whose contents changed
// since they were applied.
type ChangedError struct {
	Files []string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("migration files changed after they were applied: %s\n"+
		"  restore them, or accept the change with --allow-changed (or re-stamp with 'retort stamp')",
		strings.Join(e.Files, ", "))
}

// IrreversibleError is a downgrade through a migration without a down section.
type IrreversibleError struct{ File string }

func (e *IrreversibleError) Error() string {
	return fmt.Sprintf("%s has no -- migrate:down section: it cannot be downgraded", e.File)
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// State returns the version table's records, after checking them against
// the graph: a recorded revision the directory does not have is an
// *MissingRevisionError, and a completely applied file whose checksum
// changed (unless AllowChanged) a *ChangedError.
func (r *Runner) State(ctx context.Context, q dialect.Querier) ([]Record, error) {
	recs, _, err := r.state(ctx, q)
	return recs, err
}

// state is State that also returns the records whose checksum is of an
// older form (see ChecksumMatches), to be rewritten.
func (r *Runner) state(ctx context.Context, q dialect.Querier) (recs, outdated []Record, err error) {
	recs, err = r.History.Records(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	if err := UnknownRevisions(r.Graph, recs); err != nil {
		return nil, nil, err
	}
	var changed []string
	for _, rec := range recs {
		f, _ := r.Graph.Get(rec.Revision)
		// A partly applied migration stopped at a failed statement: its
		// file is expected to change (the fix), and the run resumes after
		// the last recorded statement. The statements that already ran
		// must stay as they were: their checksum is recorded.
		ok, old := ChecksumMatches(rec.Checksum, f)
		if ok && old {
			outdated = append(outdated, rec)
		}
		switch {
		case r.AllowChanged, ok:
		case rec.Complete():
			changed = append(changed, f.Name)
		case rec.Checksum != PrefixChecksum(f.Up, rec.Progress):
			changed = append(changed, fmt.Sprintf("%s (statements 1-%d, which ran before it failed)", f.Name, rec.Progress))
		}
	}
	if len(changed) > 0 {
		return nil, nil, &ChangedError{Files: changed}
	}
	return recs, outdated, nil
}

// UnknownRevisions returns a *MissingRevisionError when recs (the version
// table's rows) name revisions that g does not have, and nil otherwise.
func UnknownRevisions(g *Graph, recs []Record) error {
	var unknown []Record
	for _, rec := range recs {
		if _, ok := g.Get(rec.Revision); !ok {
			unknown = append(unknown, rec)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return &MissingRevisionError{Records: unknown}
}

// MissingRevisionError is a database whose version table records revisions
// that the migrations directory does not have: a deleted migration file, a
// migration from another branch, or the wrong database. Nothing runs until
// the directory has them again or the version table is re-stamped.
type MissingRevisionError struct {
	// Records are the version table's rows for the unknown revisions.
	Records []Record
}

// AppliedUnknownError is the former name of MissingRevisionError.
//
// Deprecated: use MissingRevisionError.
type AppliedUnknownError = MissingRevisionError

func (e *MissingRevisionError) Error() string {
	revs := make([]string, len(e.Records))
	for i, r := range e.Records {
		revs[i] = r.Revision
	}
	stamp := "REV'"
	switch p := e.Records[0].Parents; len(p) {
	case 0:
		stamp = "base' (its recorded parent is base)"
	case 1:
		stamp = p[0] + "' (its recorded parent)"
	}
	return fmt.Sprintf("the database has revision %s applied, which is not in the migrations directory "+
		"(a deleted file, another branch's migration, or the wrong database?)\n"+
		"  check out the branch that has it or restore the file; if the schema is not what that revision made, "+
		"record where it really is with 'retort stamp %s",
		strings.Join(revs, ", "), stamp)
}

// Plan returns the migrations that Upgrade (up) or Downgrade (down) would
// run for target, given the version table's records.
func (r *Runner) Plan(recs []Record, target string, dir Direction) ([]*File, error) {
	applied, _ := Applied(recs)
	t, err := ParseDestination(target)
	if err != nil {
		return nil, err
	}
	if dir == Up {
		switch t.Kind {
		case DestinationRelative:
			if t.N < 0 {
				return nil, fmt.Errorf("upgrade %s: a relative upgrade target is +N", target)
			}
			return r.Graph.UpgradeN(applied, t.N)
		case DestinationBase:
			return nil, errors.New("upgrade base: nothing to upgrade to; use downgrade base")
		}
		revs, err := r.Graph.Resolve(target, Current(r.Graph, applied))
		if err != nil {
			return nil, err
		}
		return r.Graph.UpgradePath(applied, revs)
	}
	switch t.Kind {
	case DestinationRelative:
		if t.N > 0 {
			return nil, fmt.Errorf("downgrade %s: a relative downgrade target is -N", target)
		}
		return r.Graph.DowngradeN(applied, -t.N)
	case DestinationBase:
		return r.Graph.DowngradePath(applied, "base")
	case DestinationHead, DestinationHeads:
		return nil, fmt.Errorf("downgrade %s: name a revision, -N or base", target)
	}
	revs, err := r.Graph.Resolve(target, Current(r.Graph, applied))
	if err != nil {
		return nil, err
	}
	if len(revs) != 1 {
		return nil, fmt.Errorf("downgrade %s: names %d revisions", target, len(revs))
	}
	return r.Graph.DowngradePath(applied, revs[0])
}

// Upgrade applies the migrations up to target ("head", "heads", a revision
// or prefix, "+N").
func (r *Runner) Upgrade(ctx context.Context, target string) ([]Result, error) {
	return r.run(ctx, target, Up)
}

// Downgrade reverts the migrations down to target (a revision or prefix,
// "-N", "base").
func (r *Runner) Downgrade(ctx context.Context, target string) ([]Result, error) {
	return r.run(ctx, target, Down)
}

func (r *Runner) run(ctx context.Context, target string, dir Direction) ([]Result, error) {
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	unlock, err := r.lock(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer unlock()
	recs, outdated, err := r.state(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := r.rewriteChecksums(ctx, conn, outdated); err != nil {
		return nil, err
	}
	if recs, err = r.reconcileAll(ctx, conn, recs); err != nil {
		return nil, err
	}
	if _, partial := Applied(recs); dir == Down && len(partial) > 0 {
		return nil, r.partialError(partial)
	}
	path, err := r.Plan(recs, target, dir)
	if err != nil {
		return nil, err
	}
	if r.Replay {
		path = replayGo(path)
	} else if err := checkGoPath(path, false); err != nil {
		return nil, err
	}
	if r.Screen != nil {
		if path, err = r.screen(path, dir); err != nil {
			return nil, err
		}
	}
	if dir == Up && r.Rehearse {
		if err := r.rehearse(ctx, conn, recs, sqlRun(path, 0)); err != nil {
			return nil, err
		}
	}
	if len(path) > 0 {
		if err := r.History.Ensure(ctx, conn); err != nil {
			return nil, err
		}
	}
	if dir == Down {
		for _, f := range path {
			if irreversible(f) {
				return nil, &IrreversibleError{File: f.Name}
			}
		}
	}
	var session int64
	if in, ok := r.Dialect.(dialect.Interrupter); ok && len(path) > 0 {
		if session, err = in.Session(ctx, conn); err != nil {
			return nil, err
		}
	}
	var results []Result
	for i, f := range path {
		if i > 0 && r.probesLock() {
			if _, err := r.lock(ctx, conn); err != nil {
				return results, err
			}
		}
		if i > 0 && dir == Up && r.Rehearse && path[i-1].Go != nil {
			if err := r.rehearse(ctx, conn, recs, sqlRun(path, i)); err != nil {
				return results, err
			}
		}
		r.emit(Event{Kind: Started, Revision: f.Revision, Message: f.Message, Direction: dir, File: f.Name})
		res, err := r.apply(ctx, conn, session, f, dir)
		if err != nil {
			res.File = f.Name
			return results, &PartialError{Applied: results, Failed: res, Err: err}
		}
		results = append(results, res)
		r.logger().Info("migrated", "revision", res.Revision, "direction", dir.String(), "message", res.Message,
			"duration", res.Duration, "skipped", res.Skipped)
		r.emit(res)
	}
	return results, nil
}

// rewriteChecksums records the current checksum of the files whose row
// holds a checksum of an older form that matched.
func (r *Runner) rewriteChecksums(ctx context.Context, q dialect.Querier, outdated []Record) error {
	for _, rec := range outdated {
		f, _ := r.Graph.Get(rec.Revision)
		if _, err := q.ExecContext(ctx, r.History.ChecksumSQL(rec.Revision, f.Checksum)); err != nil {
			return fmt.Errorf("migrate: rewrite the checksum of %s: %w", rec.Revision, err)
		}
	}
	return nil
}

// apply runs one migration in one direction, segment by segment. session
// is the server's id of conn's session on engines that are a
// dialect.Interrupter.
//
// On engines whose DDL is not transactional, an upgrade records "statement
// k started" (Record.InFlight) before it runs a schema statement k, so that
// a run killed while the server executes it leaves the evidence; when the
// statement's outcome is unknown (the context was cancelled, the
// connection lost) the runner stops it on the server, finds out from the
// live schema whether it took effect, records that, and returns an
// *InterruptedError.
func (r *Runner) apply(ctx context.Context, conn *sql.Conn, session int64, f *File, dir Direction) (Result, error) {
	if f.Go != nil {
		return r.applyGo(ctx, conn, f, dir)
	}
	res := Result{Revision: f.Revision, Message: f.Message, Direction: dir}
	start := time.Now()
	sec := f.Section(dir)
	segments := r.segments(sec)
	marks := dir == Up && !transactionalDDL(r.Dialect)
	done := 0 // statements of earlier segments
	var line int
	hooks := r.hooks(f, dir, &line)
	for i, seg := range segments {
		last := i == len(segments)-1
		segStart := done
		done += len(seg.Statements)
		noTx := sec.Tx == TxOff || seg.NoTx
		inFlight := 0     // the statement marked as started, 1-based
		stmtDone := false // and it returned without an error
		body := func(ctx context.Context, q dialect.Querier) error {
			progress, unknown, recorded, err := r.History.progressOf(ctx, q, f.Revision)
			if err != nil {
				return err
			}
			switch {
			case dir == Up && recorded && progress < 0,
				dir == Down && !recorded:
				res.Skipped = true // another runner got here first
				return nil
			case dir == Up && unknown:
				return fmt.Errorf("statement %d is recorded as in flight by another run; run upgrade again to find out its outcome", progress+1)
			case dir == Up && recorded && progress >= segStart+len(seg.Statements):
				return nil // this segment ran before an interruption
			}
			n := segStart
			for _, st := range seg.Statements {
				if err := ctx.Err(); err != nil {
					return err
				}
				if noTx {
					if err := r.prepare(ctx, q, f, st); err != nil {
						return err
					}
				}
				if marks && !r.inTx(st.SQL) {
					rec := r.record(f, n, time.Since(start))
					rec.InFlight = true
					if err := execAll(ctx, q, r.History.WriteSQL(rec)); err != nil {
						return err
					}
					inFlight = n + 1
				}
				line = st.Line
				if err := dialect.Exec(ctx, r.Dialect, q, st.SQL, hooks); err != nil {
					se := &StmtError{File: f.Name, Line: st.Line, Stmt: st.SQL, Revision: f.Revision, Err: err, Number: n + 1}
					if dir == Up {
						se.Done = segStart
					}
					return se
				}
				stmtDone = inFlight > 0
				n++
			}
			return execAll(ctx, q, r.versionSQL(f, dir, last, done, time.Since(start)))
		}
		var err error
		if noTx {
			err = body(ctx, conn)
		} else {
			err = r.Dialect.Transact(ctx, conn, body)
		}
		if err != nil && inFlight > 0 {
			if unknownOutcome(ctx, err) {
				cause := err
				if se := (*StmtError)(nil); errors.As(err, &se) {
					cause = se.Err
				}
				return res, r.interrupted(ctx, conn, session, f, inFlight, cause)
			}
			// The statement failed and said so, or it ran and recording
			// it failed: the mark goes, the record says which.
			done := inFlight - 1
			if stmtDone {
				done = inFlight
			}
			write := func(ctx context.Context, q dialect.Querier) error {
				return execAll(ctx, q, r.recordSQL(f, done, time.Since(start)))
			}
			if werr := r.Dialect.Transact(context.WithoutCancel(ctx), conn, write); werr != nil {
				err = errors.Join(err, fmt.Errorf("record the outcome of statement %d: %w", inFlight, werr))
			}
		}
		if err != nil {
			var se *StmtError
			if !errors.As(err, &se) {
				err = fmt.Errorf("%s: %w", f.Name, err)
			}
			return res, err
		}
		if res.Skipped {
			break
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// screen checks every statement of path's sections in direction dir with
// r.Screen and returns copies of the files without the skipped
// statements (and with the SQL the screen runs instead, such as a
// statement without its leading pg_dump \restrict line).
func (r *Runner) screen(path []*File, dir Direction) ([]*File, error) {
	out := make([]*File, len(path))
	for i, f := range path {
		sec := f.Section(dir)
		kept := Section{Tx: sec.Tx, Line: sec.Line}
		for _, seg := range sec.Segments {
			ks := Segment{NoTx: seg.NoTx}
			for _, st := range seg.Statements {
				sql, line, err := r.Screen.Check(f.Name, st.Line, st.SQL)
				if err != nil {
					return nil, err
				}
				if sql != "" {
					ks.Statements = append(ks.Statements, Statement{SQL: sql, Line: line})
				}
			}
			if len(ks.Statements) > 0 {
				kept.Segments = append(kept.Segments, ks)
			}
		}
		c := *f
		if dir == Down {
			c.Down = kept
		} else {
			c.Up = kept
		}
		out[i] = &c
	}
	return out, nil
}

// segments returns the units the section runs in, each in its own
// transaction and closed by a version-table write: the section's segments,
// or one per statement on engines whose DDL is not transactional, so that
// a failure is recorded at the exact statement. A section without
// statements is one empty segment, which still records the version.
func (r *Runner) segments(sec Section) []Segment {
	if len(sec.Segments) == 0 {
		return []Segment{{}}
	}
	if t, ok := r.Dialect.(dialect.TxDDL); ok && !t.TransactionalDDL() {
		var out []Segment
		for _, st := range sec.Statements() {
			out = append(out, Segment{Statements: []Statement{st}})
		}
		return out
	}
	return sec.Segments
}

// prepare lets the dialect clean up before statement st of f runs outside
// a transaction (PostgreSQL drops the INVALID index a failed CREATE INDEX
// CONCURRENTLY left behind, so that a retry can build it), and logs what
// it ran.
func (r *Runner) prepare(ctx context.Context, q dialect.Querier, f *File, st Statement) error {
	p, ok := r.Dialect.(dialect.NoTxPreparer)
	if !ok {
		return nil
	}
	ran, err := p.PrepareNoTx(ctx, q, st.SQL)
	for _, s := range ran {
		r.logger().Warn(s, "file", f.Name, "line", st.Line)
	}
	if err != nil {
		return fmt.Errorf("%s:%d: before the statement: %w", f.Name, st.Line, err)
	}
	return nil
}

// transactionalDDL reports whether d's DDL is transactional.
func transactionalDDL(d dialect.Dialect) bool {
	t, ok := d.(dialect.TxDDL)
	return !ok || t.TransactionalDDL()
}

// inTx reports whether the engine runs stmt in the transaction that
// records it, so that its outcome is never unknown.
func (r *Runner) inTx(stmt string) bool {
	in, ok := r.Dialect.(dialect.Interrupter)
	return ok && in.InTx(stmt)
}

// record returns the version row of f's upgrade with its first done
// statements applied (a partial row; done must be less than their number).
func (r *Runner) record(f *File, done int, took time.Duration) Record {
	return Record{Revision: f.Revision, Parents: f.Parents, Message: f.Message,
		Checksum: PrefixChecksum(f.Up, done), AppliedAt: r.now(), Duration: took, Progress: done}
}

// recordSQL returns the statements that record f's upgrade with its first
// done statements applied: no row for none, a complete row for all.
func (r *Runner) recordSQL(f *File, done int, took time.Duration) []string {
	total := len(f.Up.Statements())
	switch {
	case done <= 0:
		return []string{r.History.DeleteSQL(f.Revision)}
	case done >= total:
		return r.versionSQL(f, Up, true, total, took)
	}
	return r.History.WriteSQL(r.record(f, done, took))
}

// irreversible reports whether f has no "-- migrate:down" section at all
// (a Go migration: no Down function). An empty down section (a merge) is a
// valid no-op.
func irreversible(f *File) bool {
	if f.Go != nil {
		return f.Go.Code == nil || f.Go.Code.Down == nil
	}
	return f.Down.Line == 0 && len(f.Down.Segments) == 0
}

// versionSQL returns the version-table statements that close a segment.
func (r *Runner) versionSQL(f *File, dir Direction, last bool, done int, took time.Duration) []string {
	if dir == Down {
		if !last {
			return nil
		}
		return []string{r.History.DeleteSQL(f.Revision)}
	}
	rec := Record{Revision: f.Revision, Parents: f.Parents, Message: f.Message, Checksum: f.Checksum,
		AppliedAt: r.now(), Duration: took, Progress: -1}
	if !last {
		rec.Progress = done
		rec.Checksum = PrefixChecksum(f.Up, done)
	}
	return r.History.WriteSQL(rec)
}

// Script writes the SQL that applying path in direction dir runs, envelope
// and version-table writes included, without touching any database.
func (r *Runner) Script(w io.Writer, path []*File, dir Direction) error {
	if err := checkGoPath(path, true); err != nil {
		return err
	}
	before, after := r.Dialect.Envelope()
	var b strings.Builder
	fmt.Fprintf(&b, "%s;\n", r.History.CreateSQL())
	for _, f := range path {
		sec := f.Section(dir)
		if dir == Down && irreversible(f) {
			return &IrreversibleError{File: f.Name}
		}
		segments := r.segments(sec)
		fmt.Fprintf(&b, "\n%s\n", sqltok.CommentLine(fmt.Sprintf("%s %s: %s (%s)", dir, f.Revision, f.Message, f.Name)))
		done := 0
		for i, seg := range segments {
			done += len(seg.Statements)
			if sec.Tx != TxOff && !seg.NoTx {
				for _, s := range before {
					fmt.Fprintf(&b, "%s;\n", s)
				}
			}
			for _, st := range seg.Statements {
				fmt.Fprintf(&b, "%s;\n", st.SQL)
			}
			for _, s := range r.versionSQL(f, dir, i == len(segments)-1, done, 0) {
				fmt.Fprintf(&b, "%s;\n", s)
			}
			if sec.Tx != TxOff && !seg.NoTx {
				for _, s := range after {
					fmt.Fprintf(&b, "%s;\n", s)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Stamp makes the version table say that exactly target and its ancestors
// are applied ("base": nothing), with the files' current checksums, without
// running any migration.
func (r *Runner) Stamp(ctx context.Context, target string) error {
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := r.History.Ensure(ctx, conn); err != nil {
		return err
	}
	recs, err := r.History.Records(ctx, conn)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	if t, err := ParseDestination(target); err != nil {
		return err
	} else if t.Kind != DestinationBase {
		applied, _ := Applied(recs)
		revs, err := r.Graph.Resolve(target, Current(r.Graph, applied))
		if err != nil {
			return err
		}
		for _, rev := range revs {
			for a := range r.Graph.Ancestors(rev) {
				want[a] = true
			}
			want[rev] = true
		}
	}
	return r.Dialect.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		for _, rec := range recs {
			if !want[rec.Revision] {
				if _, err := q.ExecContext(ctx, r.History.DeleteSQL(rec.Revision)); err != nil {
					return err
				}
			}
		}
		revs := make([]string, 0, len(want))
		for rev := range want {
			revs = append(revs, rev)
		}
		slices.Sort(revs)
		for _, rev := range revs {
			f, _ := r.Graph.Get(rev)
			rec := Record{Revision: rev, Parents: f.Parents, Message: f.Message, Checksum: f.Checksum, AppliedAt: r.now(), Progress: -1}
			if err := execAll(ctx, q, r.History.WriteSQL(rec)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PrefixChecksum returns the hex SHA-256 of the first n statements of sec
// (their SQL, without comments): what a partly applied migration records
// as its checksum, so that fixing the statements after them is allowed and
// changing those that ran is not.
func PrefixChecksum(sec Section, n int) string {
	h := sha256.New()
	for i, st := range sec.Statements() {
		if i == n {
			break
		}
		io.WriteString(h, st.SQL)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PartlyAppliedError is a downgrade refused because a migration is partly
// applied: its first Done statements ran (on an engine whose DDL commits on
// its own, or in committed segments) and the rest did not. retort cannot
// know how to undo part of a migration.
type PartlyAppliedError struct {
	File     string
	Revision string
	Done     int
	Total    int
	Lines    []int
	Parent   string
}

func (e *PartlyAppliedError) Error() string {
	lines := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		lines[i] = strconv.Itoa(l)
	}
	return fmt.Sprintf("%s is partly applied: statements 1-%d of %d ran (lines %s) and the rest did not, so it cannot be downgraded\n"+
		"  fix the file and run upgrade to finish it, or undo those statements by hand and run 'retort stamp %s'",
		e.File, e.Done, e.Total, strings.Join(lines, ", "), e.Parent)
}

// PartialError is an upgrade or downgrade stopped by a migration that
// failed: the migrations of Applied ran (and stay applied), Failed did not
// (it was rolled back, or on MySQL its statements that ran are recorded:
// Err says which), and the rest of the path was not tried. Err is the
// failure, often a *StmtError; errors.As finds what it wraps (the
// driver's error, a *dialect.OrphanRowsError, …).
type PartialError struct {
	// Applied are the migrations that ran before the failure.
	Applied []Result
	// Failed is the migration that failed: its Revision, Message, File and
	// Direction.
	Failed Result
	Err    error
}

// Error returns Err's text: the migration and statement that failed.
func (e *PartialError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *PartialError) Unwrap() error { return e.Err }

func (r *Runner) partialError(partial map[string]int) error {
	revs := make([]string, 0, len(partial))
	for rev := range partial {
		revs = append(revs, rev)
	}
	slices.Sort(revs)
	f, _ := r.Graph.Get(revs[0])
	stmts := f.Up.Statements()
	e := &PartlyAppliedError{File: f.Name, Revision: f.Revision, Done: partial[revs[0]], Total: len(stmts), Parent: "base"}
	if len(f.Parents) > 0 {
		e.Parent = strings.Join(f.Parents, " ")
	}
	for i := 0; i < e.Done && i < len(stmts); i++ {
		e.Lines = append(e.Lines, stmts[i].Line)
	}
	return e
}
