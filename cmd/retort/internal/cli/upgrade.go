package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

func (env *Env) upgradeCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	var sqlRange string
	cmd := &cobra.Command{
		Use:     "upgrade [TARGET]",
		Aliases: []string{"up"},
		Short:   "Apply migrations up to TARGET (head, heads, a revision, +N)",
		Long: `Apply migrations up to TARGET (head, heads, a revision, +N).

On MySQL/MariaDB, where every DDL statement commits on its own, the pending
statements first run on a scratch copy of the schema (no rows); if one fails
there nothing runs on the database (--no-rehearse skips this). A statement
interrupted while the server runs it (Ctrl-C, SIGTERM, a lost connection, a
kill) is reconciled: retort finds out from the live schema whether it took
effect and records that, so running upgrade again completes.`,
		Args: cobra.MaximumNArgs(1),
		Example: `  retort upgrade                    # to the single head
  retort upgrade +1                 # the next migration only
  retort upgrade heads              # every branch, before 'retort merge'
  retort upgrade --sql > up.sql     # print the SQL, touch no database`,
		ValidArgsFunction: env.completeRevisions(&mf, "head", "heads"),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "head"
			if len(args) == 1 {
				target = args[0]
			}
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, target, migrate.Up)
			}
			ctx := cmd.Context()
			mf.create = true
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, fleetMove(target, migrate.Up))
			}
			env.announce()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Upgrade(ctx, target)
			if err != nil {
				return err
			}
			if env.asJSON {
				return env.printJSON(resultsJSON(res))
			}
			if len(res) == 0 && !env.quiet {
				fmt.Fprintln(env.Stdout, "Nothing to upgrade: the database is at", target+".")
			}
			return nil
		},
	}
	mf.register(cmd)
	mf.registerAllowChanged(cmd)
	ff.register(cmd, true)
	cmd.Flags().BoolVar(&env.noRehearse, "no-rehearse", false, "MySQL: do not rehearse the pending migrations on a scratch copy of the schema first")
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "base"
	return cmd
}

func (env *Env) downgradeCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	var sqlRange string
	cmd := &cobra.Command{
		Use:     "downgrade TARGET",
		Aliases: []string{"down"},
		Short:   "Revert migrations down to TARGET (a revision, -N, base)",
		Args:    cobra.ExactArgs(1),
		Example: `  retort downgrade -1               # revert the last migration
  retort downgrade 20261125100000   # revert what came after it
  retort downgrade base --sql       # print the SQL that reverts everything`,
		ValidArgsFunction: env.completeRevisions(&mf, "base"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, args[0], migrate.Down)
			}
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, fleetMove(args[0], migrate.Down))
			}
			env.announce()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Downgrade(ctx, args[0])
			if err != nil {
				return err
			}
			if env.asJSON {
				return env.printJSON(resultsJSON(res))
			}
			if len(res) == 0 && !env.quiet {
				fmt.Fprintln(env.Stdout, "Nothing to downgrade.")
			}
			return nil
		},
	}
	mf.register(cmd)
	mf.registerAllowChanged(cmd)
	ff.register(cmd, true)
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "heads"
	return cmd
}

// resultJSON is one migration that ran, as --json prints it.
type resultJSON struct {
	Revision   string `json:"revision"`
	Message    string `json:"message"`
	Direction  string `json:"direction"`
	DurationMS int64  `json:"duration_ms"`
	Skipped    bool   `json:"skipped"`
}

func resultsJSON(res []migrate.Result) []resultJSON {
	out := []resultJSON{}
	for _, r := range res {
		out = append(out, resultJSON{r.Revision, r.Message, r.Direction.String(), r.Duration.Milliseconds(), r.Skipped})
	}
	return out
}

// offline prints the SQL of an upgrade or downgrade without a database.
// The range is FROM or FROM:TO (TO then overrides the target argument).
func (env *Env) offline(ctx context.Context, mf *migrationFlags, rng, target string, dir migrate.Direction) error {
	from := rng
	if f, t, ok := strings.Cut(rng, ":"); ok {
		from, target = f, t
	}
	if dir == migrate.Down && from == "heads" {
		from = ""
	}
	g, err := env.graph(mf)
	if err != nil {
		return err
	}
	d, err := env.engine()
	if err != nil {
		return err
	}
	return retort.Script(env.Stdout, d, g, from, target, dir)
}
