package retort

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/renamehint"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// Option configures a Database, a Migrator, or one of the functions that
// accept options. Each function refuses an option that has no effect on it
// with an *OptionError (see OptionError for which applies where).
type Option func(*config) error

type config struct {
	// fn is the function being configured, scope the options it accepts.
	fn    string
	scope scope

	logger    *slog.Logger
	exclude   []string
	naming    dialect.Naming
	mustExist bool
	devURL    string
	// schemas are the PostgreSQL schemas managed (WithSchemas).
	schemas []string

	// offline turns off the online plans of PostgreSQL (WithOnline(false)).
	offline bool

	// Connecting (Open).
	connectTimeout time.Duration
	connectWait    time.Duration
	connectNotify  func(ConnectWait)
	// noRehearse turns off the rehearsal of plans and migrations on a
	// scratch copy of the schema (engines whose DDL is not transactional).
	noRehearse bool

	// Migrator settings.
	progress     func(migrate.Event)
	allowChanged bool
	lockTimeout  time.Duration
	table        string

	migrationLockWait time.Duration
	// goMigrations is the registered code of Go migrations
	// (WithGoMigrations).
	goMigrations []migrate.GoMigration

	// Renames (rename.go).
	assumeRenames, noRenameGuess bool
}

// newConfig returns the configuration that opts give function fn, or an
// *OptionError for the first option that has no effect on fn.
func newConfig(fn string, opts []Option) (*config, error) {
	c := &config{logger: slog.New(slog.DiscardHandler), naming: dialect.DefaultNaming()}
	return c.with(fn, opts)
}

// with returns a copy of c with opts, given to function fn, applied.
func (c *config) with(fn string, opts []Option) (*config, error) {
	out := *c
	out.exclude = slices.Clone(c.exclude)
	out.fn, out.scope = fn, scopeOf(fn)
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("retort: %s: nil option", fn)
		}
		if err := o(&out); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// WithLogger sets the logger for progress and warnings. It must not be nil.
