package retort

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort/migrate"
)

// Fleet runs the same migrations on many databases (a SQLite file, a
// PostgreSQL schema or a MySQL database per tenant, shards): a bounded
// number at a time, each under its own migration lock, with an optional
// canary phase, and a report per database.
//
// By default a rollout stops at the first failure: no database starts after
// it (those already running finish), and the report says which databases
// were migrated, which failed and which were not started.
// WithContinueOnError migrates every database regardless. When ctx ends
// (Ctrl-C, SIGTERM), no database starts; those running stop as Upgrade does
// when its ctx ends (the migration in flight rolled back, on MySQL stopped
// and reconciled).
//
// The migrations are read once; so is every schema that several databases
// compare against (Check's desired schema and migrations' head).
type Fleet struct {
	targets []*Target
	graph   *migrate.Graph
	cfg     fleetConfig
}

type fleetConfig struct {
	parallel        int
	perServer       int
	canary          int
	continueOnError bool
	onEvent         func(FleetEvent)
	dbOpts          []Option
}

// FleetOption configures a Fleet.
type FleetOption func(*fleetConfig) error

// DefaultFleetParallel is how many databases a Fleet works on at once
// unless WithParallel says.
const DefaultFleetParallel = 4

// WithParallel sets how many databases are worked on at once (default
// DefaultFleetParallel). n must be positive.
func WithParallel(n int) FleetOption {
	return func(c *fleetConfig) error {
		if n <= 0 {
			return fmt.Errorf("retort: WithParallel: %d is not positive", n)
		}
		c.parallel = n
		return nil
	}
}

// WithPerServer caps how many databases of one server (host:port) are
// worked on at once, each through a connection pool of its own (default:
// the parallelism). SQLite files have no server and are not capped. n must
// be positive.
func WithPerServer(n int) FleetOption {
	return func(c *fleetConfig) error {
		if n <= 0 {
			return fmt.Errorf("retort: WithPerServer: %d is not positive", n)
		}
		c.perServer = n
		return nil
	}
}

// WithCanary migrates the first k databases first, on their own; if any
// of them fails, no other database is touched, even with
// WithContinueOnError. k must not be negative.
func WithCanary(k int) FleetOption {
	return func(c *fleetConfig) error {
		if k < 0 {
			return fmt.Errorf("retort: WithCanary: %d is negative", k)
		}
		c.canary = k
		return nil
	}
}

// WithContinueOnError makes a rollout go on after a database fails,
// instead of starting no other database.
func WithContinueOnError() FleetOption {
	return func(c *fleetConfig) error { c.continueOnError = true; return nil }
}

// WithFleetProgress sets a callback that receives each database as it
// starts and ends, and the progress of its migrations. It is called from
// the goroutines that work on the databases, one call at a time.
func WithFleetProgress(fn func(FleetEvent)) FleetOption {
	return func(c *fleetConfig) error { c.onEvent = fn; return nil }
}

// WithDatabaseOptions sets the options every database of the fleet is
// opened with (see Open).
func WithDatabaseOptions(opts ...Option) FleetOption {
	return func(c *fleetConfig) error {
		if _, err := newConfig("WithDatabaseOptions", opts); err != nil {
			return err
		}
		c.dbOpts = append(c.dbOpts, opts...)
		return nil
	}
}

// NewFleet returns a Fleet for the databases targets (from ParseURL,
// ReadTargets, GlobTargets, SchemaTargets, DatabaseTargets or any other
// list) and the migration files at the root of fsys. All targets must be of
// one engine (the migrations are split by its rules), none may be named
// twice, and the files are parsed and checked now.
func NewFleet(targets []*Target, fsys fs.FS, opts ...FleetOption) (*Fleet, error) {
	cfg := fleetConfig{parallel: DefaultFleetParallel}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.perServer == 0 || cfg.perServer > cfg.parallel {
		cfg.perServer = cfg.parallel
	}
	if len(targets) == 0 {
		return nil, &TargetsError{Msg: "no database to migrate"}
	}
	seen := map[string]bool{}
	for _, t := range targets {
		if t == nil || t.DSN == "" {
			return nil, &TargetsError{Msg: "a target without a database (use ParseURL)"}
		}
		if t.Dialect != targets[0].Dialect {
			return nil, &TargetsError{Msg: fmt.Sprintf("%s is a %s database, %s a %s one: a fleet is of one engine",
				targets[0].Redacted, targets[0].Dialect, t.Redacted, t.Dialect)}
		}
		if seen[t.DSN] {
			return nil, &TargetsError{Msg: t.Redacted + " is named twice"}
		}
		seen[t.DSN] = true
	}
	g, err := LoadGraph(fsys, migrate.WithEngine(targets[0].Dialect))
	if err != nil {
		return nil, err
	}
	return &Fleet{targets: targets, graph: g, cfg: cfg}, nil
}

// Targets returns the fleet's databases, in the order they are started.
func (f *Fleet) Targets() []*Target { return f.targets }

// Graph returns the revision graph of the fleet's migrations.
func (f *Fleet) Graph() *migrate.Graph { return f.graph }

