package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// noticeEvery is how often a long wait says again what it waits for.
const noticeEvery = 10 * time.Second

// progressOptions turns the connecting, waiting and progress flags into
// library options. The library reports; this file only renders: progress
// on stderr, so that stdout keeps its contract (SQL, JSON, or the one
// "upgrade REV MSG (duration)" line per migration that ran).
func (env *Env) progressOptions() []retort.Option {
	var opts []retort.Option
	if env.wait > 0 {
		opts = append(opts, retort.WithConnectWait(env.wait, env.connectNotice()))
	}
	p := &progress{env: env, terminal: isTerminal(env.Stderr, env.Getenv)}
	return append(opts, retort.WithProgress(p.event))
}

// connectNotice prints what a connect wait waits for: at the first failed
// attempt, then every noticeEvery.
func (env *Env) connectNotice() func(retort.ConnectWait) {
	var last time.Duration
	first := true
	return func(w retort.ConnectWait) {
		if env.quiet || (!first && w.Waited-last < noticeEvery) {
			return
		}
		first, last = false, w.Waited
		fmt.Fprintf(env.Stderr, "retort: waiting for %s to answer (%s so far): %v\n", w.Target, w.Waited.Round(time.Second), w.Err)
	}
}

// progress renders a migration's events.
type progress struct {
	env      *Env
	terminal bool

	// The row copy being shown: its table, the last percentage printed
	// (plain lines) and the last redraw (terminal).
	table   string
	percent int64
	drawn   time.Time
	open    bool // a terminal line is being redrawn
}

func (p *progress) event(e migrate.Event) {
	env := p.env
	if env.quiet {
		return
	}
	if e.Kind != migrate.RowsCopied {
		p.endLine()
	}
	switch e.Kind {
	case migrate.Started:
		fmt.Fprintf(env.Stderr, "%sing %s %s …\n", e.Direction.String()+"grad", e.Revision, e.Message)
	case migrate.Finished:
		if env.asJSON {
			return // the command prints its results as JSON
		}
		verb := e.Direction.String() + "grade"
		if e.Skipped {
			fmt.Fprintf(env.Stdout, "%s %s %s (already applied by another process)\n", verb, e.Revision, e.Message)
			return
		}
		fmt.Fprintf(env.Stdout, "%s %s %s (%s)\n", verb, e.Revision, e.Message, e.Duration.Round(time.Millisecond))
	case migrate.StatementStarted:
		if !env.verbose {
			return
		}
		where := "statement"
		if e.File != "" {
			where = fmt.Sprintf("%s:%d", e.File, e.Line)
		}
		fmt.Fprintf(env.Stderr, "  -- %s\n  %s;\n", where, strings.ReplaceAll(strings.TrimSpace(e.Stmt), "\n", "\n  "))
	case migrate.StatementFinished:
		if env.verbose {
			fmt.Fprintf(env.Stderr, "  -- %s\n", statementOutcome(e))
		}
	case migrate.LockWaiting:
		holder := e.Holder
		if holder == "" {
			holder = "another session"
		}
		msg := "retort: waiting for the migration lock held by " + holder
		if e.Duration >= time.Second {
			msg += fmt.Sprintf(" (%s so far)", e.Duration.Round(time.Second))
		}
		if env.migrationLockWait > 0 {
			msg += fmt.Sprintf("; giving up after %v (--migration-lock-wait)", env.migrationLockWait)
		}
		fmt.Fprintln(env.Stderr, msg)
	case migrate.RowsCopied:
		p.copied(e)
	}
}

// statementOutcome describes what a statement did: "ok, 3 rows, 12ms",
// "ok, 4ms" (not a data change), "failed after 1.2s".
func statementOutcome(e migrate.Event) string {
	took := e.Duration.Round(time.Millisecond)
	if e.Duration < time.Millisecond {
		took = e.Duration.Round(time.Microsecond)
	}
	switch {
	case e.Err != nil:
		return fmt.Sprintf("failed after %v", took)
	case e.Rows == 1:
		return fmt.Sprintf("ok, 1 row, %v", took)
	case e.Rows >= 0:
		return fmt.Sprintf("ok, %d rows, %v", e.Rows, took)
	}
	return fmt.Sprintf("ok, %v", took)
}

// copied shows a rebuild's row copy: a bar redrawn in place on a terminal,
// else a plain line at every 10 %. A copy done in one batch (a small table)
// is shown only with -v.
func (p *progress) copied(e migrate.Event) {
	c := e.Copied
	first := c.Table != p.table
	if first {
		p.table, p.percent = c.Table, -1
		if c.Rows >= c.Total && !p.env.verbose {
			return
		}
	}
	pct := int64(100)
	if c.Total > 0 {
		pct = c.Rows * 100 / c.Total
	}
	done := c.Rows >= c.Total
	if p.terminal {
		if !done && !first && time.Since(p.drawn) < 100*time.Millisecond {
			return
		}
		p.drawn = time.Now()
		const width = 30
		fill := int(pct * width / 100)
		fmt.Fprintf(p.env.Stderr, "\r  copying rows of %s [%s%s] %d/%d (%d%%)", c.Table,
			strings.Repeat("#", fill), strings.Repeat(".", width-fill), c.Rows, c.Total, pct)
		p.open = true
		if done {
			p.endLine()
		}
		return
	}
	if pct/10 == p.percent/10 && !done {
		return
	}
	if done && p.percent == 100 {
		return
	}
	p.percent = pct
	fmt.Fprintf(p.env.Stderr, "  copying rows of %s: %d/%d (%d%%)\n", c.Table, c.Rows, c.Total, pct)
}

// endLine ends a terminal line being redrawn.
func (p *progress) endLine() {
	if p.open {
		fmt.Fprintln(p.env.Stderr)
		p.open = false
	}
}

// isTerminal reports whether w is a terminal that can redraw a line.
func isTerminal(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	if !ok || getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
