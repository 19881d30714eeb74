package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

func (env *Env) checkCommand() *cobra.Command {
	var mf migrationFlags
	var schemaPath string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Exit 1 when the migrations' head or the database differs from schema.sql",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if schemaPath == "" {
				schemaPath = env.cfg.Schema
			}
			data, err := os.ReadFile(env.path(schemaPath))
			if err != nil {
				return fmt.Errorf("read schema: %w", err)
			}
			var rep *retort.CheckReport
			if env.databaseURL() != "" {
				m, err := env.migrator(ctx, &mf)
				if err != nil {
					return err
				}
				defer m.Close()
				desired, err := m.Database().LoadSQL(ctx, schemaPath, string(data))
				if err != nil {
					return err
				}
				if rep, err = m.Check(ctx, desired); err != nil {
					return err
				}
			} else {
				g, err := env.graph(&mf)
				if err != nil {
					return err
				}
				d, err := env.engine()
				if err != nil {
					return err
				}
				desired, err := retort.LoadSQL(ctx, d, schemaPath, string(data))
				if err != nil {
					return err
				}
				head, err := retort.ReplaySchema(ctx, d, g, "heads")
				if err != nil {
					return err
				}
				plan, err := retort.PlanSchemas(ctx, d, head, desired, env.options()...)
				if err != nil {
					return err
				}
				rep = &retort.CheckReport{Migrations: plan.Summary()}
			}
			if env.asJSON {
				if err := env.printJSON(map[string]any{"ok": rep.OK(), "report": rep}); err != nil {
					return err
				}
				if !rep.OK() {
					return &findingsError{}
				}
				return nil
			}
			if rep.OK() {
				fmt.Fprintf(env.Stdout, "OK: migrations and database match %s.\n", schemaPath)
				return nil
			}
			if len(rep.Migrations) > 0 {
				fmt.Fprintf(env.Stdout, "The migrations' head differs from %s (run 'retort revision --autogenerate'):\n", schemaPath)
				for _, l := range rep.Migrations {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			if len(rep.Pending) > 0 {
				fmt.Fprintln(env.Stdout, "The database is not at head; pending migrations (run 'retort upgrade'):")
				for _, l := range rep.Pending {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			if len(rep.Database) > 0 {
				fmt.Fprintf(env.Stdout, "The database differs from %s (changed outside migrations?):\n", schemaPath)
				for _, l := range rep.Database {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			return &findingsError{}
		},
	}
	mf.register(cmd)
	cmd.Flags().StringVar(&schemaPath, "schema", "", "desired schema file (default: retort.toml's schema, else schema.sql)")
	return cmd
}
