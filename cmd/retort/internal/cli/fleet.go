package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

// fleetFlags select and run a fleet: many databases, one command.
type fleetFlags struct {
	targets, schemaPattern, databasePattern string
	parallel, perServer, canary             int
	continueOnError                         bool
	// changes is set for the commands that change databases (upgrade,
	// downgrade): they have a canary phase and stop at the first failure
	// unless told otherwise; the commands that only read go on.
	changes bool
}

// register adds the fleet flags to cmd.
func (ff *fleetFlags) register(cmd *cobra.Command, changes bool) {
	ff.changes = changes
	fl := cmd.Flags()
	fl.StringVar(&ff.targets, "targets", "", "run on many databases: a file of database URLs (one a line, # comments), or a SQLite glob such as 'sqlite:tenants/*.db'")
	fl.StringVar(&ff.schemaPattern, "schema-pattern", "", "run on each schema of the PostgreSQL database at --url whose name is LIKE this, e.g. 'tenant_%' (each with its own version table)")
	fl.StringVar(&ff.databasePattern, "database-pattern", "", "run on each database of the MySQL server at --url whose name is LIKE this, e.g. 'tenant\\_%'")
	fl.IntVar(&ff.parallel, "parallel", retort.DefaultFleetParallel, "with a fleet: how many databases at once")
	fl.IntVar(&ff.perServer, "per-server", 0, "with a fleet: at most this many databases of one server at once, each on one or two connections (default: --parallel)")
	if changes {
		fl.IntVar(&ff.canary, "canary", 0, "with a fleet: migrate this many databases first; if one fails, touch no other")
		fl.BoolVar(&ff.continueOnError, "continue-on-error", false, "with a fleet: go on after a database fails (default: start no other database)")
	}
}

// source says where the fleet's databases come from, for messages.
func (ff *fleetFlags) source() string {
	switch {
	case ff.targets != "":
		return "--targets " + retort.Redact(ff.targets)
	case ff.schemaPattern != "":
		return "--schema-pattern " + ff.schemaPattern
	}
	return "--database-pattern " + ff.databasePattern
}

// active reports whether the command runs on a fleet.
func (ff *fleetFlags) active() bool {
	return ff.targets != "" || ff.schemaPattern != "" || ff.databasePattern != ""
}

// fleet builds the fleet the flags name, for the migrations of mf.
func (env *Env) fleet(ctx context.Context, ff *fleetFlags, mf *migrationFlags, onEvent func(retort.FleetEvent)) (*retort.Fleet, error) {
	set := 0
	for _, v := range []string{ff.targets, ff.schemaPattern, ff.databasePattern} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return nil, usageError("--targets, --schema-pattern and --database-pattern each name a fleet: give one")
	}
	switch {
	case ff.parallel <= 0:
		return nil, usageError(fmt.Sprintf("--parallel %d: want at least 1", ff.parallel))
	case ff.perServer < 0:
		return nil, usageError(fmt.Sprintf("--per-server %d: want at least 1", ff.perServer))
	case ff.canary < 0:
		return nil, usageError(fmt.Sprintf("--canary %d: want 0 or more", ff.canary))
	}
	if ff.schemaPattern != "" && len(env.schemaList()) > 0 {
		return nil, usageError("--schema-pattern makes each matching schema a database of its own: it cannot be combined with --schemas (or retort.toml's schemas)")
	}
	dir, err := env.existingDir(mf)
	if err != nil {
		return nil, err
	}
	ts, err := env.fleetTargets(ctx, ff)
	if err != nil {
		return nil, err
	}
	opts := env.openOptions()
	if env.migrationLockWait > 0 {
		opts = append(opts, retort.WithMigrationLockWait(env.migrationLockWait))
	}
	if mf.allowChanged {
		opts = append(opts, retort.WithAllowChanged())
	}
	if !mf.create {
		opts = append(opts, retort.MustExist()) // reading creates no file
	}
	fopts := []retort.FleetOption{retort.WithParallel(ff.parallel), retort.WithDatabaseOptions(opts...),
		retort.WithFleetProgress(onEvent)}
	if ff.perServer > 0 {
		fopts = append(fopts, retort.WithPerServer(ff.perServer))
	}
	if ff.canary > 0 {
		fopts = append(fopts, retort.WithCanary(ff.canary))
	}
	if ff.continueOnError || !ff.changes {
		fopts = append(fopts, retort.WithContinueOnError())
	}
	return retort.NewFleet(ts, os.DirFS(dir), fopts...)
}

// fleetTargets expands the fleet flags into databases.
func (env *Env) fleetTargets(ctx context.Context, ff *fleetFlags) ([]*retort.Target, error) {
	switch {
	case ff.targets != "" && isURL(ff.targets):
		if strings.ContainsAny(ff.targets, "*[") {
			return retort.GlobTargets(ff.targets, env.Dir)
		}
		return nil, usageError("--targets " + retort.Redact(ff.targets) + ": want a file of URLs or a SQLite glob (sqlite:dir/*.db); one database is --url")
	case ff.targets != "":
		path := env.path(ff.targets)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--targets: %w", err)
		}
		defer f.Close()
		return retort.ReadTargets(ff.targets, f, filepath.Dir(path))
	}
	u := env.databaseURL()
	if u == "" {
		return nil, usageError("a schema or database pattern matches in the database at --url: pass --url (or RETORT_DATABASE_URL)")
	}
	if env.dbErr != nil {
		return nil, env.dbErr
	}
	if ff.schemaPattern != "" {
		return retort.SchemaTargets(ctx, u, ff.schemaPattern, env.openOptions()...)
	}
	return retort.DatabaseTargets(ctx, u, ff.databasePattern, env.openOptions()...)
}

// isURL reports whether s is a database URL rather than a file name.
func isURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "postgres", "postgresql", "mysql", "mariadb":
		return true
	}
	return false
}

// fleetError is a fleet command whose databases did not all succeed: exit
// 1 (2 when interrupted), the failed ones named on stderr; the report was
// printed.
type fleetError struct{ err *retort.FleetError }

func (e *fleetError) Error() string { return e.err.Error() }
func (e *fleetError) Unwrap() error { return e.err }
