// Package cli is the retort command line: flags, configuration, output and
// exit codes. All schema and migration logic lives in the library; commands
// call it exactly as an application would.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

// Exit codes, as in the CLI contract.
const (
	ExitOK       = 0
	ExitFindings = 1 // check/lint found something, apply refused a destructive change
	ExitError    = 2 // usage, connection, file or SQL error
)

// Env is what a command may use of the outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Dir            string // working directory
	// Now is the clock new revision ids come from; nil means time.Now.
	Now func() time.Time

	// Global flags.
	url, devURL, configPath string
	asJSON                  bool
	lockTimeout             time.Duration
	concurrentIndexes       bool
	online                  setBool
	noRehearse              bool
	schemas                 []string
	cfg                     *Config

	// cfgDir is the directory of the configuration file, against which
	// its relative paths are read (the working directory without one).
	cfgDir string
	// cfgName is how the configuration file is named in messages.
	cfgName string
	// dbURL is the database URL resolved by resolveURL, dbFrom where it
	// came from, and dbErr why it cannot be used.
	dbURL, dbFrom string
	dbErr         error
	// ambientIgnored: $DATABASE_URL was set but the configuration's url
	// wins; said once, when the database is first used.
	ambientIgnored bool
	// Connecting, waiting and progress (see progress.go).
	connectTimeout    time.Duration
	wait              time.Duration
	migrationLockWait time.Duration
	verbose, quiet    bool
}

// Config is retort.toml.
type Config struct {
	URL     string   `toml:"url"`
	DevURL  string   `toml:"dev_url"`
	Dialect string   `toml:"dialect"`
	Schema  string   `toml:"schema"`
	Dir     string   `toml:"dir"`
	Exclude []string `toml:"exclude"`

	// SchemaCmd is a program printing the desired schema as SQL (argv,
	// run without a shell in the configuration's directory), used
	// instead of Schema; see schemacmd.go.
	SchemaCmd []string `toml:"schema_cmd"`
	// Schemas are the PostgreSQL schemas retort manages (the first holds
	// the version table); none means the connection's one schema.
	Schemas []string `toml:"schemas"`
	// Online is false to turn off the online plans of PostgreSQL (see
	// retort.WithOnline); unset means on.
	Online *bool `toml:"online"`
}

// panicError is a panic caught in a command: a bug, reported as one.
type panicError struct{ v any }

func (e *panicError) Error() string {
	return fmt.Sprintf("internal error (a bug in retort %s; please report it at %s with the command you ran): %v",
		moduleVersion(), bugURL, e.v)
}

// findingsError carries exit code 1: the command ran and found something.
type findingsError struct{ msg string }

func (e *findingsError) Error() string { return e.msg }

// exitCode maps an error to the contract's exit codes.
func exitCode(err error) int {
	var fe *findingsError
	var de *retort.DestructiveError
	var ue *retort.UnmanagedError
	var ge *retort.RenameGuessError
	var fl *fleetError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &fl) && fl.err.Report.Interrupted:
		return ExitError
	case errors.As(err, &fe), errors.As(err, &de), errors.As(err, &ue), errors.As(err, &ge), errors.As(err, &fl):
		return ExitFindings
	}
	return ExitError
}

// Main runs the command line args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Dir: wd}
	return env.Run(ctx, args)
}

// Run runs args with env and returns the exit code. It never panics: a
// panic is a bug, reported as one with exit code 2.
func (env *Env) Run(ctx context.Context, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			err := &panicError{r}
			fmt.Fprintf(env.Stderr, "retort: %v\n", err)
			if env.asJSON || slices.Contains(args, "--json") {
				env.printError(err, "internal")
			}
			code = ExitError
		}
	}()
	root := env.rootCommand()
	root.SetArgs(relativeTargets(args))
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var fe *findingsError
	var fl *fleetError
	if !errors.As(err, &fe) || fe.msg != "" {
		fmt.Fprintf(env.Stderr, "retort: %v\n", err)
		// A fleet's failures are in the report it printed.
		if (env.asJSON || slices.Contains(args, "--json")) && !errors.As(err, &fl) {
			env.printError(err, errorCode(err))
		}
	}
	return exitCode(err)
}

