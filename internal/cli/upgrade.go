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
	var sqlRange string
	cmd := &cobra.Command{
		Use:   "upgrade [TARGET]",
		Short: "Apply migrations up to TARGET (head, heads, a revision, +N)",
		Long: `Apply migrations up to TARGET (head, heads, a revision, +N).

On MySQL/MariaDB, where every DDL statement commits on its own, the pending
statements first run on a scratch copy of the schema (no rows); if one fails
there nothing runs on the database (--no-rehearse skips this). A statement
interrupted while the server runs it (Ctrl-C, SIGTERM, a lost connection, a
kill) is reconciled: retort finds out from the live schema whether it took
effect and records that, so running upgrade again completes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "head"
			if len(args) == 1 {
				target = args[0]
			}
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, target, migrate.Up)
			}
			ctx := cmd.Context()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Upgrade(ctx, target)
			if err != nil {
				return err
			}
			if len(res) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to upgrade: the database is at", target+".")
			}
			return nil
		},
	}
	mf.register(cmd)
	cmd.Flags().BoolVar(&mf.allowChanged, "allow-changed", false, "run although applied migration files changed")
	cmd.Flags().BoolVar(&env.noRehearse, "no-rehearse", false, "MySQL: do not rehearse the pending migrations on a scratch copy of the schema first")
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "base"
	return cmd
}

func (env *Env) downgradeCommand() *cobra.Command {
	var mf migrationFlags
	var sqlRange string
	cmd := &cobra.Command{
		Use:   "downgrade TARGET",
		Short: "Revert migrations down to TARGET (a revision, -N, base)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, args[0], migrate.Down)
			}
			ctx := cmd.Context()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Downgrade(ctx, args[0])
			if err != nil {
				return err
			}
			if len(res) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to downgrade.")
			}
			return nil
		},
	}
	mf.register(cmd)
	cmd.Flags().BoolVar(&mf.allowChanged, "allow-changed", false, "run although applied migration files changed")
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "heads"
	return cmd
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