// TargetStatus is what became of one database of a rollout.
type TargetStatus int8

const (
	// TargetNotStarted: the rollout stopped (a failure, a failed canary, ctx
	// ended) before this database started; it was not touched.
	TargetNotStarted TargetStatus = iota
	// TargetUpToDate: there was nothing to do; nothing was locked or written.
	TargetUpToDate
	// TargetDone: the operation ran and succeeded.
	TargetDone
	// TargetFailed: the operation failed (TargetResult.Err says why).
	TargetFailed
)

// String returns the status as the reports print it.
func (s TargetStatus) String() string {
	switch s {
	case TargetUpToDate:
		return "up-to-date"
	case TargetDone:
		return "done"
	case TargetFailed:
		return "failed"
	}
	return "not-started"
}

// TargetResult is what a fleet operation did on one database.
type TargetResult struct {
	// Target is the database; print Target.Redacted, never the DSN.
	Target *Target
	Status TargetStatus
	// Canary is set for the databases of the canary phase.
	Canary bool
	// From and To are the revisions the database was at (migrate.Current)
	// before and after the operation; nil is base.
	From, To []string
	// Results are the migrations that ran (Upgrade, Downgrade).
	Results  []migrate.Result
	Duration time.Duration
	Err      error

	// Records are the version table's rows (History).
	Records []migrate.Record
	// Pending are the migrations not yet applied (Pending).
	Pending []*migrate.File
	// Check is what Check found.
	Check *CheckReport
}

// Name returns the database's URL without its password.
func (r *TargetResult) Name() string { return r.Target.Redacted }

// FleetReport is the outcome of a fleet operation, one result per target
// in the fleet's order.
type FleetReport struct {
	Targets []TargetResult
	// Stopped says why databases were not started ("" when all were):
	// a failure, a failed canary, or an interruption.
	Stopped string
	// Interrupted is set when ctx ended before every database was done.
	Interrupted bool
	// Duration is the wall time of the whole operation.
	Duration time.Duration
}

// Failed returns the databases whose operation failed.
func (r *FleetReport) Failed() []*TargetResult {
	var out []*TargetResult
	for i := range r.Targets {
		if r.Targets[i].Status == TargetFailed {
			out = append(out, &r.Targets[i])
		}
	}
	return out
}

// Count returns how many databases ended with status s.
func (r *FleetReport) Count(s TargetStatus) int {
	n := 0
	for _, t := range r.Targets {
		if t.Status == s {
			n++
		}
	}
	return n
}

// FleetError is returned by a fleet operation when databases failed or
// were not started. Report is the full report.
type FleetError struct {
	Report *FleetReport
}

func (e *FleetError) Error() string {
	failed := e.Report.Failed()
	names := make([]string, 0, len(failed))
	for _, t := range failed {
		names = append(names, t.Name())
	}
	msg := fmt.Sprintf("%d of %d databases failed", len(failed), len(e.Report.Targets))
	if len(names) > 0 {
		msg += ": " + strings.Join(names, ", ")
	}
	if n := e.Report.Count(TargetNotStarted); n > 0 {
		msg += fmt.Sprintf("; %d not started (%s)", n, e.Report.Stopped)
	}
	return msg
}

// Unwrap returns the failed databases' errors.
func (e *FleetError) Unwrap() []error {
	var errs []error
	for _, t := range e.Report.Failed() {
		errs = append(errs, t.Err)
	}
	return errs
}

// FleetEventKind says what a FleetEvent reports.
type FleetEventKind int8

const (
	// EventTargetStarted: work on a database begins.
	EventTargetStarted FleetEventKind = iota
	// EventTargetProgress: a migration event of a running database (Event).
	EventTargetProgress
	// EventTargetFinished: a database ended (Result holds its outcome).
	EventTargetFinished
)

// FleetEvent reports the progress of a fleet operation.
type FleetEvent struct {
	Kind FleetEventKind
	// Index is the database's position in the fleet; Target the database.
	Index  int
	Target *Target
	// Event is the migration's event (EventTargetProgress).
	Event migrate.Event
	// Result is the database's outcome (EventTargetFinished).
	Result *TargetResult
}

// TargetFunc is an operation on one database of a fleet, given its
// Migrator. It fills in the result's From, To, Results and the like, and
// sets Status to TargetUpToDate when there was nothing to do (else Run sets TargetDone
// or TargetFailed).
type TargetFunc func(ctx context.Context, m *Migrator, r *TargetResult) error

