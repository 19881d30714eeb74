package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

func (env *Env) applyCommand() *cobra.Command {
	var toRaw string
	var dryRun, allowDestructive, allowUnmanaged bool
	cmd := &cobra.Command{
		Use:   "apply --to SRC [--dry-run] [--allow-destructive] [--allow-unmanaged]",
		Short: "Make the database at --url equal to SRC, now",
		Long: `Make the database at --url equal to SRC (file://schema.sql, dir://migrations,
exec://CMD or another database URL). Drops of tables or columns and narrowed column types
(a shorter string, a smaller number, another type) are refused (exit 1) unless
--allow-destructive is given; a narrowing still fails, before anything changes,
if a stored value would not survive it. Objects of kinds retort does not
manage (named on stderr) are never dropped; when SRC has some that the
database lacks, apply refuses (exit 1), since it would not create them, unless
--allow-unmanaged is given. --dry-run prints the SQL and changes nothing.

How much a failure undoes depends on the engine:
  SQLite      the plan runs in one transaction: on an error nothing changes.
  PostgreSQL  one transaction per segment (a new foreign key is validated in a
              second one; CREATE INDEX CONCURRENTLY runs outside any); a failure
              rolls back its segment, earlier ones stay.
  MySQL       every DDL statement commits on its own, so the plan first runs on
              a scratch copy of the schema (no rows); if a statement fails there,
              or the result is not SRC, nothing runs on the database. A statement
              that still fails on the database (because of its rows) leaves the
              statements before it applied. --no-rehearse skips the rehearsal;
              without CREATE rights for a scratch database it is skipped with a
              warning.`,
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
			env.warnUnmanaged(db.String(), plan.From.Unmanaged)
			env.warnUnmanaged(to.label(), desired.Unmanaged)
			var opts []retort.ApplyOption
			if allowDestructive {
				opts = append(opts, retort.AllowDestructive())
			}
			if allowUnmanaged {
				opts = append(opts, retort.AllowUnmanaged())
			}
			if dryRun {
				if env.asJSON {
					return env.printJSON(planJSON(plan))
				}
				_, err := fmt.Fprint(env.Stdout, plan.Script())
				return err
			}
			if plan.Empty() {
				// Apply refuses an empty plan too when desired has
				// unmanaged objects the database lacks.
				if err := db.Apply(ctx, plan, opts...); err != nil {
					return err
				}
				if env.asJSON {
					return env.printJSON(planJSON(plan))
				}
				if !env.quiet {
					fmt.Fprintln(env.Stdout, "Schema is in sync; nothing to do.")
				}
				return nil
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
	cmd.Flags().BoolVar(&env.noRehearse, "no-rehearse", false, "MySQL: do not rehearse the plan on a scratch copy of the schema first")
	cmd.Flags().BoolVar(&allowUnmanaged, "allow-unmanaged", false, "apply although SRC has objects retort does not create (they are left out)")
	return cmd
}
