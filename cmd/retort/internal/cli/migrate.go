package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// migrationFlags are shared by the commands that read the migrations dir.
type migrationFlags struct {
	dir          string
	allowChanged bool
	// create lets the command create a SQLite database file that does
	// not exist (upgrade and stamp); other commands refuse a missing file.
	create bool
}

func (f *migrationFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "dir", "", "migrations directory (default: retort.toml's dir, else migrations)")
}

// registerAllowChanged adds --allow-changed to a command that reads the
// version table through the checksum check.
func (f *migrationFlags) registerAllowChanged(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.allowChanged, "allow-changed", false, "go on although applied migration files changed")
}

func (env *Env) migrationsDir(f *migrationFlags) string {
	if f.dir != "" {
		return env.path(f.dir)
	}
	return env.cfgPath(env.cfg.Dir)
}

// existingDir returns the migrations directory, which must exist.
func (env *Env) existingDir(f *migrationFlags) (string, error) {
	dir := env.migrationsDir(f)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("migrations directory %s not found (run 'retort init', or pass --dir)", dir)
	}
	return dir, nil
}

func (env *Env) graph(f *migrationFlags) (*migrate.Graph, error) {
	dir, err := env.existingDir(f)
	if err != nil {
		return nil, err
	}
	return retort.LoadGraph(os.DirFS(dir), migrate.WithEngine(env.dialectHint()))
}

// migrator opens the database and its migrator.
func (env *Env) migrator(ctx context.Context, f *migrationFlags) (*retort.Migrator, error) {
	dir, err := env.existingDir(f)
	if err != nil {
		return nil, err
	}
	u := env.databaseURL()
	if u == "" {
		return nil, errNoDatabase
	}
	if env.dbErr != nil {
		return nil, env.dbErr
	}
	opts := env.openOptions()
	if env.migrationLockWait > 0 {
		opts = append(opts, retort.WithMigrationLockWait(env.migrationLockWait))
	}
	if f.allowChanged {
		opts = append(opts, retort.WithAllowChanged())
	}
	if !f.create {
		opts = append(opts, retort.MustExist())
	}
	m, err := retort.OpenMigrator(ctx, env.sqlitePath(u), os.DirFS(dir), opts...)
	return m, missingFile(err, u)
}

// loadDir replays a migrations directory (dir:// source) into a scratch
// database and returns the schema at its heads.
func (env *Env) loadDir(ctx context.Context, s source, d dialect.Dialect) (*schema.Schema, *retort.Database, error) {
	if st, err := os.Stat(env.path(s.loc)); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("migrations directory %s not found", s.loc)
	}
	g, err := retort.LoadGraph(os.DirFS(env.path(s.loc)), migrate.WithEngine(d.Name()))
	if err != nil {
		return nil, nil, err
	}
	sch, err := retort.ReplaySchema(ctx, d, g, "heads")
	return sch, nil, err
}

// retortSQL prints a schema as the engine's CREATE statements.
func retortSQL(d dialect.Dialect, s *schema.Schema) (string, error) {
	p, ok := d.(interface{ SQL(*schema.Schema) string })
	if !ok {
		return "", fmt.Errorf("%s: cannot print a schema as SQL", d.Name())
	}
	return p.SQL(s), nil
}
