package dialecttest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Opener opens a new, empty database that the test owns (and that is
// dropped or removed when the test ends). Converge opens two per case.
type Opener func(t testing.TB) *sql.DB

// HealthFunc returns the engine's own complaints about the database conn
// is connected to after a migration, one line each, none when it is
// healthy: SQLite's PRAGMA foreign_key_check and integrity_check,
// PostgreSQL's constraints left NOT VALID and indexes left INVALID.
// Converge checks every foreign key for orphan rows itself.
type HealthFunc func(ctx context.Context, conn *sql.Conn) ([]string, error)

// Option configures Converge and Plans.
type Option func(*config)

type config struct {
	dir     string
	update  bool
	health  HealthFunc
	offline dialect.Dialect
	printed func(c *Case, s *schema.Schema, script string) string
}

// Dir sets the directory of the cases (default testdata/plan).
func Dir(dir string) Option { return func(c *config) { c.dir = dir } }

// Update makes Converge and Plans rewrite what is derived from the engine
// (want.sql, from.json, to.json) instead of comparing it; pass the test
// package's -update flag. It never rewrites check.out: which rows a
// migration keeps, moves or deletes is written by hand.
func Update(on bool) Option { return func(c *config) { c.update = on } }

// Health adds the engine's own health checks (see HealthFunc).
func Health(fn HealthFunc) Option { return func(c *config) { c.health = fn } }

// Offline sets the planner that Plans runs without a server (built
// without a connection, e.g. mysql.New(mysql.WithServer(v))). Converge
// then checks that it plans, from the case's stored schemas, exactly what
// the engine planned from the live database.
func Offline(d dialect.Dialect) Option { return func(c *config) { c.offline = d } }

// Printed adjusts the script the engine prints for the desired schema
// (its SQL method, inspect --format sql) before Converge loads it back;
// PostgreSQL prefixes the objects of other schemas that the script does
// not hold.
func Printed(fn func(c *Case, s *schema.Schema, script string) string) Option {
	return func(c *config) { c.printed = fn }
}

func newConfig(opts []Option) *config {
	c := &config{dir: filepath.Join("testdata", "plan")}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Converge runs every case under testdata/plan (see Case) on databases
// that open makes, with d:
//
//  1. from.sql and data.sql are run on a new database, which must then
//     inspect equal to from.sql loaded on its own (LoadSchema); to.sql is
//     loaded into a scratch database and inspected;
//  2. both inspected schemas must equal the case's from.json and to.json,
//     and the plan between them, as printed (dialect.FormatEnveloped),
//     must equal want.sql; the Offline planner must plan the same from
//     the stored JSON;
//  3. the plan is applied; the database must then inspect equal to to.sql
//     (and a second plan be empty), be healthy (no orphan rows under any
//     foreign key, the Health checks clean), and every table on both sides
//     must hold the same rows in the columns whose name and type did not
//     change; check.sql must give check.out;
//  4. "script": the printed plan, run statement by statement on a second
//     database made the same way, must give the same schema and rows;
//  5. "reverse": the plan from to.sql back to from.sql is applied and
//     checked the same way (schema, second plan, health, rows); when the
//     case has a reverse.err section, the reverse plan must instead fail
//     with that text and leave schema and rows as they were; a case whose
//     reverse cannot run at all says why in a reverse.skip section;
//  6. the script the engine prints for to.sql (SQL method), loaded back,
//     must give the same schema.
//
// Each case runs as a parallel subtest named after its file. Converge
// fails the test when the directory has no case.
func Converge(t *testing.T, d dialect.Dialect, open Opener, opts ...Option) {
	cfg := newConfig(opts)
	for _, c := range Cases(t, cfg.dir) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			ConvergeCase(t, d, open, c, opts...)
		})
	}
}

// ConvergeCase runs Converge's checks for one case, which need not come
// from a file (randomly generated cases): without a Path, want.sql and the
// stored JSON are not compared.
func ConvergeCase(t *testing.T, d dialect.Dialect, open Opener, c *Case, opts ...Option) {
	t.Helper()
	r := &runner{cfg: newConfig(opts), d: d, c: c, ctx: context.Background()}
	r.forward(t, open)
}

type runner struct {
	cfg *config
	d   dialect.Dialect
	c   *Case
	ctx context.Context
}

