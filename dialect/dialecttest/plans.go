package dialecttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// equateEmpty makes a nil and an empty list equal: the stored JSON leaves
// empty lists out.
var equateEmpty = cmpopts.EquateEmpty()

// Plans checks every case's want.sql without a database: it plans from the
// case's stored schemas (from.json, to.json, written by Converge under
// -update) with d, which must have been built without a connection, and
// compares the printed plan with want.sql (Update rewrites it). A case
// without stored schemas fails: run Converge with -update on the server.
// So plain `go test ./...` exercises every engine's planner over every
// case, and Converge checks, on the server, that the stored schemas and
// the plans are those of the live engine.
func Plans(t *testing.T, d dialect.Dialect, opts ...Option) {
	cfg := newConfig(opts)
	for _, c := range Cases(t, cfg.dir) {
		t.Run(c.Name, func(t *testing.T) {
			if c.FromJSON == "" || c.ToJSON == "" {
				t.Fatalf("%s has no from.json or to.json: run the engine's server tests with -update", c.Path)
			}
			got, err := planStored(context.Background(), d, c)
			if err != nil {
				t.Fatalf("%s: %v", c.Path, err)
			}
			if cfg.update {
				if got != c.Want {
					c.Rewrite(t, "want.sql", got)
				}
				return
			}
			if got != c.Want {
				t.Errorf("%s: the plan from from.json and to.json differs from want.sql (-want +got):\n%s", c.Path, cmp.Diff(c.Want, got))
			}
		})
	}
}

// planStored plans c's stored schemas with d and prints the plan as
// applying it runs it.
func planStored(ctx context.Context, d dialect.Dialect, c *Case) (string, error) {
	from, err := DecodeSchema(c.FromJSON)
	if err != nil {
		return "", fmt.Errorf("from.json: %w", err)
	}
	to, err := DecodeSchema(c.ToJSON)
	if err != nil {
		return "", fmt.Errorf("to.json: %w", err)
	}
	p, err := Plan(ctx, d, from, to)
	if err != nil {
		return "", err
	}
	return dialect.FormatEnveloped(d, p), nil
}

// Plan compares from with to, with d's diff options, and plans the change
// with d.
func Plan(ctx context.Context, d dialect.Dialect, from, to *schema.Schema) (*dialect.Plan, error) {
	return d.Plan(ctx, from, to, diff.Compare(from, to, dialect.DiffOptions(d)...))
}

// LoadSchema turns the schema script src (named name in errors) into a
// schema the way the engine loads a desired schema: its SchemaLoader, or
// a Scratch database loaded and inspected.
func LoadSchema(ctx context.Context, d dialect.Dialect, name, src string) (*schema.Schema, error) {
	if l, ok := d.(dialect.SchemaLoader); ok {
		return l.LoadSchema(ctx, name, src)
	}
	sc, ok := d.(dialect.Scratcher)
	if !ok {
		return nil, fmt.Errorf("dialecttest: %s is neither a dialect.SchemaLoader nor a dialect.Scratcher", d.Name())
	}
	db, drop, err := sc.Scratch(ctx)
	if err != nil {
		return nil, err
	}
	defer drop() //nolint:errcheck // a scratch database left behind is the engine's to report
	stmts, err := dialect.SplitFor(d.Name(), name, src)
	if err == nil {
		err = dialect.LoadStatements(ctx, db, name, stmts)
	}
	if err != nil {
		return nil, err
	}
	return d.Inspect(ctx, db)
}