// relativeTargets lets "downgrade -1" through: a "-N" argument would
// otherwise be read as a flag, so it is moved after a "--".
func relativeTargets(args []string) []string {
	out := make([]string, 0, len(args)+1)
	var targets []string
	for i, a := range args {
		if a == "--" {
			targets = append(targets, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "0123456789") == "" {
			targets = append(targets, a)
			continue
		}
		out = append(out, a)
	}
	if len(targets) == 0 {
		return out
	}
	return append(append(out, "--"), targets...)
}

func (env *Env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "retort",
		Short:         "Schema migrations for SQLite, PostgreSQL and MySQL, foreign keys done right",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  retort init --dialect sqlite
  retort revision -m "add notes" --autogenerate
  retort upgrade
  retort check --json`,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := env.loadConfig(cmd.Flags().Changed("config")); err != nil {
				return err
			}
			env.resolveURL()
			return nil
		},
	}
	root.SetVersionTemplate("retort {{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&env.url, "url", "", "database URL (default: $RETORT_DATABASE_URL, retort.toml's url, then $DATABASE_URL if retort.toml names none)")
	pf.StringVar(&env.devURL, "dev-url", "", "scratch database for loading schemas (default: in-memory SQLite, or a temporary database on the target server)")
	pf.StringVar(&env.configPath, "config", "", "configuration file (default: retort.toml here or in the nearest parent directory)")
	pf.BoolVar(&env.asJSON, "json", false, "print JSON")
	pf.DurationVar(&env.lockTimeout, "lock-timeout", 0, "how long, in all, DDL waits for locks held by others: PostgreSQL and MySQL retry short attempts within it, letting writers through between them (SQLite: busy timeout); 0 keeps the engine's default (30s)")
	pf.StringSliceVar(&env.schemas, "schemas", nil, "PostgreSQL: the schemas retort manages, e.g. app,audit (the first holds the version table; default: retort.toml's schemas, else the connection's one schema)")
	pf.BoolVar(&env.concurrentIndexes, "concurrent-indexes", false, "deprecated, does nothing: indexes on existing tables are built CONCURRENTLY by default (see --online)")
	_ = pf.MarkHidden("concurrent-indexes")
	env.online.v = true
	pf.Var(&env.online, "online", "PostgreSQL: online plans for existing tables (indexes CONCURRENTLY, constraints NOT VALID then VALIDATE); --online=false plans plain statements (default: retort.toml's online, else true)")
	pf.Lookup("online").NoOptDefVal = "true"
	// Connecting, waiting and progress.
	pf.DurationVar(&env.connectTimeout, "connect-timeout", 0, "how long to wait for the database server to answer (default: the URL's connect_timeout/timeout, else 10s)")
	pf.DurationVar(&env.wait, "wait", 0, "retry connecting for this long while the server is down or starting (--wait alone: 60s)")
	pf.Lookup("wait").NoOptDefVal = "60s"
	pf.DurationVar(&env.migrationLockWait, "migration-lock-wait", 0, "how long to wait for another retort that holds the migration lock; 0 waits until it is released (with a message every 10s)")
	pf.BoolVarP(&env.verbose, "verbose", "v", false, "print each statement as it runs (on stderr)")
	pf.BoolVarP(&env.quiet, "quiet", "q", false, "print nothing but errors")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(err.Error()) })
	root.AddCommand(env.initCommand(), env.revisionCommand(), env.upgradeCommand(), env.downgradeCommand(),
		env.currentCommand(), env.historyCommand(), env.headsCommand(), env.stampCommand(), env.mergeCommand(),
		env.checkCommand(), env.lintCommand(), env.diffCommand(), env.applyCommand(), env.inspectCommand(),
		env.showCommand(), env.versionCommand(), env.completionCommand(root), env.waitCommand())
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Example = "  retort help upgrade\n  retort upgrade --help"
		}
	}
	return root
}

// usageErr is a command line that cannot be run as given.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return "usage: " + e.msg }

func usageError(msg string) error { return &usageErr{msg} }

func (env *Env) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}

// loadConfig reads the configuration file: --config if given (it must
// exist), else retort.toml in the working directory or the nearest parent
// that has one, stopping at the top of a git work tree.
func (env *Env) loadConfig(explicit bool) error {
	env.cfg = &Config{Schema: "schema.sql", Dir: "migrations"}
	if env.configPath == "" {
		env.configPath, explicit = "retort.toml", false
	}
	env.cfgDir, env.cfgName = env.Dir, env.configPath
	path := env.path(env.configPath)
	if !explicit {
		path = findUp(env.Dir, env.configPath)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if explicit {
			return fmt.Errorf("configuration file %s not found", env.configPath)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", env.configPath, err)
	}
	env.cfgDir = filepath.Dir(path)
	if rel, err := filepath.Rel(env.Dir, path); err == nil && !explicit {
		env.cfgName = rel
	}
	md, err := toml.Decode(string(data), env.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", env.cfgName, err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return fmt.Errorf("%s: unknown key %q", env.cfgName, undec[0].String())
	}
	if md.IsDefined("schema_cmd") && (len(env.cfg.SchemaCmd) == 0 || env.cfg.SchemaCmd[0] == "") {
		return fmt.Errorf("%s: schema_cmd needs a program: schema_cmd = [\"go\", \"run\", \"./cmd/schema\"]", env.cfgName)
	}
	if md.IsDefined("schema_cmd") && md.IsDefined("schema") {
		return fmt.Errorf("%s: set schema (a file) or schema_cmd (a program printing the schema), not both", env.cfgName)
	}
	if env.cfg.Dialect != "" {
		d, err := retort.DialectName(env.cfg.Dialect)
		if err != nil {
			return fmt.Errorf("%s: %w", env.cfgName, err)
		}
		env.cfg.Dialect = d
	}
	return nil
}

// findUp returns the path of name in dir or its nearest parent that has
// it, not looking above the top of a git work tree; dir/name when none has.
func findUp(dir, name string) string {
	if filepath.IsAbs(name) || strings.ContainsRune(name, filepath.Separator) {
		return filepath.Join(dir, name)
	}
	for d := dir; ; {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return filepath.Join(dir, name)
}

// cfgPath resolves a path from the configuration file against its
// directory.
func (env *Env) cfgPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.cfgDir, p)
}

// resolveURL picks the database URL: --url, $RETORT_DATABASE_URL, the
// configuration's url, then $DATABASE_URL only when the configuration
// names no database (an ambient DATABASE_URL must not redirect a project
// to another database). A URL of another engine than the configuration's
// dialect is refused when used.
func (env *Env) resolveURL() {
	env.dbURL, env.dbFrom, env.dbErr, env.ambientIgnored = "", "", nil, false
	ambient := env.Getenv("DATABASE_URL")
	switch {
	case env.url != "":
		env.dbURL, env.dbFrom = env.url, "--url"
	case env.Getenv("RETORT_DATABASE_URL") != "":
		env.dbURL, env.dbFrom = env.Getenv("RETORT_DATABASE_URL"), "$RETORT_DATABASE_URL"
	case env.cfg.URL != "":
		env.dbURL, env.dbFrom = env.cfg.URL, env.cfgName
		env.ambientIgnored = ambient != "" && ambient != env.cfg.URL
	case ambient != "":
		env.dbURL, env.dbFrom = ambient, "$DATABASE_URL"
	}
	if env.dbURL == "" || env.cfg.Dialect == "" {
		return
	}
	if t, err := retort.ParseURL(env.dbURL); err == nil && t.Dialect != env.cfg.Dialect {
		env.dbErr = fmt.Errorf("the database URL from %s (%s) is a %s database, but %s says dialect = %q; "+
			"pass the right URL with --url, or fix the dialect in %s",
			env.dbFrom, t.Redacted, t.Dialect, env.cfgName, env.cfg.Dialect, env.cfgName)
	}
}

// databaseURL returns the resolved database URL ("" when none is given).
// The first call says on stderr when $DATABASE_URL was ignored.
func (env *Env) databaseURL() string {
	if env.ambientIgnored {
		env.ambientIgnored = false
		fmt.Fprintf(env.Stderr, "retort: ignoring $DATABASE_URL: %s names the database (use --url or $RETORT_DATABASE_URL to override it)\n", env.cfgName)
	}
	return env.dbURL
}

// announce tells, on stderr, which database a command that changes it
// acts on, and where its URL came from (never its password); -q silences
// it with the rest of what is not an error.
func (env *Env) announce() {
	if env.databaseURL() == "" || env.dbErr != nil || env.quiet {
		return
	}
	fmt.Fprintf(env.Stderr, "Database: %s (from %s)\n", retort.Redact(env.dbURL), env.dbFrom)
}

// The library refuses an option given to a function on which it has no
// effect (retort.OptionError), so each kind of call gets its own list.

// logger returns the library's logger: warnings on stderr.
func (env *Env) logger() retort.Option {
	return retort.WithLogger(slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// planOptions are the options of retort.PlanSchemas.
func (env *Env) planOptions() []retort.Option {
	opts := []retort.Option{env.logger()}
	if len(env.cfg.Exclude) > 0 {
		opts = append(opts, retort.WithExclude(env.cfg.Exclude...))
	}
	return opts
}

// engineOptions are the options of retort.DialectFor and NewDialect: how
// the engine is built.
func (env *Env) engineOptions() []retort.Option {
	opts := []retort.Option{env.logger()}
	if env.lockTimeout > 0 {
		opts = append(opts, retort.WithLockTimeout(env.lockTimeout))
	}
	if env.concurrentIndexes { // said once, on stderr (stdout may be JSON)
		env.concurrentIndexes = false
		fmt.Fprintln(env.Stderr, "retort: warning: --concurrent-indexes is deprecated and does nothing: indexes on existing tables are built CONCURRENTLY by default (see --online)")
	}
	if !env.onlineValue() {
		opts = append(opts, retort.WithOnline(false))
	}
	if s := env.schemaList(); len(s) > 0 {
		opts = append(opts, retort.WithSchemas(s...))
	}
	if dev := env.devURLValue(); dev != "" {
		opts = append(opts, retort.WithDevURL(dev))
	}
	if env.connectTimeout > 0 {
		opts = append(opts, retort.WithConnectTimeout(env.connectTimeout))
	}
	return opts
}

// openOptions are the options of retort.Open: the engine's, the
// connection's and the Database's.
func (env *Env) openOptions() []retort.Option {
	opts := env.engineOptions()
	if len(env.cfg.Exclude) > 0 {
		opts = append(opts, retort.WithExclude(env.cfg.Exclude...))
	}
	if env.noRehearse {
		opts = append(opts, retort.WithoutRehearsal())
	}
	return append(opts, env.progressOptions()...)
}

// onlineValue returns whether plans are online: --online when given, else
// retort.toml's online, else true.
func (env *Env) onlineValue() bool {
	if env.online.set || env.cfg == nil || env.cfg.Online == nil {
		return env.online.v
	}
	return *env.cfg.Online
}

// setBool is a boolean flag that knows whether it was given.
type setBool struct{ v, set bool }

func (b *setBool) String() string   { return strconv.FormatBool(b.v) }
func (b *setBool) Type() string     { return "bool" }
func (b *setBool) IsBoolFlag() bool { return true }
func (b *setBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v, b.set = v, true
	return nil
}

// schemaList returns the schemas to manage: --schemas, else retort.toml's
// schemas.
func (env *Env) schemaList() []string {
	if len(env.schemas) > 0 {
		return env.schemas
	}
	return env.cfg.Schemas
}

// openDatabase opens the database at the resolved URL.
func (env *Env) openDatabase(ctx context.Context, mustExist bool) (*retort.Database, error) {
	u := env.databaseURL()
	if u == "" {
		return nil, errNoDatabase
	}
	if env.dbErr != nil {
		return nil, env.dbErr
	}
	return env.openURL(ctx, u, mustExist)
}

var errNoDatabase = usageError("no database: pass --url, set RETORT_DATABASE_URL or DATABASE_URL, or add url to retort.toml")

func (env *Env) openURL(ctx context.Context, u string, mustExist bool) (*retort.Database, error) {
	opts := env.openOptions()
	if mustExist {
		opts = append(opts, retort.MustExist())
	}
	db, err := retort.Open(ctx, env.sqlitePath(u), opts...)
	return db, missingFile(err, u)
}

func (env *Env) printJSON(v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// devURLValue is --dev-url, else retort.toml's dev_url.
func (env *Env) devURLValue() string {
	if env.devURL != "" {
		return env.devURL
	}
	return env.cfg.DevURL
}

// dialectHint returns the engine to load schema files with when no database
// says it: the dialect in retort.toml, else SQLite.
func (env *Env) dialectHint() string {
	// The configuration's dialect first: a URL that disagrees with it is
	// refused when the database is used, and asking databaseURL here would
	// report an ignored $DATABASE_URL for commands that use no database.
	if env.cfg.Dialect != "" {
		return env.cfg.Dialect
	}
	if env.dbURL != "" {
		if t, err := retort.ParseURL(env.dbURL); err == nil {
			return t.Dialect
		}
	}
	return "sqlite"
}

// queryOf returns the "?…" parameter part of a SQLite URL, "" if none.
func queryOf(t *retort.Target) string {
	if t.Query == "" {
		return ""
	}
	return "?" + t.Query
}
