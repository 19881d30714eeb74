package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

func (env *Env) applyCommand() *cobra.Command {
	var toRaw string
	var dryRun, allowDestructive bool
	cmd := &cobra.Command{
		Use:   "apply --to SRC [--dry-run] [--allow-destructive]",
		Short: "Make the database at --url equal to SRC, now",
		Long: `Make the database at --url equal to SRC (file://schema.sql, dir://migrations,
exec://CMD or another database URL), in one transaction. Drops of tables or columns and
narrowed column types (a shorter string, a smaller number, another type) are
refused (exit 1) unless --allow-destructive is given; a narrowing still fails,
before anything changes, if a stored value would not survive it. --dry-run prints the SQL
and changes nothing.`,
		Args: cobra.NoArgs,
		Example: `  retort apply --url sqlite:app.db --to file://schema.sql --dry-run
  retort apply --url sqlite:app.db --to file://schema.sql
  retort apply --to dir://migrations --allow-destructive`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if toRaw == "" {
				return usageError("apply needs --to SRC")
			}
			to, err := parseSource(toRaw)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if !dryRun {
				env.announce()
			}
			db, err := env.openDatabase(ctx, dryRun)
			if err != nil {
				return err
			}
			defer db.Close()
			desired, other, err := env.load(ctx, to, db.Dialect())
			if err != nil {
				return err
			}
			if other != nil {
				defer other.Close()
			}
			plan, err := db.Plan(ctx, desired)
			if err != nil {
				return err
			}
			if dryRun {
				if env.asJSON {
					return env.printJSON(planJSON(plan))
				}
				_, err := fmt.Fprint(env.Stdout, plan.Script())
				return err
			}
			if plan.Empty() {
				if env.asJSON {
					return env.printJSON(planJSON(plan))
				}
				if !env.quiet {
					fmt.Fprintln(env.Stdout, "Schema is in sync; nothing to do.")
				}
				return nil
			}
			var opts []retort.ApplyOption
			if allowDestructive {
				opts = append(opts, retort.AllowDestructive())
			}
			if err := db.Apply(ctx, plan, opts...); err != nil || env.quiet {
				return err
			}
			if env.asJSON {
				return env.printJSON(planJSON(plan))
			}
			for _, line := range plan.Summary() {
				fmt.Fprintf(env.Stdout, "  %s\n", line)
			}
			fmt.Fprintf(env.Stdout, "Applied %d statements.\n", len(plan.SQL.Steps))
			return nil
		},
	}
	cmd.Flags().StringVar(&toRaw, "to", "", "desired schema: file://schema.sql, dir://migrations, exec://CMD or a database URL")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the SQL, change nothing")
	cmd.Flags().BoolVar(&allowDestructive, "allow-destructive", false, "allow dropping tables and columns and narrowing column types")
	return cmd
}
