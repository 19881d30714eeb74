package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/schema"
)

func (env *Env) showCommand() *cobra.Command {
	var (
		mf     migrationFlags
		df     diagramFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "show REV [--format sql|mermaid|dot|svg|html]",
		Short: "Print a migration file, or draw the change it makes",
		Long: `Print the migration file of revision REV (an id or a unique prefix), or,
with a diagram --format, draw the change it makes: the schema after it,
with what it adds, removes and changes marked. The migrations are
replayed into scratch databases to learn the schemas before and after
(the database itself is not touched).`,
		Args: cobra.ExactArgs(1),
		Example: `  retort show 20261125103000
  retort show 2026112510 --format html > change.html`,
		ValidArgsFunction: env.completeRevisions(&mf),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "sql" && !isDiagram(format) {
				return usageError(fmt.Sprintf("--format %q: want sql, mermaid, dot, svg or html", format))
			}
			if err := df.check(cmd, format, env.asJSON); err != nil {
				return err
			}
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			revs, err := g.Resolve(args[0], nil)
			if err != nil {
				return err
			}
			if len(revs) != 1 {
				return usageError(fmt.Sprintf("show %s: names %d revisions; name one", args[0], len(revs)))
			}
			f, _ := g.Get(revs[0])
			if !isDiagram(format) {
				dir, _ := env.existingDir(&mf)
				data, err := os.ReadFile(filepath.Join(dir, f.Name))
				if err != nil {
					return err
				}
				_, err = env.Stdout.Write(data)
				return err
			}
			ctx := cmd.Context()
			d, err := env.engine()
			if err != nil {
				return err
			}
			after, err := retort.ReplaySchema(ctx, d, g, f.Revision)
			if err != nil {
				return err
			}
			before := &schema.Schema{Case: after.Case}
			if len(f.Parents) > 0 {
				before, err = retort.ReplaySchema(ctx, d, g, f.Parents[0], f.Parents[1:]...)
				if err != nil {
					return err
				}
			}
			title := fmt.Sprintf("Migration %s: %s", f.Revision, f.Message)
			return env.writeDiagram(ctx, format, title, &df, before, after)
		},
	}
	mf.register(cmd)
	df.register(cmd)
	cmd.Flags().StringVar(&format, "format", "sql", "output format: sql (the file), or a diagram of its change: mermaid, dot, svg or html")
	return cmd
}
