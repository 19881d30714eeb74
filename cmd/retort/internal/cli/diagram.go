package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort/diagram"
	"github.com/retortdb/retort/schema"
)

// diagramFormats are the --format values that draw a diagram.
var diagramFormats = []string{"mermaid", "dot", "svg", "html"}

func isDiagram(format string) bool { return slices.Contains(diagramFormats, format) }

// diagramFlags restrict a diagram to part of a large schema.
type diagramFlags struct {
	tables []string
	around string
	depth  int
}

func (f *diagramFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.tables, "tables", nil, "diagram formats: draw only the tables and views matching these glob patterns (users,billing_*)")
	cmd.Flags().StringVar(&f.around, "around", "", "diagram formats: draw only the tables within --depth foreign keys of this one")
	cmd.Flags().IntVar(&f.depth, "depth", 1, "with --around: how many foreign keys away to draw")
}

func (f *diagramFlags) options(exclude []string) diagram.Options {
	return diagram.Options{Tables: f.tables, Around: f.around, Depth: f.depth, Exclude: exclude}
}

// check refuses diagram flags given with a format that is not a diagram,
// and a format with --json.
func (f *diagramFlags) check(cmd *cobra.Command, format string, asJSON bool) error {
	if isDiagram(format) {
		if asJSON {
			return usageError(fmt.Sprintf("--json and --format %s: choose one", format))
		}
		if f.depth < 1 {
			return usageError(fmt.Sprintf("--depth %d: want 1 or more", f.depth))
		}
		return nil
	}
	for _, name := range []string{"tables", "around", "depth"} {
		if cmd.Flags().Changed(name) {
			return usageError(fmt.Sprintf("--%s draws part of a diagram: it needs --format %s", name, strings.Join(diagramFormats, "|")))
		}
	}
	return nil
}

// writeDiagram draws the schema to (or, with from, the change from one
// schema to the other) in format on stdout.
func (env *Env) writeDiagram(ctx context.Context, format, title string, f *diagramFlags, from, to *schema.Schema) error {
	var (
		g   *diagram.Graph
		err error
	)
	if from == nil {
		g, err = diagram.FromSchema(to, f.options(env.cfg.Exclude))
	} else {
		g, err = diagram.FromChange(from, to, f.options(env.cfg.Exclude))
	}
	if err != nil {
		return usageError(err.Error())
	}
	var out []byte
	switch format {
	case "mermaid":
		out = []byte(g.Mermaid())
	case "dot":
		out = []byte(g.DOT())
	case "svg":
		out, err = g.SVG(ctx)
	case "html":
		out, err = g.HTML(ctx, title)
	}
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(out)
	return err
}