// forward is Converge's steps for one case.
func (r *runner) forward(t *testing.T, open Opener) {
	db := open(t)
	conn := pin(t, db)
	r.run(t, conn, "from.sql", r.c.From)
	r.run(t, conn, "data.sql", r.c.Data)
	current := r.inspect(t, conn)
	original := r.load(t, "from.sql", r.c.From)
	if changes := r.compare(current, original); len(changes) > 0 {
		t.Fatalf("the database made from from.sql and from.sql loaded on its own differ:\n%s", describe(changes))
	}
	desired := r.load(t, "to.sql", r.c.To)
	r.stored(t, current, desired)

	p := r.plan(t, current, desired)
	script := dialect.FormatEnveloped(r.d, p)
	r.golden(t, "want.sql", r.c.Want, script)
	r.offline(t, script)

	before := snapshot(t, r.ctx, r.d, conn, current)
	after := r.apply(t, conn, p, desired, "the plan")
	compareRows(t, "the plan", before, current, snapshot(t, r.ctx, r.d, conn, after), after)
	r.checks(t, conn)

	t.Run("script", func(t *testing.T) { r.script(t, open, script, current, desired) })
	t.Run("reverse", func(t *testing.T) { r.reverse(t, conn, after, original) })
	r.roundTrip(t, desired)
}

// apply applies p on conn and checks the outcome: the schema is want's, a
// second plan is empty and the database is healthy. It returns the
// schema inspected after.
func (r *runner) apply(t *testing.T, conn *sql.Conn, p *dialect.Plan, want *schema.Schema, what string) *schema.Schema {
	t.Helper()
	if err := dialect.Apply(r.ctx, r.d, conn, p); err != nil {
		t.Fatalf("apply %s: %v\n%s:\n%s", what, err, what, p.Format())
	}
	return r.converged(t, conn, want, what, p.Format())
}

// converged checks that conn's database has the schema want, plans
// nothing more, and is healthy; it returns the schema inspected.
func (r *runner) converged(t *testing.T, conn *sql.Conn, want *schema.Schema, what, script string) *schema.Schema {
	t.Helper()
	got := r.inspect(t, conn)
	if changes := r.compare(got, want); len(changes) > 0 {
		t.Fatalf("after %s the database still differs from the schema wanted:\n%s\n%s:\n%s", what, describe(changes), what, script)
	}
	if again := r.plan(t, got, want); !again.Empty() {
		t.Errorf("after %s a second plan is not empty:\n%s", what, again.Format())
	}
	r.healthy(t, conn, got, what)
	return got
}

// healthy fails the test when a foreign key of s has orphan rows or the
// engine's health checks complain.
func (r *runner) healthy(t *testing.T, conn *sql.Conn, s *schema.Schema, what string) {
	t.Helper()
	problems, err := orphans(r.ctx, r.d, conn, s)
	if err != nil {
		t.Fatalf("orphan check after %s: %v", what, err)
	}
	if r.cfg.health != nil {
		more, err := r.cfg.health(r.ctx, conn)
		if err != nil {
			t.Fatalf("health check after %s: %v", what, err)
		}
		problems = append(problems, more...)
	}
	if len(problems) > 0 {
		t.Errorf("after %s the database is not healthy:\n  %s", what, strings.Join(problems, "\n  "))
	}
}

// script runs the printed plan statement by statement on a second database
// made from from.sql and data.sql, as a command-line client would.
func (r *runner) script(t *testing.T, open Opener, script string, current, desired *schema.Schema) {
	conn := pin(t, open(t))
	r.run(t, conn, "from.sql", r.c.From)
	r.run(t, conn, "data.sql", r.c.Data)
	before := snapshot(t, r.ctx, r.d, conn, current) // data.sql may hold NOW()
	stmts, err := dialect.SplitFor(r.d.Name(), "want.sql", script)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(r.ctx, s.SQL); err != nil {
			conn.ExecContext(r.ctx, "ROLLBACK") //nolint:errcheck // best effort, the test fails anyway
			t.Fatalf("the printed plan, line %d: %v\n%s", s.Line, err, s.SQL)
		}
	}
	after := r.converged(t, conn, desired, "the printed plan", script)
	compareRows(t, "the printed plan", before, current, snapshot(t, r.ctx, r.d, conn, after), after)
}

// reverse plans and applies the way back to from.sql.
func (r *runner) reverse(t *testing.T, conn *sql.Conn, after, original *schema.Schema) {
	if r.c.ReverseSkip != "" {
		t.Skipf("reverse.skip: %s", strings.TrimSpace(r.c.ReverseSkip))
	}
	mid := snapshot(t, r.ctx, r.d, conn, after)
	back := r.plan(t, after, original)
	if want := strings.TrimSpace(r.c.ReverseErr); want != "" {
		r.refused(t, conn, back, want, after, mid)
		return
	}
	final := r.apply(t, conn, back, original, "the reverse plan")
	compareRows(t, "the reverse plan", mid, after, snapshot(t, r.ctx, r.d, conn, final), final)
}

// refused applies p, which must fail with an error holding want and leave
// the database as it was: schema s, rows rows.
func (r *runner) refused(t *testing.T, conn *sql.Conn, p *dialect.Plan, want string, s *schema.Schema, rows map[string]*rowSet) {
	t.Helper()
	err := dialect.Apply(r.ctx, r.d, conn, p)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("the reverse plan must fail with %q (reverse.err); it gave %v\nplan:\n%s", want, err, p.Format())
	}
	got := r.inspect(t, conn)
	if changes := r.compare(got, s); len(changes) > 0 {
		t.Fatalf("the refused reverse plan changed the schema:\n%s", describe(changes))
	}
	compareRows(t, "the refused reverse plan", rows, s, snapshot(t, r.ctx, r.d, conn, got), got)
	r.healthy(t, conn, got, "the refused reverse plan")
}

