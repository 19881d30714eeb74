package retort

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// Migrator runs the versioned migrations of a directory against a database:
// the Alembic workflow (upgrade, downgrade, current, history, stamp) plus
// autogenerate and check. It is what an application embeds to migrate at
// start-up:
//
//	//go:embed migrations/*.sql
//	var migrations embed.FS
//
//	sub, _ := fs.Sub(migrations, "migrations")
//	m, err := retort.NewMigrator(db, sqlite.New(), sub)
//	_, err = m.Upgrade(ctx, "head")
type Migrator struct {
	db     *Database
	graph  *migrate.Graph
	runner *migrate.Runner
	cfg    *config
}

// WithProgress sets a callback that receives progress (migrate.Event):
// each migration as it starts (Kind Started) and ends (Finished), each
// statement as it starts (StatementStarted, with its file and line) and
// ends (StatementFinished: its duration, the rows it affected, its error),
// waits for the migration lock (LockWaiting) and the row copies of SQLite
// table rebuilds (RowsCopied, in batches). It is the statement log too
// (Atlas's LogStmt): the CLI's -v prints from it.
// Database.Apply reports its statements and row copies the same way,
// without a revision. fn runs on the migrating goroutine and must not
// block. It applies to a Database and a Migrator.
func WithProgress(fn func(migrate.Event)) Option {
	return option("WithProgress", inDatabase|inMigrator, func(c *config) error { c.progress = fn; return nil })
}

// WithAllowChanged lets migrations run although files that were already
// applied have changed since (their checksums differ). It applies to a
// Migrator.
func WithAllowChanged() Option {
	return option("WithAllowChanged", inMigrator, func(c *config) error { c.allowChanged = true; return nil })
}

// WithLockTimeout sets how long, in all, a DDL statement (PostgreSQL: a
// transaction) waits for a lock that another session holds on what it
// changes: on PostgreSQL and MySQL the sum of short attempts (lock_timeout
// 200ms, lock_wait_timeout 1s) and the jittered, growing pauses between
// them, which let the writers queued behind an attempt through; on SQLite
// the busy_timeout. It must be positive. It configures the engine built
// from a URL or name (Open, OpenMigrator, DialectFor, NewDialect); for
// New, pass the dialect's own option (sqlite.WithBusyTimeout). The wait
// for the migration lock itself is
// WithMigrationLockWait's.
func WithLockTimeout(d time.Duration) Option {
	return option("WithLockTimeout", inEngine, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("retort: WithLockTimeout: %v is not positive", d)
		}
		c.lockTimeout = d
		return nil
	})
}

// WithMigrationLockWait bounds how long Upgrade and Downgrade wait for the
// migration lock that another session (another retort) holds: after d they
// fail with a *migrate.LockError naming the holder. By default they wait
// until it is released, reporting the wait (WithProgress) at once and every
// migrate.LockNoticeEvery. d must be positive. It applies to a Migrator.
func WithMigrationLockWait(d time.Duration) Option {
	return option("WithMigrationLockWait", inMigrator, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("retort: WithMigrationLockWait: %v is not positive", d)
		}
		c.migrationLockWait = d
		return nil
	})
}

// WithTable sets the version table's name (default retort_revisions). It
// applies to a Migrator and Script.
func WithTable(name string) Option {
	return option("WithTable", inMigrator|inScript, func(c *config) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("retort: WithTable: empty table name")
		}
		c.table = name
		return nil
	})
}

// NewMigrator returns a Migrator for db, whose engine is d, with the
// migration files at the root of fsys (use fs.Sub for a subdirectory of an
// embed.FS). The files are parsed and the revision graph checked now: a
// malformed file, a duplicate revision, a missing parent or a cycle is an
// error before anything runs. Like New, it refuses the options that
// configure an engine built from a URL (*OptionError).
func NewMigrator(db *sql.DB, d dialect.Dialect, fsys fs.FS, opts ...Option) (*Migrator, error) {
	cfg, err := newConfig("NewMigrator", opts)
	if err != nil {
		return nil, err
	}
	database, err := newDatabase(db, d, cfg)
	if err != nil {
		return nil, err
	}
	return database.migrator(fsys, cfg)
}