// Run runs op on every database of the fleet, as the fleet's options say
// (parallelism, canary, stop or continue on error), and returns the report.
// The error is nil when every database succeeded, a *FleetError otherwise.
func (f *Fleet) Run(ctx context.Context, op TargetFunc) (*FleetReport, error) {
	start := time.Now()
	rep := &FleetReport{Targets: make([]TargetResult, len(f.targets))}
	for i, t := range f.targets {
		rep.Targets[i] = TargetResult{Target: t}
	}
	x := &fleetRun{f: f, op: op, rep: rep, servers: map[string]chan struct{}{}, rehearsals: map[string]*migrate.Rehearsals{}}
	canary := min(f.cfg.canary, len(f.targets))
	if canary > 0 {
		for i := range canary {
			rep.Targets[i].Canary = true
		}
		x.phase(ctx, 0, canary, false)
		if rep.Count(TargetFailed) > 0 && ctx.Err() == nil {
			rep.Stopped = fmt.Sprintf("the canary phase (%d databases) failed", canary)
		}
	}
	if rep.Stopped == "" {
		x.phase(ctx, canary, len(f.targets), f.cfg.continueOnError)
	}
	rep.Duration = time.Since(start)
	rep.Interrupted = ctx.Err() != nil && (rep.Count(TargetFailed) > 0 || rep.Count(TargetNotStarted) > 0)
	if rep.Count(TargetFailed) > 0 || rep.Count(TargetNotStarted) > 0 {
		return rep, &FleetError{Report: rep}
	}
	return rep, nil
}

// fleetRun is one Run in progress.
type fleetRun struct {
	f   *Fleet
	op  TargetFunc
	rep *FleetReport

	mu      sync.Mutex // guards servers, rehearsals, rep.Stopped, and serializes events
	servers map[string]chan struct{}
	// rehearsals per server: tenants alike are rehearsed once (MySQL).
	rehearsals map[string]*migrate.Rehearsals
}

// phase runs the targets [from, to) with the fleet's parallelism; after a
// failure (unless goOn) or when ctx ends, it starts no more.
func (x *fleetRun) phase(ctx context.Context, from, to int, goOn bool) {
	slots := make(chan struct{}, x.f.cfg.parallel)
	var wg sync.WaitGroup
	for i := from; i < to; i++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if x.stop(ctx, goOn) {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			x.target(ctx, i)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil && x.rep.Stopped == "" {
		x.rep.Stopped = "interrupted"
	}
}

// stop reports whether no more targets may start, recording why.
func (x *fleetRun) stop(ctx context.Context, goOn bool) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if ctx.Err() != nil {
		if x.rep.Stopped == "" {
			x.rep.Stopped = "interrupted"
		}
		return true
	}
	if x.rep.Stopped != "" {
		return true
	}
	if !goOn {
		for _, t := range x.rep.Targets {
			if t.Status == TargetFailed {
				x.rep.Stopped = "stopped after " + t.Target.Redacted + " failed"
				return true
			}
		}
	}
	return false
}

// server returns the semaphore capping the targets of t's server.
func (x *fleetRun) server(t *Target) chan struct{} {
	if t.Host == "" {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.servers[t.Host]
	if !ok {
		s = make(chan struct{}, x.f.cfg.perServer)
		x.servers[t.Host] = s
	}
	return s
}

// target runs the operation on target i and records its result.
func (x *fleetRun) target(ctx context.Context, i int) {
	t := x.f.targets[i]
	if s := x.server(t); s != nil {
		select {
		case s <- struct{}{}:
			defer func() { <-s }()
		case <-ctx.Done():
			return // not started
		}
	}
	x.emit(FleetEvent{Kind: EventTargetStarted, Index: i, Target: t})
	start := time.Now()
	r := TargetResult{Target: t, Canary: x.rep.Targets[i].Canary}
	err := x.run(ctx, i, &r)
	r.Duration = time.Since(start)
	switch {
	case err != nil:
		r.Status, r.Err = TargetFailed, err
	case r.Status != TargetUpToDate:
		r.Status = TargetDone
	}
	x.mu.Lock()
	x.rep.Targets[i] = r
	x.mu.Unlock()
	x.emit(FleetEvent{Kind: EventTargetFinished, Index: i, Target: t, Result: &r})
}

// run opens target i and runs the operation on it.
func (x *fleetRun) run(ctx context.Context, i int, r *TargetResult) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error on %s: %v", r.Target.Redacted, p)
		}
	}()
	t := x.f.targets[i]
	opts := x.f.cfg.dbOpts
	if x.f.cfg.onEvent != nil {
		opts = append(opts[:len(opts):len(opts)], WithProgress(func(e migrate.Event) {
			x.emit(FleetEvent{Kind: EventTargetProgress, Index: i, Target: t, Event: e})
		}))
	}
	cfg, err := newConfig("WithDatabaseOptions", opts)
	if err != nil {
		return err
	}
	db, err := openTarget(ctx, t, t.DSN, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	m := db.migratorFor(x.f.graph, cfg)
	m.runner.Rehearsals = x.rehearsalsOf(t)
	return x.op(ctx, m, r)
}

// rehearsalsOf returns the rehearsals that passed on t's server.
func (x *fleetRun) rehearsalsOf(t *Target) *migrate.Rehearsals {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.rehearsals[t.Host]
	if !ok {
		c = &migrate.Rehearsals{}
		x.rehearsals[t.Host] = c
	}
	return c
}

func (x *fleetRun) emit(e FleetEvent) {
	if x.f.cfg.onEvent == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.f.cfg.onEvent(e)
}