// checks runs check.sql and compares its output with check.out, which
// -update never rewrites.
func (r *runner) checks(t *testing.T, q dialect.Querier) {
	t.Helper()
	if r.c.Check == "" {
		return
	}
	stmts, err := dialect.SplitFor(r.d.Name(), "check.sql", r.c.Check)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString("> " + strings.Join(strings.Fields(s.SQL), " ") + "\n")
		for _, row := range Rows(t, q, s.SQL) {
			b.WriteString(row + "\n")
		}
	}
	if got := b.String(); got != r.c.Out {
		t.Errorf("check.sql gives other rows than check.out (-want +got; data expectations are edited by hand, -update leaves them):\n%s",
			cmp.Diff(r.c.Out, got))
	}
}

// roundTrip loads the script the engine prints for s and compares.
func (r *runner) roundTrip(t *testing.T, s *schema.Schema) {
	t.Helper()
	p, ok := r.d.(interface{ SQL(*schema.Schema) string })
	if !ok {
		return
	}
	script := p.SQL(s)
	if r.cfg.printed != nil {
		script = r.cfg.printed(r.c, s, script)
	}
	back := r.load(t, "to.sql printed by SQL()", script)
	if changes := r.compare(back, s); len(changes) > 0 {
		t.Errorf("to.sql printed by SQL() loads into another schema:\n%s\nscript:\n%s", describe(changes), script)
	}
}

// golden compares got with the case's section name, or rewrites it under
// -update. A case without a file has nothing to compare.
func (r *runner) golden(t *testing.T, name, want, got string) {
	t.Helper()
	switch {
	case r.c.Path == "":
	case r.cfg.update:
		if got != want {
			r.c.Rewrite(t, name, got)
		}
	case got != want:
		t.Errorf("%s is stale (-want +got; go test -update with the server rewrites it):\n%s", name, cmp.Diff(want, got))
	}
}

// stored compares the inspected schemas with from.json and to.json, and
// checks that the stored form gives the schemas back.
func (r *runner) stored(t *testing.T, from, to *schema.Schema) {
	t.Helper()
	for _, side := range []struct {
		name, want string
		s          *schema.Schema
	}{{"from.json", r.c.FromJSON, from}, {"to.json", r.c.ToJSON, to}} {
		doc, err := EncodeSchema(side.s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeSchema(doc)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(side.s, back, equateEmpty); d != "" {
			t.Fatalf("%s: the stored form loses part of the schema (-inspected +stored):\n%s", side.name, d)
		}
		r.golden(t, side.name, side.want, doc)
		if r.cfg.update {
			*r.c.section(side.name) = doc
		}
	}
}

// offline plans from the stored schemas with the Offline planner, as Plans
// does without a server, and compares with the live plan.
func (r *runner) offline(t *testing.T, live string) {
	t.Helper()
	if r.c.Path == "" || r.c.FromJSON == "" || r.c.ToJSON == "" {
		return
	}
	d := r.cfg.offline
	if d == nil {
		d = r.d
	}
	got, err := planStored(r.ctx, d, r.c)
	if err != nil {
		t.Fatal(err)
	}
	if got != live {
		t.Errorf("the planner built without a server plans otherwise from from.json and to.json (-live +offline):\n%s", cmp.Diff(live, got))
	}
}

func (r *runner) run(t *testing.T, q dialect.Querier, name, src string) {
	t.Helper()
	if strings.TrimSpace(src) == "" {
		return
	}
	stmts, err := dialect.SplitFor(r.d.Name(), name, src)
	if err == nil {
		err = dialect.LoadStatements(r.ctx, q, name, stmts)
	}
	if err != nil {
		t.Fatalf("%s: %v", r.c.Name, err)
	}
}

func (r *runner) inspect(t *testing.T, q dialect.Querier) *schema.Schema {
	t.Helper()
	s, err := r.d.Inspect(r.ctx, q)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

func (r *runner) load(t *testing.T, name, src string) *schema.Schema {
	t.Helper()
	s, err := LoadSchema(r.ctx, r.d, name, src)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return s
}

func (r *runner) compare(from, to *schema.Schema) []diff.Change {
	return diff.Compare(from, to, dialect.DiffOptions(r.d)...)
}

func (r *runner) plan(t *testing.T, from, to *schema.Schema) *dialect.Plan {
	t.Helper()
	p, err := Plan(r.ctx, r.d, from, to)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func pin(t testing.TB, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close the test's connection: %v", err)
		}
	})
	return conn
}

func describe(changes []diff.Change) string { return strings.Join(diff.Describe(changes), "\n") }
