package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

func (env *Env) checkCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	var schemaPath string
	var allowUnmanaged bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Exit 1 when the migrations' head or the database differs from schema.sql",
		Long: `Check that the migrations' head equals schema.sql and, when a database is
configured, that the database is at head and equal to schema.sql too. Exit 0
when all agree, 1 with a summary of what differs, 2 on errors. Without a
database only the migrations are checked, and the output says so. Objects of
kinds retort does not manage are named on stderr; when schema.sql has some,
check exits 1 (they could differ unseen) unless --allow-unmanaged is given.`,
		Args: cobra.NoArgs,
		Example: `  retort check                      # in CI: exit 1 on drift
  retort check --url "$STAGING_URL"
  retort check --json | jq .ok`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, env.fleetCheck(schemaPath, allowUnmanaged))
			}
			rep, name, heads, err := env.runCheck(ctx, &mf, schemaPath)
			if err != nil {
				return err
			}
			return env.printCheck(rep, name, heads, allowUnmanaged)
		},
	}
	mf.register(cmd)
	mf.registerAllowChanged(cmd)
	ff.register(cmd, false)
	cmd.Flags().StringVar(&schemaPath, "schema", "", "desired schema file (default: retort.toml's schema_cmd or schema, else schema.sql)")
	cmd.Flags().BoolVar(&allowUnmanaged, "allow-unmanaged", false, "exit 0 although schema.sql has objects retort cannot compare")
	return cmd
}

// runCheck checks the migrations (and the database, when one is
// configured) against the desired schema and returns the report, the
// schema file's name and the number of heads (0 when the migrations could
// not be read).
func (env *Env) runCheck(ctx context.Context, mf *migrationFlags, schemaPath string) (*retort.CheckReport, string, int, error) {
	var rep *retort.CheckReport
	var g *migrate.Graph // the migrations, once read
	if env.databaseURL() != "" {
		m, err := env.migrator(ctx, mf)
		if err != nil {
			return nil, "", 0, err
		}
		defer m.Close()
		name, data, err := env.desiredSQL(ctx, schemaPath, m.Database().Dialect().Name())
		if err != nil {
			return nil, "", 0, err
		}
		schemaPath = name
		desired, err := m.Database().LoadSQL(ctx, schemaPath, data)
		if err != nil {
			return nil, "", 0, err
		}
		if rep, err = m.Check(ctx, desired); err != nil {
			return nil, "", 0, err
		}
		g = m.Graph()
	} else {
		var err error
		if g, err = env.graph(mf); err != nil {
			return nil, "", 0, err
		}
		if rep, schemaPath, err = env.checkMigrations(ctx, g, schemaPath); err != nil {
			return nil, "", 0, err
		}
	}
	return rep, schemaPath, len(g.Heads()), nil
}

// checkMigrations checks the migrations of g, without a database, against
// the desired schema.
func (env *Env) checkMigrations(ctx context.Context, g *migrate.Graph, schemaPath string) (*retort.CheckReport, string, error) {
	d, err := env.engine()
	if err != nil {
		return nil, "", err
	}
	name, data, err := env.desiredSQL(ctx, schemaPath, d.Name())
	if err != nil {
		return nil, "", err
	}
	desired, err := retort.LoadSQL(ctx, d, name, data)
	if err != nil {
		return nil, "", err
	}
	head, err := retort.ReplaySchema(ctx, d, g, "heads")
	if err != nil {
		return nil, "", err
	}
	plan, err := retort.PlanSchemas(ctx, d, head, desired, env.planOptions()...)
	if err != nil {
		return nil, "", err
	}
	return &retort.CheckReport{Migrations: plan.Summary(),
		Unmanaged: retort.UnmanagedReport{Schema: desired.Unmanaged, Migrations: head.Unmanaged}}, name, nil
}