// OpenMigrator opens the database at rawURL (see Open) and returns its
// Migrator for the migrations in fsys. It accepts the options of Open and
// those of a Migrator. Close closes the database.
func OpenMigrator(ctx context.Context, rawURL string, fsys fs.FS, opts ...Option) (*Migrator, error) {
	cfg, err := newConfig("OpenMigrator", opts)
	if err != nil {
		return nil, err
	}
	db, err := open(ctx, rawURL, cfg)
	if err != nil {
		return nil, err
	}
	m, err := db.migrator(fsys, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	return m, nil
}

// Migrator returns the Migrator for the migrations at the root of fsys,
// with the Database's options and opts, which may be those of a Migrator
// (WithTable, WithAllowChanged, WithMigrationLockWait, WithProgress, …).
func (db *Database) Migrator(fsys fs.FS, opts ...Option) (*Migrator, error) {
	cfg, err := db.cfg.with("Database.Migrator", opts)
	if err != nil {
		return nil, err
	}
	return db.migrator(fsys, cfg)
}

func (db *Database) migrator(fsys fs.FS, cfg *config) (*Migrator, error) {
	g, err := loadGraphWithGo(fsys, db.d, cfg.goMigrations)
	if err != nil {
		return nil, err
	}
	return db.migratorFor(g, cfg), nil
}

// migratorFor returns the Migrator for the migrations of g, already read.
func (db *Database) migratorFor(g *migrate.Graph, cfg *config) *Migrator {
	m := &Migrator{db: db, graph: g, cfg: cfg}
	m.runner = &migrate.Runner{
		Dialect:      db.d,
		DB:           db.db,
		Graph:        g,
		History:      migrate.NewHistory(db.d, cfg.table),
		Logger:       cfg.logger,
		OnEvent:      cfg.progress,
		AllowChanged: cfg.allowChanged,
		LockWait:     cfg.migrationLockWait,
		Rehearse:     !cfg.noRehearse,
	}
	return m
}

// LoadGraph reads the migration files at the root of fsys into a revision
// graph. Pass migrate.WithEngine(d.Name()) to split the statements by the
// rules of engine d (MySQL files need it: "#" starts a comment there).
func LoadGraph(fsys fs.FS, opts ...migrate.ParseOption) (*migrate.Graph, error) {
	files, err := migrate.ReadDir(fsys, ".", opts...)
	if err != nil {
		return nil, err
	}
	return migrate.NewGraph(files)
}

// Close closes the database if OpenMigrator opened it.
func (m *Migrator) Close() error { return m.db.Close() }

// Database returns the database the Migrator works on.
func (m *Migrator) Database() *Database { return m.db }

// Graph returns the revision graph.
func (m *Migrator) Graph() *migrate.Graph { return m.graph }

// Upgrade applies the pending migrations up to target: "head" (the single
// head; an error naming them when there are several), "heads", a revision
// or unique prefix, or "+N" (UpTo and UpBy say the same without the
// grammar). Each migration runs in its own transaction; the first failure
// stops, leaving that migration rolled back and the earlier ones applied.
// It returns the migrations that ran; a migration that failed is a
// *migrate.PartialError naming it and those that ran before it.
//
// Another session migrating the database holds the migration lock: Upgrade
// waits for it (see WithMigrationLockWait), and a wait given up is a
// *migrate.LockError, which matches migrate.ErrLocked. A revision the
// version table records and the directory lacks is a
// *migrate.MissingRevisionError, an applied file edited since a
// *migrate.ChangedError; in both cases nothing runs.
//
// On MySQL, whose DDL commits statement by statement, the pending
// statements are first rehearsed on a scratch copy of the schema (see
// WithoutRehearsal): one that fails there is a *dialect.RehearsalError and
// nothing runs. A statement interrupted while the server runs it (ctx
// cancelled, connection lost) is stopped, its outcome found from the live
// schema and recorded (*migrate.InterruptedError); one left in flight by a
// killed process is reconciled the same way when Upgrade next runs.
func (m *Migrator) Upgrade(ctx context.Context, target string) ([]migrate.Result, error) {
	return m.runner.Upgrade(ctx, target)
}

// Downgrade reverts applied migrations down to target: a revision or
// unique prefix (which stays applied), "-N", or "base" (DownTo and DownBy
// say the same without the grammar). Its errors are Upgrade's.
func (m *Migrator) Downgrade(ctx context.Context, target string) ([]migrate.Result, error) {
	return m.runner.Downgrade(ctx, target)
}

// UpTo applies the pending migrations up to revision rev (and those it
// depends on), as Upgrade does. rev must be a revision of the directory,
// written in full: anything else is a *migrate.UnknownRevisionError.
func (m *Migrator) UpTo(ctx context.Context, rev string) ([]migrate.Result, error) {
	if err := m.revision(rev); err != nil {
		return nil, err
	}
	return m.runner.Upgrade(ctx, rev)
}

// UpBy applies the next n pending migrations, as Upgrade does; n must be
// at least 1. Fewer than n pending is an error, and nothing runs.
func (m *Migrator) UpBy(ctx context.Context, n int) ([]migrate.Result, error) {
	return m.by(ctx, "UpBy", n, migrate.Up)
}

// DownTo reverts the applied migrations that come after revision rev, which
// stays applied, as Downgrade does; DownTo(ctx, migrate.Base) reverts them
// all. rev must be migrate.Base or a revision of the directory, written in
// full: anything else is a *migrate.UnknownRevisionError.
func (m *Migrator) DownTo(ctx context.Context, rev string) ([]migrate.Result, error) {
	if rev != migrate.Base {
		if err := m.revision(rev); err != nil {
			return nil, err
		}
	}
	return m.runner.Downgrade(ctx, rev)
}

// DownBy reverts the last n applied migrations, as Downgrade does; n must
// be at least 1. Fewer than n applied is an error, and nothing runs.
func (m *Migrator) DownBy(ctx context.Context, n int) ([]migrate.Result, error) {
	return m.by(ctx, "DownBy", n, migrate.Down)
}

// by runs n migrations in direction dir for the method called name.
func (m *Migrator) by(ctx context.Context, name string, n int, dir migrate.Direction) ([]migrate.Result, error) {
	if n < 1 {
		return nil, fmt.Errorf("retort: %s(%d): n must be at least 1", name, n)
	}
	if dir == migrate.Up {
		return m.runner.Upgrade(ctx, "+"+strconv.Itoa(n))
	}
	return m.runner.Downgrade(ctx, "-"+strconv.Itoa(n))
}

// revision returns an error unless rev is a revision of the directory.
func (m *Migrator) revision(rev string) error {
	if _, ok := m.graph.Get(rev); !ok {
		return &migrate.UnknownRevisionError{Rev: rev}
	}
	return nil
}

// Status returns the state of every migration: each revision of the
// directory in order (applied, pending, or partly applied with how many of
// its statements ran; and whether its file changed since), then the
// revisions the version table records that the directory lacks
// (Missing). Like History, it reports where the database is even when
// Upgrade would refuse to run.
func (m *Migrator) Status(ctx context.Context) ([]migrate.Status, error) {
	recs, err := m.History(ctx)
	if err != nil {
		return nil, err
	}
	return migrate.Statuses(m.graph, recs), nil
}

// History returns the version table's rows.
// Unlike Upgrade, it reports the rows even when applied files have changed,
// so that one can see where the database is.
func (m *Migrator) History(ctx context.Context) ([]migrate.Record, error) {
	return m.runner.History.Records(ctx, m.db.db)
}

// Current returns the applied heads: the revisions the database is at
// (none for an empty database, several after upgrading branches
// separately). Like History, it does not fail when applied files changed.
func (m *Migrator) Current(ctx context.Context) ([]string, error) {
	recs, err := m.History(ctx)
	if err != nil {
		return nil, err
	}
	applied, _ := migrate.Applied(recs)
	return migrate.Current(m.graph, applied), nil
}

// Pending returns the migrations that Upgrade(ctx, "heads") would apply.
func (m *Migrator) Pending(ctx context.Context) ([]*migrate.File, error) {
	recs, err := m.runner.State(ctx, m.db.db)
	if err != nil {
		return nil, err
	}
	if len(m.graph.Heads()) == 0 {
		return nil, nil
	}
	return m.runner.Plan(recs, "heads", migrate.Up)
}

// Stamp records target (and its ancestors) as applied without running any
// migration; "base" empties the version table. Re-stamping accepts edited
// files' new checksums.
func (m *Migrator) Stamp(ctx context.Context, target string) error {
	return m.runner.Stamp(ctx, target)
}

// Script writes the SQL that upgrading (dir Up) or downgrading (Down) from
// the revision from ("" or "base": an empty database for an upgrade, every
// head applied for a downgrade) to target would run, envelope and version
// table included. It does not touch the database. A Go migration on the way
// has no SQL: Script returns a *migrate.GoMigrationError naming it.
func (m *Migrator) Script(w io.Writer, from, target string, dir migrate.Direction) error {
	return Script(w, m.db.d, m.graph, from, target, dir, WithTable(m.runner.History.Table()))
}

// Script writes the SQL that upgrading or downgrading the migrations of g
// from the revision from to target runs on engine d (see Migrator.Script),
// without any database.
func Script(w io.Writer, d dialect.Dialect, g *migrate.Graph, from, target string, dir migrate.Direction, opts ...Option) error {
	cfg, err := newConfig("Script", opts)
	if err != nil {
		return err
	}
	r := &migrate.Runner{Dialect: d, Graph: g, History: migrate.NewHistory(d, cfg.table)}
	applied := map[string]bool{}
	switch {
	case from != "" && from != "base":
		revs, err := g.Resolve(from, nil)
		if err != nil {
			return err
		}
		for _, rev := range revs {
			applied[rev] = true
			for a := range g.Ancestors(rev) {
				applied[a] = true
			}
		}
	case dir == migrate.Down && from == "":
		for _, rev := range g.Revisions() {
			applied[rev] = true
		}
	}
	var recs []migrate.Record
	for rev := range applied {
		recs = append(recs, migrate.Record{Revision: rev, Progress: -1})
	}
	path, err := r.Plan(recs, target, dir)
	if err != nil {
		return err
	}
	return r.Script(w, path, dir)
}

// HeadSchema replays every migration into a scratch database of the same
// engine and returns the schema it gives. The Migrator's database is not
// touched.
func (m *Migrator) HeadSchema(ctx context.Context) (*schema.Schema, error) {
	return ReplaySchema(ctx, m.db.d, m.graph, "heads")
}

// ReplaySchema applies the migrations of g up to target into a scratch
// database of engine d and returns the resulting schema. Their statements
// are screened as LoadSQL's are, all of them before the first runs: a
// refused one stops the replay naming its file and line, and statements
// that describe the server (GRANT, OWNER TO, roles) are skipped and
// reported. Upgrade runs migrations on the database as written. A Go
// migration runs as the schema change its code declares
// (migrate.GoMigration.Schema), or as nothing: replay runs no Go code.
//
// More targets replay the migrations up to each of them in turn, e.g.
// the parents of a merge revision.
func ReplaySchema(ctx context.Context, d dialect.Dialect, g *migrate.Graph, target string, more ...string) (*schema.Schema, error) {
	r, screen, drop, err := scratchRunner(ctx, d, g)
	if err != nil {
		return nil, err
	}
	defer drop()
	if len(g.Heads()) > 0 {
		for _, t := range append([]string{target}, more...) {
			if _, err := r.Upgrade(ctx, t); err != nil {
				return nil, fmt.Errorf("replay migrations: %w", err)
			}
		}
		if screen != nil {
			screen.Report()
		}
	}
	return d.Inspect(ctx, r.DB)
}

// scratchRunner opens a scratch database of engine d and a runner that
// replays g's migrations into it, screened. The caller calls drop when
// done; screen is nil for an engine without a screen.
func scratchRunner(ctx context.Context, d dialect.Dialect, g *migrate.Graph) (r *migrate.Runner, screen *dialect.Screen, drop func() error, err error) {
	sc, ok := d.(dialect.Scratcher)
	if !ok {
		return nil, nil, nil, fmt.Errorf("%s: cannot open a scratch database", d.Name())
	}
	scratch, drop, err := sc.Scratch(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if screen, err = dialect.ScreenFor(ctx, d, scratch); err != nil {
		drop()
		return nil, nil, nil, err
	}
	r = &migrate.Runner{Dialect: d, DB: scratch, Graph: g, History: migrate.NewHistory(d, ""), Screen: screen, Replay: true}
	return r, screen, drop, nil
}

// Check compares the migrations' head with desired and, when the database
// has any migration applied or pending, whether the database is at head
// and equal to desired. A report with no findings means all three agree.
// The report also lists each schema's objects that retort does not
// manage; those of desired are a finding (they could differ unseen).
func (m *Migrator) Check(ctx context.Context, desired *schema.Schema) (*CheckReport, error) {
	head, err := m.HeadSchema(ctx)
	if err != nil {
		return nil, err
	}
	return m.checkAgainst(ctx, head, desired)
}

// checkAgainst is Check with the migrations' head schema already replayed
// (a fleet replays it once for all its databases).
func (m *Migrator) checkAgainst(ctx context.Context, head, desired *schema.Schema) (*CheckReport, error) {
	rep := &CheckReport{}
	rep.Unmanaged.Schema = desired.Unmanaged
	rep.Unmanaged.Migrations = head.Unmanaged
	plan, err := PlanSchemas(ctx, m.db.d, head, desired, m.cfg.planOptions()...)
	if err != nil {
		return nil, err
	}
	rep.Migrations = plan.Summary()
	pending, err := m.Pending(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range pending {
		rep.Pending = append(rep.Pending, f.Revision+" "+f.Message)
	}
	if len(pending) == 0 {
		dbPlan, err := m.db.Plan(ctx, desired)
		if err != nil {
			return nil, err
		}
		rep.Database = dbPlan.Summary()
		rep.Unmanaged.Database = dbPlan.From.Unmanaged
	} else {
		live, err := m.db.Inspect(ctx)
		if err != nil {
			return nil, err
		}
		rep.Unmanaged.Database = live.Unmanaged
	}
	return rep, nil
}

// CheckReport is what Check found.
type CheckReport struct {
	// Migrations lists how the migrations' head differs from the desired schema.
	Migrations []string `json:"migrations"`
	// Pending lists the migrations the database has not applied.
	Pending []string `json:"pending"`
	// Database lists how the database differs from the desired schema
	// (checked only when nothing is pending).
	Database []string `json:"database"`
	// Unmanaged lists the objects retort does not manage, and so cannot
	// compare, in each schema.
	Unmanaged UnmanagedReport `json:"unmanaged"`
}

// UnmanagedReport lists, per schema Check read, the objects retort does not
// manage (schema.Schema.Unmanaged).
type UnmanagedReport struct {
	// Schema is the desired schema's: they could differ unseen, so Check
	// is not OK while there are any.
	Schema []schema.Unmanaged `json:"schema"`
	// Migrations is the migrations' head's.
	Migrations []schema.Unmanaged `json:"migrations"`
	// Database is the database's (nil when Check read no database).
	Database []schema.Unmanaged `json:"database"`
}

// InSync reports whether no difference was found: the migrations' head and
// the database (when checked) equal the desired schema in everything
// retort manages, and nothing is pending.
func (r *CheckReport) InSync() bool {
	return len(r.Migrations) == 0 && len(r.Pending) == 0 && len(r.Database) == 0
}

// OK reports whether nothing was found: InSync, and the desired schema
// holds nothing that retort does not manage (which it cannot compare).
func (r *CheckReport) OK() bool {
	return r.InSync() && len(r.Unmanaged.Schema) == 0
}

// Autogenerate compares the migrations' head with desired and returns a
// new migration file (not yet written) whose up section turns the head into
// desired and whose down section turns it back, or nil when they are equal.
// Its revision is now in UTC as YYYYMMDDHHMMSS (one second later than any
// revision it would collide with); its parent is the single head.
//
// Renames are planned from desired's hints (schema.Schema.Renames). When
// the change drops a column and adds one of the same type to the same
// table, or drops a table and adds one with the same columns, Autogenerate
// writes nothing and returns a *RenameGuessError, unless a
// "-- retort:not-renamed-from" hint, WithAssumeRenames or
// WithoutRenameGuess says what it is.
func Autogenerate(ctx context.Context, d dialect.Dialect, g *migrate.Graph, desired *schema.Schema, message string, now time.Time, opts ...Option) (*migrate.File, error) {
	cfg, err := newConfig("Autogenerate", opts)
	if err != nil {
		return nil, err
	}
	heads := g.Heads()
	if len(heads) > 1 {
		return nil, &migrate.MultipleHeadsError{Heads: heads}
	}
	head, err := ReplaySchema(ctx, d, g, "heads")
	if err != nil {
		return nil, err
	}
	opts = cfg.planOptions()
	up, err := PlanSchemas(ctx, d, head, desired, opts...)
	if err != nil || up.Empty() {
		return nil, err
	}
	// A drop and an add that look like a rename are not written silently.
	desired, guesses := guessRenames(cfg, up, desired)
	if len(guesses) > 0 {
		return nil, &RenameGuessError{Guesses: guesses}
	}
	if up.To != desired {
		if up, err = PlanSchemas(ctx, d, head, desired, opts...); err != nil {
			return nil, err
		}
	}
	down, err := PlanSchemas(ctx, d, desired, head, opts...)
	if err != nil {
		return nil, err
	}
	if message == "" {
		message = strings.Join(up.Summary(), "; ")
	}
	return migrate.NewFile(nextRevision(g, now), heads, message, section(up.SQL), section(down.SQL), migrate.WithEngine(d.Name())), nil
}

// section turns planned steps into a migration section; comments and
// "-- retort: destructive" marks go above their statements, a step that
// ends a transaction starts a new segment, and a step that runs outside any
// transaction is a segment of its own ("-- retort:commit transaction:false").
func section(p *dialect.Plan) migrate.Section {
	var sec migrate.Section
	seg := migrate.Segment{}
	for _, s := range p.Steps {
		text := (&dialect.Plan{Steps: []dialect.Step{{SQL: s.SQL, Comment: s.Comment, Destructive: s.Destructive}}}).Format()
		text = strings.TrimSuffix(strings.TrimRight(text, "\n"), ";")
		st := migrate.Statement{SQL: text}
		if s.NoTx {
			// A step that cannot run in a transaction (CREATE INDEX
			// CONCURRENTLY) is a segment of its own, so that what ran
			// before it is committed and recorded, and the others keep
			// their transactions.
			if len(seg.Statements) > 0 {
				sec.Segments = append(sec.Segments, seg)
			}
			sec.Segments = append(sec.Segments, migrate.Segment{Statements: []migrate.Statement{st}, NoTx: true})
			seg = migrate.Segment{}
			continue
		}
		seg.Statements = append(seg.Statements, st)
		if s.Commit {
			sec.Segments = append(sec.Segments, seg)
			seg = migrate.Segment{}
		}
	}
	if len(seg.Statements) > 0 {
		sec.Segments = append(sec.Segments, seg)
	}
	return sec
}

// Merge returns a new migration file (not yet written) with no statements
// whose parents are every head, joining the branches.
func Merge(g *migrate.Graph, message string, now time.Time) (*migrate.File, error) {
	heads := g.Heads()
	if len(heads) < 2 {
		return nil, fmt.Errorf("nothing to merge: there is %d head", len(heads))
	}
	return migrate.NewFile(nextRevision(g, now), slices.Clone(heads), message, migrate.Section{}, migrate.Section{}), nil
}

// nextRevision returns now in UTC as YYYYMMDDHHMMSS, one second later for
// each revision of g it would collide with.
func nextRevision(g *migrate.Graph, now time.Time) string {
	rev := now.UTC()
	for {
		id := rev.Format("20060102150405")
		if _, taken := g.Get(id); !taken {
			return id
		}
		rev = rev.Add(time.Second)
	}
}
