package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// InterruptedError is a migration statement whose run was interrupted
// while the server executed it (the context was cancelled, or the
// connection lost), on an engine whose DDL is not transactional. The
// runner stopped the statement on the server and found out from the live
// schema whether it took effect (Known); that is what the version table
// now says. When it could not find out, the statement stays recorded as in
// flight and the next upgrade finds out before it runs anything.
type InterruptedError struct {
	File     string
	Line     int
	Stmt     string
	Revision string
	// Number is the statement's 1-based position in its section.
	Number int
	// Known reports whether the outcome was found; Ran is the outcome.
	Known, Ran bool
	// Evidence says how the outcome was found, or why it was not.
	Evidence string
	// Err is the interruption (context.Canceled, driver.ErrBadConn, …).
	Err error
}

func (e *InterruptedError) Error() string {
	msg := fmt.Sprintf("%s:%d: statement %d of %s was interrupted (%v)\n  in: %s\n  ", e.File, e.Line, e.Number, e.Revision, e.Err, firstLine(e.Stmt))
	switch {
	case !e.Known:
		msg += fmt.Sprintf("its outcome is not known (%s): it stays recorded as in flight, and the next upgrade finds out before it runs anything", e.Evidence)
	case e.Ran:
		msg += fmt.Sprintf("it had taken effect (%s): recorded as done; run upgrade again to continue", e.Evidence)
	default:
		msg += fmt.Sprintf("it had not taken effect (%s): recorded as not run; run upgrade again to run it", e.Evidence)
	}
	return msg
}

// Unwrap returns the interruption.
func (e *InterruptedError) Unwrap() error { return e.Err }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// unknownOutcome reports whether a statement that returned err may still
// have taken effect on the server: the context ended while it ran, or the
// connection broke before the server's answer arrived.
func unknownOutcome(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// go-sql-driver/mysql: ErrInvalidConn ("invalid connection"), and the
	// client errors 2006 (server has gone away) and 2013 (lost connection).
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "invalid connection") || strings.Contains(msg, "server has gone away") ||
		strings.Contains(msg, "lost connection") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "connection reset")
}

// interrupted handles statement k of f, run on old, whose outcome is
// unknown after cause: it stops the statement on the server (when the run was cancelled;
// after a lost connection the server finishes it on its own), waits until
// the session that ran it has ended (it held the migration lock), finds out
// whether the statement took effect, and records that.
func (r *Runner) interrupted(ctx context.Context, old *sql.Conn, session int64, f *File, k int, cause error) error {
	// The connection that ran it is broken; give it back first, so that a
	// pool of one connection has one for what follows.
	old.Close()
	st := f.Up.Statements()[k-1]
	e := &InterruptedError{File: f.Name, Line: st.Line, Stmt: st.SQL, Revision: f.Revision, Number: k, Err: cause}
	wait := r.InterruptWait
	if wait <= 0 {
		wait = DefaultInterruptWait
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	if in, ok := r.Dialect.(dialect.Interrupter); ok && ctx.Err() != nil && session != 0 {
		if err := in.Interrupt(cctx, r.DB, session); err != nil {
			r.logger().Warn("could not stop the interrupted statement on the server", "error", err)
		}
	}
	conn, err := r.DB.Conn(cctx)
	if err != nil {
		e.Evidence = fmt.Sprintf("no connection to find out: %v", err)
		return e
	}
	defer conn.Close()
	if locker, ok := r.Dialect.(dialect.Locker); ok {
		// The interrupted session holds the lock until the server has
		// stopped running its statement.
		unlock, err := locker.Lock(cctx, conn, r.History.Table())
		if err != nil {
			e.Evidence = fmt.Sprintf("the server is still running it after %v: %v", wait, err)
			return e
		}
		defer unlock()
	}
	ran, evidence, err := r.reconcile(cctx, conn, f, k)
	if err != nil {
		e.Evidence = err.Error()
		return e
	}
	e.Known, e.Ran, e.Evidence = true, ran, evidence
	return e
}

// reconcileAll finds out the outcome of every statement recorded as in
// flight (an earlier run was killed while the server ran it), records it,
// says what it found, and returns the version table's records again.
func (r *Runner) reconcileAll(ctx context.Context, conn *sql.Conn, recs []Record) ([]Record, error) {
	found := false
	for _, rec := range recs {
		if !rec.InFlight || rec.Complete() {
			continue
		}
		f, _ := r.Graph.Get(rec.Revision)
		k := rec.Progress + 1
		stmts := f.Up.Statements()
		if k > len(stmts) {
			return nil, fmt.Errorf("%s: statement %d is recorded as in flight, but the file has %d statements", f.Name, k, len(stmts))
		}
		ran, evidence, err := r.reconcile(ctx, conn, f, k)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: statement %d was interrupted by an earlier run while the server ran it, and finding out whether it took effect failed: %w",
				f.Name, stmts[k-1].Line, k, err)
		}
		outcome := "had not taken effect: it runs again"
		if ran {
			outcome = "had taken effect: recorded as done"
		}
		r.logger().Warn(fmt.Sprintf("%s:%d: statement %d was interrupted by an earlier run; it %s", f.Name, stmts[k-1].Line, k, outcome),
			"revision", f.Revision, "evidence", evidence)
		found = true
	}
	if !found {
		return recs, nil
	}
	return r.State(ctx, conn)
}

