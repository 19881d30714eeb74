package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
)

func (env *Env) lintCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "lint [--dir migrations]",
		Short: "Analyze pending migrations (all of them without a database); exit 1 on findings",
		Args:  cobra.NoArgs,
		Example: `  retort lint                       # pending migrations of the configured database
  retort lint --dir migrations --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, env.fleetLint())
			}
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			var files []*migrate.File
			if env.databaseURL() != "" {
				m, err := env.migrator(ctx, &mf)
				if err != nil {
					return err
				}
				defer m.Close()
				if files, err = m.Pending(ctx); err != nil {
					return err
				}
			} else {
				for _, rev := range g.Revisions() {
					f, _ := g.Get(rev)
					files = append(files, f)
				}
			}
			diags := lint.Run(files, env.dialectHint(), lint.Analyzers()...)
			if env.asJSON {
				if diags == nil {
					diags = []lint.Diagnostic{}
				}
				if err := env.printJSON(diags); err != nil {
					return err
				}
			} else {
				for _, d := range diags {
					fmt.Fprintln(env.Stdout, d.String())
				}
			}
			if len(diags) > 0 {
				return &findingsError{}
			}
			if !env.asJSON {
				fmt.Fprintf(env.Stdout, "No findings in %d migration(s).\n", len(files))
			}
			return nil
		},
	}
	mf.register(cmd)
	mf.registerAllowChanged(cmd)
	ff.register(cmd, false)
	return cmd
}
