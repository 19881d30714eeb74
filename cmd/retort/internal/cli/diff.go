package cli

import (
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/schema"
)

func (env *Env) diffCommand() *cobra.Command {
	var (
		fromRaw, toRaw, format string
		df                     diagramFlags
	)
	cmd := &cobra.Command{
		Use:   "diff --from SRC --to SRC",
		Short: "Print the SQL that turns FROM into TO; changes nothing",
		Long: `Print the SQL that turns FROM into TO, exactly as apply would run it
(envelope included), or nothing when they are in sync. SRC is a database
URL, file://schema.sql, dir://migrations or exec://CMD (a program that
prints the schema as SQL; it runs without a shell, with RETORT_DIALECT set).
--format draws the change instead: an entity-relationship diagram of TO
with what was added, removed and changed marked (mermaid, dot, svg, html).`,
		Args: cobra.NoArgs,
		Example: `  retort diff --from sqlite:app.db --to file://schema.sql
  retort diff --from dir://migrations --to file://schema.sql --json
  retort diff --from "$PROD_URL" --to "$STAGING_URL"
  retort diff --from sqlite:app.db --to file://schema.sql --format html > change.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromRaw == "" || toRaw == "" {
				return usageError("diff needs --from SRC and --to SRC")
			}
			if format != "sql" && !isDiagram(format) {
				return usageError(fmt.Sprintf("--format %q: want sql, mermaid, dot, svg or html", format))
			}
			if err := df.check(cmd, format, env.asJSON); err != nil {
				return err
			}
			from, err := parseSource(fromRaw)
			if err != nil {
				return err
			}
			to, err := parseSource(toRaw)
			if err != nil {
				return err
			}
			d, err := env.engineFor(from, to)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			// The two sides are independent: read them at once.
			var (
				wg       sync.WaitGroup
				toSchema *schema.Schema
				toDB     *retort.Database
				toErr    error
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { // Run's recover does not reach this goroutine
					if r := recover(); r != nil {
						toErr = &panicError{r}
					}
				}()
				toSchema, toDB, toErr = env.load(ctx, to, d)
			}()
			fromSchema, fromDB, err := env.load(ctx, from, d)
			wg.Wait()
			if fromDB != nil {
				defer fromDB.Close()
			}
			if toDB != nil {
				defer toDB.Close()
			}
			if err != nil {
				return err
			}
			if toErr != nil {
				return toErr
			}
			env.warnUnmanaged(from.label(), fromSchema.Unmanaged)
			env.warnUnmanaged(to.label(), toSchema.Unmanaged)
			if isDiagram(format) {
				return env.writeDiagram(ctx, format, "Change from "+from.label()+" to "+to.label(), &df, fromSchema, toSchema)
			}
			plan, err := retort.PlanSchemas(ctx, d, fromSchema, toSchema, env.planOptions()...)
			if err != nil {
				return err
			}
			if env.asJSON {
				return env.printJSON(planJSON(plan))
			}
			_, err = fmt.Fprint(env.Stdout, plan.Script())
			return err
		},
	}
	cmd.Flags().StringVar(&fromRaw, "from", "", "current schema: database URL, file://schema.sql, dir://migrations or exec://CMD")
	cmd.Flags().StringVar(&toRaw, "to", "", "desired schema: database URL, file://schema.sql, dir://migrations or exec://CMD")
	cmd.Flags().StringVar(&format, "format", "sql", "output format: sql, or a diagram of the change: mermaid, dot, svg or html")
	df.register(cmd)
	return cmd
}

type planOutput struct {
	InSync      bool          `json:"in_sync"`
	Changes     []string      `json:"changes"`
	Destructive []string      `json:"destructive"`
	Unmanaged   unmanagedJSON `json:"unmanaged"`
	SQL         string        `json:"sql"`
}

func planJSON(p *retort.Plan) planOutput {
	out := planOutput{InSync: p.Empty(), Changes: p.Summary(), Destructive: p.Destructive(), SQL: p.Script(),
		Unmanaged: unmanagedJSON{From: nonNilUnmanaged(p.From.Unmanaged), To: nonNilUnmanaged(p.To.Unmanaged)}}
	if out.Changes == nil {
		out.Changes = []string{}
	}
	if out.Destructive == nil {
		out.Destructive = []string{}
	}
	return out
}
