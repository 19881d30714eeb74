package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
)

// fleetMove is upgrade or downgrade on a fleet.
func fleetMove(target string, dir migrate.Direction) fleetCommand {
	name, op := "upgrade", (*retort.Fleet).Upgrade
	if dir == migrate.Down {
		name, op = "downgrade", (*retort.Fleet).Downgrade
	}
	return fleetCommand{
		name: name,
		op: func(ctx context.Context, f *retort.Fleet) (*retort.FleetReport, error) {
			return op(f, ctx, target)
		},
		detail: func(r *retort.TargetResult) string {
			if r.Status == retort.TargetUpToDate {
				return "nothing to do"
			}
			return fmt.Sprintf("%d migration(s)", len(r.Results))
		},
	}
}

// fleetCurrent is current, and history, on a fleet: where each database
// is, and how many of the migrations it has applied.
func fleetCurrent(name string) fleetCommand {
	return fleetCommand{
		name: name,
		op:   func(ctx context.Context, f *retort.Fleet) (*retort.FleetReport, error) { return f.Current(ctx) },
		detail: func(r *retort.TargetResult) string {
			applied, _ := migrate.Applied(r.Records)
			return fmt.Sprintf("%d applied", len(applied))
		},
		json: func(r *retort.TargetResult, j *fleetTargetJSON) {
			for _, rec := range r.Records {
				if rec.Complete() {
					j.Migrations = append(j.Migrations, resultJSON{Revision: rec.Revision, Message: rec.Message, Direction: "up",
						DurationMS: rec.Duration.Milliseconds()})
				}
			}
		},
	}
}

// fleetCheck is check on a fleet: the desired schema is loaded, and the
// migrations' head replayed, once for all the databases.
func (env *Env) fleetCheck(schemaFlag string, allowUnmanaged bool) fleetCommand {
	ok := func(r *retort.TargetResult) bool {
		return r.Check != nil && (r.Check.OK() || (allowUnmanaged && r.Check.InSync()))
	}
	var schemaName string
	heads := 0
	return fleetCommand{
		name: "check",
		op: func(ctx context.Context, f *retort.Fleet) (*retort.FleetReport, error) {
			d, err := f.Dialect()
			if err != nil {
				return nil, err
			}
			name, data, err := env.desiredSQL(ctx, schemaFlag, d.Name())
			if err != nil {
				return nil, err
			}
			schemaName, heads = name, len(f.Graph().Heads())
			desired, err := retort.LoadSQL(ctx, d, name, data)
			if err != nil {
				return nil, err
			}
			return f.Check(ctx, desired)
		},
		findings: func(r *retort.TargetResult) bool { return !ok(r) },
		detail: func(r *retort.TargetResult) string {
			if ok(r) {
				return "OK"
			}
			c := r.Check
			var parts []string
			for _, p := range []struct {
				n    int
				what string
			}{{len(c.Migrations), "migrations' head differs"}, {len(c.Pending), "pending"}, {len(c.Database), "database differs"},
				{len(c.Unmanaged.Schema), "unmanaged in schema"}} {
				if p.n > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
				}
			}
			return strings.Join(parts, ", ")
		},
		json: func(r *retort.TargetResult, j *fleetTargetJSON) {
			c := r.Check
			j.Check = &checkJSON{OK: ok(r), Schema: schemaName, DatabaseChecked: true, DatabaseURL: r.Name(), Heads: heads,
				Migrations: nonNil(c.Migrations), Pending: nonNil(c.Pending), Database: nonNil(c.Database),
				Unmanaged: checkUnmanagedJSON{Schema: nonNilUnmanaged(c.Unmanaged.Schema),
					Migrations: nonNilUnmanaged(c.Unmanaged.Migrations), Database: nonNilUnmanaged(c.Unmanaged.Database)}}
		},
	}
}

// fleetLint is lint on a fleet: the migrations pending on any database
// are analyzed once.
func (env *Env) fleetLint() fleetCommand {
	// op keeps what after needs to replay the migrations once.
	var (
		ctx context.Context
		d   dialect.Dialect
		g   *migrate.Graph
	)
	return fleetCommand{
		name: "lint",
		op: func(c context.Context, f *retort.Fleet) (*retort.FleetReport, error) {
			var err error
			if d, err = f.Dialect(); err != nil {
				return nil, err
			}
			ctx, g = c, f.Graph()
			return f.Pending(ctx)
		},
		detail: func(r *retort.TargetResult) string {
			return fmt.Sprintf("%d pending", len(r.Pending))
		},
		json: func(r *retort.TargetResult, j *fleetTargetJSON) {
			j.Pending = []string{}
			for _, f := range r.Pending {
				j.Pending = append(j.Pending, f.Revision)
			}
		},
		after: func(rep *retort.FleetReport, out *fleetJSON) error {
			seen := map[string]bool{}
			var files []*migrate.File
			for _, r := range rep.Targets {
				for _, f := range r.Pending {
					if !seen[f.Revision] {
						seen[f.Revision] = true
						files = append(files, f)
					}
				}
			}
			slices.SortFunc(files, func(a, b *migrate.File) int { return strings.Compare(a.Revision, b.Revision) })
			passes, err := retort.LintPasses(ctx, d, g, files)
			if err != nil {
				env.warnf("the migrations could not be replayed in a scratch database, so the rules that read their effect on the schema were skipped: %v", err)
			}
			diags := lint.Run(passes, lint.Analyzers()...)
			all := nonNilDiags(diags)
			out.Diagnostics = &all
			if !env.asJSON {
				for _, d := range diags {
					fmt.Fprintln(env.Stdout, d.String())
				}
			}
			if lint.Failing(diags) {
				out.OK = false
				return &findingsError{msg: fmt.Sprintf("lint: %s in the migrations pending on the fleet", lintSummary(diags))}
			}
			return nil
		},
	}
}

func nonNilDiags(d []lint.Diagnostic) []lint.Diagnostic {
	if d == nil {
		return []lint.Diagnostic{}
	}
	return d
}
