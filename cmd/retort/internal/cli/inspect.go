package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (env *Env) inspectCommand() *cobra.Command {
	var (
		format string
		df     diagramFlags
	)
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Print the database's schema (as SQL, JSON, or a diagram)",
		Long: `Print the database's schema: as SQL (the default), as JSON, or as an
entity-relationship diagram: mermaid or dot text for documents, or a
self-contained svg or html file (no network, no script). --tables and
--around draw part of a large schema.`,
		Args: cobra.NoArgs,
		Example: `  retort inspect --url sqlite:app.db
  retort inspect --format json > schema.json
  retort inspect --format html > schema.html
  retort inspect --format mermaid --around users --depth 2`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.asJSON && !isDiagram(format) {
				format = "json"
			}
			if format != "sql" && format != "json" && !isDiagram(format) {
				return usageError(fmt.Sprintf("--format %q: want sql, json, mermaid, dot, svg or html", format))
			}
			if err := df.check(cmd, format, env.asJSON); err != nil {
				return err
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
			if isDiagram(format) {
				return env.writeDiagram(ctx, format, "Schema of "+db.String(), &df, nil, s)
			}
			sqlText, err := retortSQL(db.Dialect(), s)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(env.Stdout, sqlText)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "sql", "output format: sql, json, mermaid, dot, svg or html")
	df.register(cmd)
	return cmd
}