// printCheck renders check's report, as JSON or text, and returns a
// findings error when check must exit 1.
func (env *Env) printCheck(rep *retort.CheckReport, schemaPath string, heads int, allowUnmanaged bool) error {
	database := env.databaseURL()
	env.warnUnmanaged(schemaPath, rep.Unmanaged.Schema)
	env.warnUnmanaged("the migrations' head", rep.Unmanaged.Migrations)
	if database != "" {
		env.warnUnmanaged(retort.Redact(database), rep.Unmanaged.Database)
	}
	ok := rep.OK() || (allowUnmanaged && rep.InSync())
	if env.asJSON {
		out := checkJSON{OK: ok, Schema: schemaPath, DatabaseChecked: database != "",
			Migrations: nonNil(rep.Migrations), Pending: nonNil(rep.Pending), Database: nonNil(rep.Database), Heads: heads,
			Unmanaged: checkUnmanagedJSON{Schema: nonNilUnmanaged(rep.Unmanaged.Schema),
				Migrations: nonNilUnmanaged(rep.Unmanaged.Migrations), Database: nonNilUnmanaged(rep.Unmanaged.Database)}}
		if database != "" {
			out.DatabaseURL = retort.Redact(database)
		}
		if err := env.printJSON(out); err != nil {
			return err
		}
		if !ok {
			return &findingsError{}
		}
		return nil
	}
	if ok {
		if database == "" {
			fmt.Fprintf(env.Stdout, "OK: the migrations' head matches %s.\n"+
				"Not checked: no database is configured (pass --url, set RETORT_DATABASE_URL, or add url to %s) to check that it is at head and matches too.\n",
				schemaPath, env.cfgName)
			return nil
		}
		fmt.Fprintf(env.Stdout, "OK: the migrations' head and the database (%s, at head) match %s.\n", retort.Redact(database), schemaPath)
		return nil
	}
	env.printCheckFindings(rep, schemaPath, heads, allowUnmanaged)
	return &findingsError{}
}

// printCheckFindings prints what check found, as text.
func (env *Env) printCheckFindings(rep *retort.CheckReport, schemaPath string, heads int, allowUnmanaged bool) {
	list := func(lines []string) {
		for _, l := range lines {
			fmt.Fprintf(env.Stdout, "  %s\n", l)
		}
	}
	if len(rep.Migrations) > 0 {
		fmt.Fprintf(env.Stdout, "The migrations' head differs from %s (run 'retort revision --autogenerate'):\n", schemaPath)
		list(rep.Migrations)
	}
	if len(rep.Pending) > 0 {
		advice := "run 'retort upgrade'"
		if heads > 1 {
			advice = fmt.Sprintf("there are %d heads: run 'retort merge -m MSG', then 'retort upgrade'; or 'retort upgrade heads'", heads)
		}
		fmt.Fprintf(env.Stdout, "The database is not at head; pending migrations (%s):\n", advice)
		list(rep.Pending)
	}
	if len(rep.Database) > 0 {
		fmt.Fprintf(env.Stdout, "The database differs from %s (changed outside migrations?):\n", schemaPath)
		list(rep.Database)
	}
	if len(rep.Unmanaged.Schema) > 0 && !allowUnmanaged {
		fmt.Fprintf(env.Stdout, "%s has objects retort cannot compare, which could differ unseen (accept with --allow-unmanaged):\n  %s\n",
			schemaPath, schema.DescribeUnmanaged(rep.Unmanaged.Schema))
	}
	if env.databaseURL() == "" {
		fmt.Fprintln(env.Stdout, "Not checked: no database is configured.")
	}
}

// checkJSON is check's --json output (docs/json.md).
type checkJSON struct {
	OK              bool     `json:"ok"`
	Schema          string   `json:"schema"`
	DatabaseChecked bool     `json:"database_checked"`
	DatabaseURL     string   `json:"database_url,omitempty"`
	Heads           int      `json:"heads"`
	Migrations      []string `json:"migrations"`
	Pending         []string `json:"pending"`
	Database        []string `json:"database"`
	// Unmanaged lists, per schema, the objects retort does not manage.
	Unmanaged checkUnmanagedJSON `json:"unmanaged"`
}

type checkUnmanagedJSON struct {
	Schema     []schema.Unmanaged `json:"schema"`
	Migrations []schema.Unmanaged `json:"migrations"`
	Database   []schema.Unmanaged `json:"database"`
}

// nonNil returns s, or an empty slice for nil, so that JSON says [] not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
