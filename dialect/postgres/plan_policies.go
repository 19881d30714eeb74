package postgres

import (
	"maps"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// planRoutines plans the functions, procedures and aggregates that are
// new or redefined, in the creates phase: after the new types, before the
// tables whose columns, defaults, checks and indexes may call them, and so
// before the views, triggers and policies too; those whose signature names
// a table's or view's row type come after it (lateRoutines). A redefined
// routine is replaced in place (CREATE OR REPLACE) so that what uses it
// stays; one whose kind, parameter names or defaults, or result type
// change, which CREATE OR REPLACE refuses, is dropped first (and the
// views, policies and triggers that call it around it: dropPolicies,
// routineViews). Functions and procedures come before the aggregates
// built on them; function bodies are not checked while they are created
// (a body may call a function created just after it), as pg_dump does.
func (p *planner) planRoutines(changes []diff.Change) {
	p.newRoutines = nil
	for _, c := range changes {
		if c, ok := c.(*diff.AddRoutine); ok {
			p.newRoutines = append(p.newRoutines, c.R)
		}
	}
	if len(p.newRoutines) == 0 {
		return
	}
	slices.SortStableFunc(p.newRoutines, func(a, b *schema.Routine) int {
		return boolInt(a.Kind == schema.Aggregate) - boolInt(b.Kind == schema.Aggregate)
	})
	p.creates = append(p.creates, dialect.Step{SQL: "SET LOCAL check_function_bodies = off",
		Comment: "function bodies may call functions created below"})
	p.rebuilt = map[string]bool{}
	p.creates = p.createRoutines(p.creates, changes, routineFirst)
}

// createRoutines appends to steps the new routines created in phase.
func (p *planner) createRoutines(steps []dialect.Step, changes []diff.Change, phase int) []dialect.Step {
	for _, r := range p.newRoutines {
		if routinePhase(r, p.to) != phase {
			continue
		}
		old, replaces := p.oldRoutine(changes, r)
		if replaces && !replaceable(old, r) {
			p.rebuilt[strings.ToLower(old.Name)] = true
			steps = append(steps, dialect.Step{SQL: dropRoutine(old),
				Comment: "its kind, parameters or result type change, which CREATE OR REPLACE cannot do"})
		}
		steps = append(steps, dialect.Step{SQL: r.Def})
		// CREATE OR REPLACE keeps the comment of the routine it replaces.
		if r.Comment != "" || replaces && old.Comment != "" {
			steps = append(steps, dialect.Step{SQL: routineComment(r)})
		}
	}
	return steps
}

// oldRoutine returns the routine that changes drop and r replaces.
func (p *planner) oldRoutine(changes []diff.Change, r *schema.Routine) (*schema.Routine, bool) {
	for _, c := range changes {
		if c, ok := c.(*diff.DropRoutine); ok && c.R.Name == r.Name && c.R.Args == r.Args {
			return c.R, true
		}
	}
	return nil, false
}

// dropRoutines plans the routines that go away (those a routine of the
// same name and signature does not replace), after the tables, views,
// triggers and policies that used them, before the types they use:
// aggregates first, then the functions they are built on.
func (p *planner) dropRoutines(changes []diff.Change) {
	replaced := map[*schema.Routine]bool{}
	for _, c := range changes {
		if c, ok := c.(*diff.AddRoutine); ok {
			if old, ok := p.oldRoutine(changes, c.R); ok {
				replaced[old] = true
			}
		}
	}
	var drops []*schema.Routine
	for _, c := range changes {
		if c, ok := c.(*diff.DropRoutine); ok && !replaced[c.R] {
			drops = append(drops, c.R)
		}
	}
	slices.SortStableFunc(drops, func(a, b *schema.Routine) int {
		return boolInt(b.Kind == schema.Aggregate) - boolInt(a.Kind == schema.Aggregate)
	})
	for _, r := range drops {
		p.removes = append(p.removes, dialect.Step{SQL: dropRoutine(r)})
	}
}

// rebuiltComment explains the drop of a view, trigger or policy that is
// created again because a function it calls is.
const rebuiltComment = "depends on a function that is dropped and created; created again below"

// routineViews returns the names of the views of the current schema that
// the diff keeps (neither in dropViews nor in dependents) but that call a
// routine the plan drops and creates, or read such a view: PostgreSQL
// refuses to drop a function a view calls. Names are matched as words of
// the view's text, so a view may be recreated without need, never missed.
func (p *planner) routineViews(dropViews []*schema.View, dependents map[string]bool) map[string]bool {
	out := map[string]bool{}
	if len(p.rebuilt) == 0 {
		return out
	}
	names := maps.Clone(p.rebuilt)
	skip := maps.Clone(dependents)
	for _, v := range dropViews {
		skip[v.Name] = true
	}
	for grew := true; grew; {
		grew = false
		for _, v := range p.from.Views {
			if !out[v.Name] && !skip[v.Name] && mentions(v.Def, names) {
				out[v.Name] = true
				names[strings.ToLower(v.Name)] = true
				grew = true
			}
		}
	}
	return out
}

// dropPolicies plans the policies of modified tables that go away or
// change, with the drops: before the columns and functions they use go.
// PostgreSQL refuses to change the type of a column that a policy or a
// trigger's WHEN uses, and to drop a function that one calls: on a table
// whose column types change, the policies and the triggers with a WHEN
// that the diff keeps, and anywhere those that call a routine the plan
// drops and creates, are dropped here too, and created again with the
// views. The triggers of the views dependents and byRoutine, which go
// with their views, are created again after them.
func (p *planner) dropPolicies(changes []diff.Change, mods []*diff.ModifyTable, dependents, byRoutine map[string]bool) {
	const again = "uses a column whose type changes; created again below"
	gone := map[*schema.Policy]bool{}
	for _, mt := range mods {
		for _, c := range mt.Changes {
			if c, ok := c.(*diff.DropPolicy); ok {
				gone[c.P] = true
				p.drops = append(p.drops, dialect.Step{SQL: dropPolicy(mt.From.Name, c.P)})
			}
		}
	}
	kept := func(t *schema.Table) bool {
		_, ok := p.to.Table(t.Name)
		return ok
	}
	for _, t := range p.from.Tables {
		if !kept(t) {
			continue
		}
		for _, pol := range t.Policies {
			if gone[pol] {
				continue
			}
			comment := ""
			switch {
			case p.typeTables[t.Name]:
				comment = again
			case mentions(pol.Using, p.rebuilt) || mentions(pol.Check, p.rebuilt):
				comment = rebuiltComment
			default:
				continue
			}
			p.drops = append(p.drops, dialect.Step{SQL: dropPolicy(t.Name, pol), Comment: comment})
			p.latePolicies = append(p.latePolicies, policySteps(t.Name, pol)...)
		}
	}
	dropped := map[*schema.Trigger]bool{}
	for _, c := range changes {
		if c, ok := c.(*diff.DropTrigger); ok {
			dropped[c.T] = true
		}
	}
	for _, tr := range p.from.Triggers {
		if dropped[tr] {
			continue
		}
		comment := ""
		switch {
		case dependents[tr.Table] || byRoutine[tr.Table]:
			// Dropped with its view.
		case p.typeTables[tr.Table] && hasWhen(tr.Def):
			comment = again
		case mentions(tr.Def, p.rebuilt):
			comment = rebuiltComment
		default:
			continue
		}
		if comment != "" {
			p.drops = append(p.drops, dialect.Step{SQL: dropTrigger(tr), Comment: comment})
		}
		p.late = append(p.late, tr)
	}
}

// recreateLate creates again, after the views, the triggers and policies
// that dropPolicies dropped or that went with their views.
func (p *planner) recreateLate() {
	p.views = append(p.views, p.latePolicies...)
	for _, tr := range p.late {
		p.views = append(p.views, steps(triggerSteps(tr))...)
	}
}

// hasWhen reports whether a trigger definition (as pg_get_triggerdef
// writes it) has a WHEN condition.
func hasWhen(def string) bool {
	for _, t := range sqltok.Tokenize(def, lexPG) {
		if t.Is("WHEN") {
			return true
		}
		if t.Is("EXECUTE") {
			return false
		}
	}
	return false
}

// addPolicies plans row-level security of new tables (the switches with
// the table, the policies with the views) and the new or changed policies
// of modified tables: after every table, column, function and view a
// policy's expressions may name.
func (p *planner) addPolicies(added []*schema.Table, mods []*diff.ModifyTable) {
	for _, t := range added {
		p.creates = append(p.creates, steps(rowSecurity(nil, t))...)
		for _, pol := range t.Policies {
			p.views = append(p.views, policySteps(t.Name, pol)...)
		}
	}
	for _, mt := range mods {
		for _, c := range mt.Changes {
			if c, ok := c.(*diff.AddPolicy); ok {
				p.views = append(p.views, policySteps(mt.To.Name, c.P)...)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