// Every function that takes options accepts it.
func WithLogger(l *slog.Logger) Option {
	return option("WithLogger", everywhere, func(c *config) error {
		if l == nil {
			return errors.New("retort: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	})
}

// WithExclude adds table-name patterns (path.Match syntax) that retort
// never creates, alters or drops, besides the version tables of retort and
// other migration tools, which are always left alone. It applies to a
// Database, a Migrator (Check), PlanSchemas and Autogenerate.
func WithExclude(patterns ...string) Option {
	return option("WithExclude", inDatabase|inMigrator|inPlan, func(c *config) error {
		for _, p := range patterns {
			if p == "" {
				return errors.New("retort: WithExclude: empty pattern")
			}
		}
		c.exclude = append(c.exclude, patterns...)
		return nil
	})
}

// WithNaming sets the naming convention for the constraints retort creates.
// It configures the engine built from a URL or name (Open, OpenMigrator,
// DialectFor, NewDialect); for New, pass the dialect's own WithNaming.
func WithNaming(n dialect.Naming) Option {
	return option("WithNaming", inEngine, func(c *config) error {
		if err := n.Validate(); err != nil {
			return err
		}
		c.naming = n
		return nil
	})
}

// WithDevURL sets the database server where scratch databases are created
// to load desired schemas and replay migrations (PostgreSQL, MySQL). The
// default is the server of the database being migrated. The user's own
// database is never used as a scratch database. It configures the engine
// built from a URL or name (Open, OpenMigrator, DialectFor, NewDialect);
// for New, pass the dialect's own WithScratchServer.
func WithDevURL(rawURL string) Option {
	return option("WithDevURL", inEngine, func(c *config) error {
		if _, err := ParseURL(rawURL); err != nil {
			return err
		}
		c.devURL = rawURL
		return nil
	})
}

// WithOnline sets whether PostgreSQL plans take the online routes for
// tables that exist (default true): indexes built and dropped
// CONCURRENTLY, checks and NOT NULL added NOT VALID and validated in a
// transaction of their own, UNIQUE and PRIMARY KEY constraints attached
// to an index built concurrently (see postgres.Dialect.Plan); MySQL and
// MariaDB plans say ALGORITHM and LOCK=NONE on index and column changes
// (see mysql.WithOnline). false plans every change as the plain
// statement. SQLite ignores it. It
// configures the engine built from a URL or name (Open, OpenMigrator,
// DialectFor, NewDialect).
func WithOnline(on bool) Option {
	return option("WithOnline", inEngine, func(c *config) error { c.offline = !on; return nil })
}

// WithConcurrentIndexes does nothing.
//
// Deprecated: PostgreSQL plans build indexes CONCURRENTLY by default (see
// WithOnline); this option will be removed in a later release.
func WithConcurrentIndexes() Option {
	return option("WithConcurrentIndexes", inEngine, func(*config) error { return nil })
}

// WithoutRehearsal turns off the rehearsal that Apply and Upgrade do on
// MySQL/MariaDB (engines whose DDL commits statement by statement, see
// dialect.Rehearser): by default the plan, or the pending migrations, run
// first on a scratch copy of the live schema (no rows), and a statement
// that fails there stops everything before the database is touched. It
// applies to a Database (Apply) and a Migrator (Upgrade).
func WithoutRehearsal() Option {
	return option("WithoutRehearsal", inDatabase|inMigrator, func(c *config) error { c.noRehearse = true; return nil })
}

// WithSchemas makes retort manage several PostgreSQL schemas, e.g. "app"
// and "audit": their tables, views, types and sequences, foreign keys and
// views across them, and the schemas themselves (CREATE SCHEMA, and DROP
// SCHEMA, which is destructive). The first schema is the one the
// connection works in (its search_path; Open sets search_path to it when
// the URL gives none) and holds the version table; it must exist.
// Schemas not named are never read nor touched. Without this option retort
// manages one schema: the connection's current_schema(), or ?schema= in
// the URL. Other engines refuse the option. It configures the engine built
// from a URL or name (Open, OpenMigrator, DialectFor, NewDialect).
func WithSchemas(names ...string) Option {
	return option("WithSchemas", inEngine, func(c *config) error {
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" {
				return errors.New("retort: WithSchemas: empty schema name")
			}
			if seen[n] {
				return fmt.Errorf("retort: WithSchemas: schema %q named twice", n)
			}
			seen[n] = true
		}
		c.schemas = names
		return nil
	})
}

// MustExist makes Open (and OpenMigrator) fail with a *MissingDatabaseError
// when a SQLite database file does not exist, instead of creating it.
func MustExist() Option {
	return option("MustExist", inConnect, func(c *config) error { c.mustExist = true; return nil })
}

// Database is a database whose schema retort manages.
type Database struct {
	db      *sql.DB
	d       dialect.Dialect
	cfg     *config
	owned   bool
	display string

	warnOnce sync.Once // "plan not rehearsed"
}

// Open connects to the database at rawURL (see ParseURL) with the matching
// engine. The driver must be registered by the program. An option that
// configures only a Migrator (WithTable, WithAllowChanged,
// WithMigrationLockWait) is an *OptionError: give it to OpenMigrator or
// Database.Migrator.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Database, error) {
	cfg, err := newConfig("Open", opts)
	if err != nil {
		return nil, err
	}
	return open(ctx, rawURL, cfg)
}

func open(ctx context.Context, rawURL string, cfg *config) (*Database, error) {
	t, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return openTarget(ctx, t, rawURL, cfg)
}

// openTarget opens the parsed database URL t; raw is the text its errors
// must not repeat (the URL as given, with its password).
func openTarget(ctx context.Context, t *Target, raw string, cfg *config) (*Database, error) {
	if len(cfg.schemas) > 0 && t.Dialect == "postgres" {
		t.DSN = firstSchemaPath(t.DSN, cfg.schemas[0])
	}
	d, driver, err := newDialect(t.Dialect, t.DSN, cfg)
	if err != nil {
		return nil, err
	}
	if t.Path != "" && cfg.mustExist {
		if _, err := os.Stat(t.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, &MissingDatabaseError{Path: t.Path, Similar: similarFiles(t.Path)}
		}
	}
	db, err := sql.Open(driver, t.DSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w (is the %s driver imported?)", t.Redacted, err, driver)
	}
	if t.Dialect == "sqlite" && t.Path == "" {
		db.SetMaxOpenConns(1)
	}
	if err := connect(ctx, db, t, raw, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return &Database{db: db, d: d, cfg: cfg, owned: true, display: t.Redacted}, nil
}

// New wraps an open *sql.DB whose engine is d. Close does not close db.
// The options that configure an engine built from a URL (WithLockTimeout,
// WithNaming, WithDevURL, WithConcurrentIndexes, WithSchemas,
// WithConnectTimeout) or a connection (MustExist, WithConnectWait) are an
// *OptionError here: configure d with its own options instead, e.g.
// postgres.New(postgres.WithLockTimeout(5*time.Second)).
func New(db *sql.DB, d dialect.Dialect, opts ...Option) (*Database, error) {
	cfg, err := newConfig("New", opts)
	if err != nil {
		return nil, err
	}
	return newDatabase(db, d, cfg)
}

func newDatabase(db *sql.DB, d dialect.Dialect, cfg *config) (*Database, error) {
	if db == nil || d == nil {
		return nil, fmt.Errorf("retort: %s: nil database or dialect", cfg.fn)
	}
	return &Database{db: db, d: d, cfg: cfg}, nil
}

// newDialect returns the engine name with the driver that opens its
// databases. server is the DSN of a database on the target server (where
// PostgreSQL and MySQL create their scratch databases) unless WithDevURL
// overrides it; "" when there is none.
func newDialect(name, server string, cfg *config) (dialect.Dialect, string, error) {
	if cfg.devURL != "" {
		t, err := ParseURL(cfg.devURL)
		if err != nil {
			return nil, "", fmt.Errorf("--dev-url: %w", err)
		}
		if t.Dialect != name {
			return nil, "", fmt.Errorf("--dev-url is a %s database, the target is %s", t.Dialect, name)
		}
		server = t.DSN
	}
	if len(cfg.schemas) > 0 && name != "postgres" {
		return nil, "", fmt.Errorf("schemas (--schemas, retort.toml's schemas): only PostgreSQL manages several schemas; a %s database is managed whole (MySQL databases and SQLite attached databases are not managed as schemas): remove the setting", name)
	}
	switch name {
	case "sqlite":
		opts := []sqlite.Option{sqlite.WithNaming(cfg.naming), sqlite.WithLogger(cfg.logger)}
		if cfg.lockTimeout > 0 {
			opts = append(opts, sqlite.WithBusyTimeout(cfg.lockTimeout))
		}
		return sqlite.New(opts...), "sqlite", nil
	case "postgres":
		opts := []postgres.Option{postgres.WithNaming(cfg.naming), postgres.WithLogger(cfg.logger), postgres.WithScratchServer(server),
			postgres.WithConnectTimeout(cfg.scratchConnectTimeout())}
		if cfg.lockTimeout > 0 {
			opts = append(opts, postgres.WithLockTimeout(cfg.lockTimeout))
		}
		if cfg.offline {
			opts = append(opts, postgres.WithOnline(false))
		}
		if len(cfg.schemas) > 0 {
			opts = append(opts, postgres.WithSchemas(cfg.schemas...))
		}
		return postgres.New(opts...), "pgx", nil
	case "mysql":
		opts := []mysql.Option{mysql.WithNaming(cfg.naming), mysql.WithLogger(cfg.logger), mysql.WithScratchServer(server),
			mysql.WithConnectTimeout(cfg.scratchConnectTimeout())}
		if cfg.lockTimeout > 0 {
			opts = append(opts, mysql.WithLockTimeout(cfg.lockTimeout))
		}
		if cfg.offline {
			opts = append(opts, mysql.WithOnline(false))
		}
		return mysql.New(opts...), "mysql", nil
	}
	return nil, "", fmt.Errorf("the %s engine is not available yet", name)
}

// DialectFor returns the engine of the database URL rawURL, creating its
// scratch databases on that server (unless WithDevURL says otherwise). It
// does not connect.
func DialectFor(rawURL string, opts ...Option) (dialect.Dialect, error) {
	cfg, err := newConfig("DialectFor", opts)
	if err != nil {
		return nil, err
	}
	t, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	d, _, err := newDialect(t.Dialect, t.DSN, cfg)
	return d, err
}

// NewDialect returns the engine for name ("sqlite", "postgres", "mysql",
// or an alias that DialectName accepts). PostgreSQL and MySQL need
// WithDevURL for their scratch databases.
func NewDialect(name string, opts ...Option) (dialect.Dialect, error) {
	cfg, err := newConfig("NewDialect", opts)
	if err != nil {
		return nil, err
	}
	if name, err = DialectName(name); err != nil {
		return nil, err
	}
	d, _, err := newDialect(name, "", cfg)
	return d, err
}

// redactErr returns err's text with rawURL, whose redacted form is
// redacted, replaced by it.
func redactErr(err error, rawURL, redacted string) string {
	return strings.ReplaceAll(err.Error(), rawURL, redacted)
}

// Close closes the connection pool if Open created it.
func (db *Database) Close() error {
	if db.owned {
		return db.db.Close()
	}
	return nil
}

// DB returns the underlying pool.
func (db *Database) DB() *sql.DB { return db.db }

// Dialect returns the engine.
func (db *Database) Dialect() dialect.Dialect { return db.d }

// String returns the database's URL without its password.
func (db *Database) String() string { return db.display }

// hooks reports Apply's statements and row copies to WithProgress's
// callback, as events without a revision.
func (db *Database) hooks() dialect.Hooks {
	fn := db.cfg.progress
	if fn == nil {
		return dialect.Hooks{}
	}
	return dialect.Hooks{
		Statement: func(stmt string) { fn(migrate.Event{Kind: migrate.StatementStarted, Stmt: stmt}) },
		Executed: func(x dialect.Executed) {
			fn(migrate.Event{Kind: migrate.StatementFinished, Stmt: x.Stmt, Duration: x.Duration, Rows: x.Rows, Err: x.Err})
		},
		Copy: func(c dialect.Copied) { fn(migrate.Event{Kind: migrate.RowsCopied, Copied: c}) },
	}
}

// Inspect returns the database's current schema.
func (db *Database) Inspect(ctx context.Context) (*schema.Schema, error) {
	return db.d.Inspect(ctx, db.db)
}

// LoadSQL loads the SQL script src (named name in errors) into a scratch
// database of the same engine and returns the schema it creates. The
// database itself is not touched.
func (db *Database) LoadSQL(ctx context.Context, name, src string) (*schema.Schema, error) {
	return LoadSQL(ctx, db.d, name, src)
}

// LoadSQL loads the SQL script src into a scratch database of engine d and
// returns the schema it creates. An error names the file and line.
//
// The rename hints of src ("-- retort:renamed-from old" on the line that
// defines a table, column, index or UNIQUE constraint) are returned in
// the schema's Renames; a hint on any other line is an error.
//
// Every statement is screened before the first one runs (see
// dialect.Screener): a statement that would act outside the scratch
// database (another database, the server's configuration, its files) is
// refused with a *dialect.LoadError wrapping a *dialect.RefusedError, and
// nothing runs; statements that describe the server rather than the
// schema (owners, privileges, roles) are skipped and reported in one
// warning on the engine's logger.
func LoadSQL(ctx context.Context, d dialect.Dialect, name, src string) (*schema.Schema, error) {
	hints, err := renamehint.Parse(name, src, d.Name())
	if err != nil {
		return nil, err
	}
	s, err := loadSQL(ctx, d, name, src)
	if err != nil {
		return nil, err
	}
	s.Renames = hints
	return s, nil
}

func loadSQL(ctx context.Context, d dialect.Dialect, name, src string) (*schema.Schema, error) {
	if l, ok := d.(dialect.SchemaLoader); ok {
		return l.LoadSchema(ctx, name, src)
	}
	stmts, err := dialect.SplitFor(d.Name(), name, src)
	if err != nil {
		return nil, err
	}
	sc, ok := d.(dialect.Scratcher)
	if !ok {
		return nil, fmt.Errorf("%s: cannot open a scratch database", d.Name())
	}
	scratch, drop, err := sc.Scratch(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	screen, err := dialect.ScreenFor(ctx, d, scratch)
	if err != nil {
		return nil, err
	}
	if screen != nil {
		if stmts, err = screen.Statements(name, stmts); err != nil {
			return nil, err
		}
		screen.Report()
	}
	// One session runs the whole file, so that its settings (SET,
	// set_config) apply to the statements after them; it is then discarded,
	// so that they do not reach the inspection (pg_dump empties
	// search_path).
	conn, err := scratch.Conn(ctx)
	if err != nil {
		return nil, err
	}
	err = dialect.LoadStatements(ctx, conn, name, stmts)
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
	if err != nil {
		return nil, err
	}
	return d.Inspect(ctx, scratch)
}

// Plan is what it takes to turn one schema into another.
type Plan struct {
	From, To *schema.Schema
	Changes  []diff.Change
	SQL      *dialect.Plan
	// Warnings are the rename hints of To that matched nothing in From
	// (the object is created), one line each naming the file and line.
	Warnings []string
	d        dialect.Dialect
}

// Empty reports whether the schemas are already equal.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Summary returns one line per change.
func (p *Plan) Summary() []string { return diff.Describe(p.Changes) }

// Destructive returns one line per table or column the plan drops, and
// per column whose type it narrows (values may not survive: a shorter
// string, a smaller number, another type family).
func (p *Plan) Destructive() []string { return dialect.Destructive(p.d, p.Changes) }

// Script returns exactly the SQL that Apply runs, envelope included, or ""
// for an empty plan.
func (p *Plan) Script() string { return dialect.FormatEnveloped(p.d, p.SQL) }

// Plan compares the database's schema with desired and plans the change.
func (db *Database) Plan(ctx context.Context, desired *schema.Schema) (*Plan, error) {
	current, err := db.Inspect(ctx)
	if err != nil {
		return nil, err
	}
	return PlanSchemas(ctx, db.d, current, desired, db.cfg.planOptions()...)
}

// planOptions returns the options of c that PlanSchemas takes.
func (c *config) planOptions() []Option {
	return []Option{WithExclude(c.exclude...), WithLogger(c.logger)}
}

// PlanSchemas plans the change from one schema to another for engine d.
func PlanSchemas(ctx context.Context, d dialect.Dialect, from, to *schema.Schema, opts ...Option) (*Plan, error) {
	cfg, err := newConfig("PlanSchemas", opts)
	if err != nil {
		return nil, err
	}
	dopts := append(dialect.DiffOptions(d), diff.Exclude(cfg.exclude...))
	warnings, err := diff.CheckRenames(from, to, dopts...)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		cfg.logger.Warn(w)
	}
	// The desired schema's hints, and those of from reversed (a plan back
	// to the old schema renames back).
	hints := slices.Concat(to.Renames, diff.ReverseRenames(from.Renames))
	changes := diff.Compare(from, to, append(dopts, diff.Renames(hints...))...)
	sqlPlan, err := d.Plan(ctx, diff.AfterRenames(from, changes), to, changes)
	if err != nil {
		return nil, err
	}
	return &Plan{From: from, To: to, Changes: changes, SQL: sqlPlan, Warnings: warnings, d: d}, nil
}

// DestructiveError is returned by Apply for a plan that drops tables or
// columns, or narrows column types, when destructive changes were not
// allowed.
type DestructiveError struct {
	Drops []string
	// Renames are the drops and adds that look like renames, which a
	// rename hint in the desired schema would plan without loss.
	Renames []diff.Guess
}

func (e *DestructiveError) Error() string {
	msg := "refusing destructive changes (allow them with --allow-destructive):\n  " + strings.Join(e.Drops, "\n  ")
	return msg + renameAdvice(e.Renames)
}

// UnmanagedError is returned by Apply when the desired schema holds
// objects of kinds retort does not manage (see schema.Unmanaged) that the
// database lacks: retort would not create them, so the database would not
// end up equal to the desired schema.
type UnmanagedError struct {
	Missing []schema.Unmanaged
}

func (e *UnmanagedError) Error() string {
	return "refusing to apply: the desired schema has objects retort does not create (create them yourself, " +
		"or allow with --allow-unmanaged): " + schema.DescribeUnmanaged(e.Missing)
}

// ApplyOption configures Apply.
type ApplyOption func(*applyConfig)

type applyConfig struct{ allowDestructive, allowUnmanaged bool }

// AllowUnmanaged lets Apply run a plan although the desired schema holds
// objects retort does not manage and the database lacks them; they are
// left out.
func AllowUnmanaged() ApplyOption { return func(c *applyConfig) { c.allowUnmanaged = true } }

// AllowDestructive lets Apply drop tables and columns and narrow column
// types. A narrowing still fails, before anything changes, when a stored
// value would not survive it.
func AllowDestructive() ApplyOption { return func(c *applyConfig) { c.allowDestructive = true } }

// Apply runs the plan on the database inside the engine's envelope, on a
// connection of its own: in one transaction, or one per segment where the
// plan has commit boundaries (PostgreSQL validates a new foreign key after
// adding it NOT VALID). A plan whose desired schema holds objects retort
// does not manage that the database lacks is refused, before anything else
// and even when the plan is empty, with an *UnmanagedError unless
// AllowUnmanaged is given. A plan that drops tables or columns, or narrows a
// column type, is refused with a *DestructiveError unless AllowDestructive
// is given. On an error the
// failing transaction is rolled back; on SQLite nothing is changed.
//
// MySQL commits every DDL statement on its own, so a plan that fails
// half-way would leave the database between two schemas. There, unless
// WithoutRehearsal was given, the plan first runs on a scratch copy of the
// schema it was planned from (dialect.Rehearser); a statement that fails
// there, or a result that is not the plan's desired schema, is a
// *dialect.RehearsalError and nothing runs on the database. Where no
// scratch copy can be made (no CREATE privilege), Apply warns once that
// the plan was not rehearsed and goes on. When ctx ends while the server
// runs a statement, Apply stops it there (KILL CONNECTION) before it
// returns.
func (db *Database) Apply(ctx context.Context, p *Plan, opts ...ApplyOption) error {
	var ac applyConfig
	for _, o := range opts {
		o(&ac)
	}
	if missing := schema.MissingUnmanaged(p.From, p.To); len(missing) > 0 && !ac.allowUnmanaged {
		return &UnmanagedError{Missing: missing}
	}
	if p.Empty() {
		return nil
	}
	if drops := p.Destructive(); len(drops) > 0 && !ac.allowDestructive {
		return &DestructiveError{Drops: drops, Renames: diff.GuessRenames(p.Changes, p.To)}
	}
	if err := db.rehearse(ctx, p); err != nil {
		return err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// On MySQL a statement goes on running on the server after its client
	// gave up on it: when ctx ends, it is stopped there too.
	in, canStop := db.d.(dialect.Interrupter)
	var session int64
	if canStop {
		if session, err = in.Session(ctx, conn); err != nil {
			return err
		}
	}
	err = dialect.ApplyWith(ctx, db.d, conn, p.SQL, db.hooks())
	if err != nil && canStop && ctx.Err() != nil {
		conn.Close() // broken; a pool of one needs it back for the stop
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if serr := in.Interrupt(sctx, db.db, session); serr != nil {
			return errors.Join(err, serr)
		}
		return fmt.Errorf("%w\n  the statement was stopped on the server; statements before it stay applied: run apply again, it plans from what the database has now", err)
	}
	return err
}

// rehearse runs p on a scratch copy of p.From on engines that rehearse
// (see Apply).
func (db *Database) rehearse(ctx context.Context, p *Plan) error {
	rh, ok := db.d.(dialect.Rehearser)
	if !ok || db.cfg.noRehearse || p.From == nil {
		return nil
	}
	before, after, err := rh.Rehearse(ctx, p.From, p.SQL.Statements())
	var ee *dialect.ExecError
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err() // interrupted while rehearsing: nothing ran
	case errors.As(err, &ee):
		return &dialect.RehearsalError{Stmt: ee.Stmt, Index: ee.Index, Err: ee.Err}
	case errors.Is(err, dialect.ErrNotRehearsed):
		db.warnOnce.Do(func() {
			db.cfg.logger.Warn("plan not rehearsed: it runs on the database without a trial on a scratch copy first", "reason", err)
		})
		return nil
	case err != nil:
		return err
	}
	// The rehearsal copied the part of the schema the plan touches; the
	// rest is not changed by it. The result must be that part of the
	// desired schema, with what the plan creates.
	if rest := diff.Compare(after, touched(p.To, p.From, before, after), append(dialect.DiffOptions(db.d), diff.Exclude(db.cfg.exclude...))...); len(rest) > 0 {
		return &dialect.RehearsalError{Remaining: diff.Describe(rest)}
	}
	return nil
}

// touched returns the tables, views and triggers of to that are in one of
// the parts, or not in from.
func touched(to, from *schema.Schema, parts ...*schema.Schema) *schema.Schema {
	tables, views, triggers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	tk, trk := to.Case.Tables.Key, to.Case.Triggers.Key
	for _, s := range parts {
		for _, t := range s.Tables {
			tables[tk(t.Name)] = true
		}
		for _, v := range s.Views {
			views[tk(v.Name)] = true
		}
		for _, t := range s.Triggers {
			triggers[trk(t.Name)] = true
		}
	}
	out := *to
	out.Tables, out.Views, out.Triggers = nil, nil, nil
	for _, t := range to.Tables {
		if _, ok := from.Table(t.Name); !ok || tables[tk(t.Name)] {
			out.Tables = append(out.Tables, t)
		}
	}
	for _, v := range to.Views {
		if _, ok := from.View(v.Name); !ok || views[tk(v.Name)] {
			out.Views = append(out.Views, v)
		}
	}
	for _, t := range to.Triggers {
		if _, ok := from.Trigger(t.Name); !ok || triggers[trk(t.Name)] {
			out.Triggers = append(out.Triggers, t)
		}
	}
	return &out
}

// firstSchemaPath returns the PostgreSQL DSN with search_path set to the
// first managed schema when it sets none (a search_path that starts
// elsewhere is refused by Inspect).
func firstSchemaPath(dsn, first string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("search_path") != "" {
		return dsn
	}
	q.Set("search_path", `"`+strings.ReplaceAll(first, `"`, `""`)+`"`)
	// pgx reads a + in the query as itself: spaces are written %20 (Encode
	// writes a literal + as %2B).
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String()
}
