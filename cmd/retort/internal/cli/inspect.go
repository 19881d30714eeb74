package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (env *Env) inspectCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Print the database's schema (as SQL, or JSON)",
		Args:  cobra.NoArgs,
		Example: `  retort inspect --url sqlite:app.db
  retort inspect --format json > schema.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.asJSON {
				format = "json"
			}
			if format != "sql" && format != "json" {
				return usageError(fmt.Sprintf("--format %q: want sql or json", format))
			}
			ctx := cmd.Context()
			db, err := env.openDatabase(ctx, true)
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := db.Inspect(ctx)
			if err != nil {
				return err
			}
			env.warnUnmanaged(db.String(), s.Unmanaged)
			if format == "json" {
				return env.printJSON(s)
			}
			sqlText, err := retortSQL(db.Dialect(), s)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(env.Stdout, sqlText)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "sql", "output format: sql or json")
	return cmd
}
