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

	// Global flags.
	url, devURL, configPath string
	asJSON                  bool
	lockTimeout             time.Duration
	concurrentIndexes       bool
	noRehearse              bool
	cfg                     *Config
}

// Config is retort.toml.
type Config struct {
	URL     string   `toml:"url"`
	DevURL  string   `toml:"dev_url"`
	Dialect string   `toml:"dialect"`
	Schema  string   `toml:"schema"`
	Dir     string   `toml:"dir"`
	Exclude []string `toml:"exclude"`
}

// findingsError carries exit code 1: the command ran and found something.
type findingsError struct{ msg string }

func (e *findingsError) Error() string { return e.msg }

// exitCode maps an error to the contract's exit codes.
func exitCode(err error) int {
	var fe *findingsError
	var de *retort.DestructiveError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &fe), errors.As(err, &de):
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

// Run runs args with env and returns the exit code.
func (env *Env) Run(ctx context.Context, args []string) int {
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
	if !errors.As(err, &fe) || fe.msg != "" {
		fmt.Fprintf(env.Stderr, "retort: %v\n", err)
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
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return env.loadConfig()
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&env.url, "url", "", "database URL (default: $RETORT_DATABASE_URL, $DATABASE_URL, retort.toml)")
	pf.StringVar(&env.devURL, "dev-url", "", "scratch database for loading schemas (default: in-memory SQLite, or a temporary database on the target server)")
	pf.StringVar(&env.configPath, "config", "retort.toml", "configuration file")
	pf.BoolVar(&env.asJSON, "json", false, "print JSON")
	pf.DurationVar(&env.lockTimeout, "lock-timeout", 0, "how long DDL waits for locks held by others (PostgreSQL lock_timeout, SQLite busy timeout); 0 keeps the engine's default")
	pf.BoolVar(&env.concurrentIndexes, "concurrent-indexes", false, "PostgreSQL: create indexes on existing tables CONCURRENTLY, outside a transaction")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(err.Error()) })
	root.AddCommand(env.initCommand(), env.revisionCommand(), env.upgradeCommand(), env.downgradeCommand(),
		env.currentCommand(), env.historyCommand(), env.headsCommand(), env.stampCommand(), env.mergeCommand(),
		env.checkCommand(), env.lintCommand(), env.diffCommand(), env.applyCommand(), env.inspectCommand())
	return root
}

func usageError(msg string) error { return fmt.Errorf("usage: %s", msg) }

func (env *Env) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}

func (env *Env) loadConfig() error {
	env.cfg = &Config{Schema: "schema.sql", Dir: "migrations"}
	path := env.path(env.configPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", env.configPath, err)
	}
	md, err := toml.Decode(string(data), env.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", env.configPath, err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return fmt.Errorf("%s: unknown key %q", env.configPath, undec[0].String())
	}
	return nil
}

// databaseURL resolves the database URL: --url, $RETORT_DATABASE_URL,
// $DATABASE_URL, retort.toml.
func (env *Env) databaseURL() string {
	for _, u := range []string{env.url, env.Getenv("RETORT_DATABASE_URL"), env.Getenv("DATABASE_URL"), env.cfg.URL} {
		if u != "" {
			return u
		}
	}
	return ""
}

func (env *Env) options() []retort.Option {
	opts := []retort.Option{retort.WithLogger(slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))}
	if len(env.cfg.Exclude) > 0 {
		opts = append(opts, retort.WithExclude(env.cfg.Exclude...))
	}
	if env.lockTimeout > 0 {
		opts = append(opts, retort.WithLockTimeout(env.lockTimeout))
	}
	if env.concurrentIndexes {
		opts = append(opts, retort.WithConcurrentIndexes())
	}
	if env.noRehearse {
		opts = append(opts, retort.WithoutRehearsal())
	}
	if dev := env.devURLValue(); dev != "" {
		opts = append(opts, retort.WithDevURL(dev))
	}
	return opts
}

// openDatabase opens the database at the resolved URL.
func (env *Env) openDatabase(ctx context.Context, mustExist bool) (*retort.Database, error) {
	u := env.databaseURL()
	if u == "" {
		return nil, usageError("no database: pass --url, set RETORT_DATABASE_URL or DATABASE_URL, or add url to retort.toml")
	}
	return env.openURL(ctx, u, mustExist)
}

func (env *Env) openURL(ctx context.Context, u string, mustExist bool) (*retort.Database, error) {
	opts := env.options()
	if mustExist {
		opts = append(opts, retort.MustExist())
	}
	if t, err := retort.ParseURL(u); err == nil && t.Path != "" && !filepath.IsAbs(t.Path) {
		u = "sqlite:" + env.path(t.Path)
	}
	return retort.Open(ctx, u, opts...)
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
	if u := env.databaseURL(); u != "" {
		if t, err := retort.ParseURL(u); err == nil {
			return t.Dialect
		}
	}
	if env.cfg.Dialect != "" {
		return strings.ToLower(env.cfg.Dialect)
	}
	return "sqlite"
}