// reconcile finds out whether statement k of f took effect on conn's
// database, and records the answer. The live schema has either the effect
// of statements 1..k-1 or of 1..k; the statement is run again on a scratch
// copy of the live schema (dialect.Rehearser): if it fails there, or only
// adds a second copy of an index or foreign key the schema already has, it
// had run; if it changes the copy, it had not; if it changes nothing,
// running it again is harmless and it is recorded as not run. (Upgrade
// rehearses pending statements before it runs them, so statement k is
// known to run on the schema before it.)
func (r *Runner) reconcile(ctx context.Context, conn *sql.Conn, f *File, k int) (ran bool, evidence string, err error) {
	rh, ok := r.Dialect.(dialect.Rehearser)
	if !ok {
		return false, "", fmt.Errorf("the %s engine cannot compare the live schema with a scratch copy", r.Dialect.Name())
	}
	st := f.Up.Statements()[k-1]
	live, err := r.Dialect.Inspect(ctx, conn)
	if err != nil {
		return false, "", err
	}
	before, after, err := rh.Rehearse(ctx, live, []string{st.SQL})
	var ee *dialect.ExecError
	switch {
	case errors.As(err, &ee):
		ran, evidence = true, fmt.Sprintf("the live schema already has its effect: run again on a copy of it, it fails with %v", ee.Err)
	case errors.Is(err, dialect.ErrNotRehearsed):
		return false, "", fmt.Errorf("%w (grant CREATE on `retort\\_scratch\\_%%`.* or give --dev-url, then run upgrade again)", err)
	case err != nil:
		return false, "", err
	default:
		changes := diff.Compare(before, after)
		switch {
		case len(changes) == 0:
			evidence = "the schema is the same with or without it, so it is safe to run again"
		case duplicates(changes):
			ran, evidence = true, "the live schema already has its effect: run again on a copy of it, it only adds a second copy of an index or foreign key"
		default:
			evidence = "the live schema does not have its effect: " + strings.Join(diff.Describe(changes), "; ")
		}
	}
	done := k - 1
	if ran {
		done = k
	}
	write := func(ctx context.Context, q dialect.Querier) error { return execAll(ctx, q, r.recordSQL(f, done, 0)) }
	if err := r.Dialect.Transact(ctx, conn, write); err != nil {
		return false, "", fmt.Errorf("record the outcome of statement %d: %w", k, err)
	}
	return ran, evidence, nil
}

// duplicates reports whether changes only add indexes or foreign keys that
// their table already has under another name (what MySQL does when an
// unnamed ADD INDEX or ADD FOREIGN KEY runs a second time).
func duplicates(changes []diff.Change) bool {
	for _, c := range changes {
		mt, ok := c.(*diff.ModifyTable)
		if !ok {
			return false
		}
		for _, tc := range mt.Changes {
			switch tc := tc.(type) {
			case *diff.AddIndex:
				if !slices.ContainsFunc(mt.From.Indexes, func(ix *schema.Index) bool { return sameBesidesName(*ix, *tc.I) }) {
					return false
				}
			case *diff.AddForeignKey:
				if !slices.ContainsFunc(mt.From.ForeignKeys, func(fk *schema.ForeignKey) bool { return sameBesidesName(*fk, *tc.FK) }) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// sameBesidesName reports whether two indexes or two foreign keys are
// defined alike, whatever their names.
func sameBesidesName[T schema.Index | schema.ForeignKey](a, b T) bool {
	switch a := any(&a).(type) {
	case *schema.Index:
		b := any(&b).(*schema.Index)
		a.Name, b.Name, a.Implicit, b.Implicit = "", "", false, false
		return reflect.DeepEqual(a, b)
	case *schema.ForeignKey:
		b := any(&b).(*schema.ForeignKey)
		a.Name, b.Name = "", ""
		return reflect.DeepEqual(a, b)
	}
	return false
}

// rehearse runs the statements that upgrading along path will run on a
// scratch copy of the live schema (dialect.Rehearser), and refuses the
// upgrade with a *dialect.RehearsalError when one fails there.
func (r *Runner) rehearse(ctx context.Context, conn *sql.Conn, recs []Record, path []*File) error {
	rh, ok := r.Dialect.(dialect.Rehearser)
	if !ok || len(path) == 0 {
		return nil
	}
	_, partial := Applied(recs)
	type origin struct {
		f  *File
		st Statement
	}
	var stmts []string
	var from []origin
	for _, f := range path {
		for i, st := range f.Up.Statements() {
			if i < partial[f.Revision] {
				continue // ran before an interruption
			}
			stmts = append(stmts, st.SQL)
			from = append(from, origin{f, st})
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	live, err := r.Dialect.Inspect(ctx, conn)
	if err != nil {
		return err
	}
	key, cacheable := [32]byte{}, false
	if r.Rehearsals != nil {
		if key, cacheable = r.Rehearsals.key(live, stmts); cacheable && r.Rehearsals.done(key) {
			return nil
		}
	}
	_, _, err = rh.Rehearse(ctx, live, stmts)
	if err == nil && cacheable {
		r.Rehearsals.pass(key)
	}
	var ee *dialect.ExecError
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err() // interrupted while rehearsing: nothing ran
	case errors.As(err, &ee):
		o := from[ee.Index]
		return &dialect.RehearsalError{File: o.f.Name, Line: o.st.Line, Stmt: o.st.SQL, Index: ee.Index, Err: ee.Err}
	case errors.Is(err, dialect.ErrNotRehearsed):
		r.warnNotRehearsed(err)
	case err != nil:
		return err
	}
	return nil
}

// warnNotRehearsed warns, once per Runner, that the migrations run without
// a rehearsal.
func (r *Runner) warnNotRehearsed(err error) {
	r.warnOnce.Do(func() {
		r.logger().Warn("migrations not rehearsed: they run on the database without a trial on a scratch copy first", "reason", err)
	})
}
