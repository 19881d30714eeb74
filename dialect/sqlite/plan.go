package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Plan turns changes into SQLite statements. SQLite can add and drop
// columns, indexes, views and triggers natively; for anything else (a
// changed foreign key, check, primary key, column type, nullability,
// default, collation, UNIQUE constraint or table option) the table is
// rebuilt: created anew under a temporary name, its rows copied with their
// rowids, the old table dropped, the new one renamed, and its indexes
// recreated; its triggers are recreated after the last table change. Views
// and triggers elsewhere that name a rebuilt table (or a view the diff
// drops) are dropped before and recreated after, since SQLite refuses the
// rename, and DROP COLUMN, while any of them points at a missing table.
//
// The plan relies on the envelope of Transact: with foreign_keys on,
// dropping a parent table would fire ON DELETE actions on its children.
func (d *Dialect) Plan(_ context.Context, from, to *schema.Schema, changes []diff.Change) (*dialect.Plan, error) {
	p := &planner{d: d, from: from, to: to, plan: &dialect.Plan{}}
	return p.run(constraintRenames(from, to, changes))
}

type planner struct {
	d        *Dialect
	from, to *schema.Schema
	plan     *dialect.Plan

	rebuilt       map[string]bool // lower-case names of rebuilt tables
	dropsColumn   bool            // some table drops a column natively
	droppedViews  map[string]bool
	droppedTrigs  map[string]bool
	addedTriggers map[string]bool
	earlyIndexes  map[string]bool // indexes dropped first: another table takes the name
	narrowed      map[string]bool // lower-case names of tables with a narrowed column
}

func (p *planner) add(s dialect.Step) { p.plan.Steps = append(p.plan.Steps, s) }

func (p *planner) run(changes []diff.Change) (*dialect.Plan, error) {
	p.rebuilt = map[string]bool{}
	p.droppedViews = map[string]bool{}
	p.droppedTrigs = map[string]bool{}
	p.addedTriggers = map[string]bool{}
	lastModify := -1
	for i, c := range changes {
		switch c := c.(type) {
		case *diff.ModifyTable:
			lastModify = i
		case *diff.DropView:
			p.droppedViews[fold(c.V.Name)] = true
		case *diff.DropTrigger:
			p.droppedTrigs[fold(c.T.Name)] = true
		case *diff.AddTrigger:
			p.addedTriggers[fold(c.T.Name)] = true
		}
	}
	for _, c := range changes {
		if mt, ok := c.(*diff.ModifyTable); ok {
			if p.needsRebuild(mt) {
				p.rebuilt[fold(mt.To.Name)] = true
			} else if slices.ContainsFunc(mt.Changes, func(c diff.Change) bool { _, ok := c.(*diff.DropColumn); return ok }) {
				p.dropsColumn = true
			}
		}
	}
	depViews, depTrigs := p.dependents()
	// Renames first: the rest of the plan names the new names.
	p.renames(changes)
	// Values a narrowed column would change stop the plan before it
	// changes anything.
	p.narrowed = p.narrowChecks(changes)
	for _, name := range p.movedIndexes(changes) {
		p.add(dialect.Step{SQL: "DROP INDEX " + quote(name),
			Comment: "the name is taken by an index on another table below"})
	}

	firstModify := true
	for i, c := range changes {
		switch c := c.(type) {
		case *diff.DropTrigger:
			p.add(dialect.Step{SQL: "DROP TRIGGER " + quote(c.T.Name)})
		case *diff.DropView:
			p.add(dialect.Step{SQL: "DROP VIEW " + quote(c.V.Name)})
		case *diff.AddTable:
			t := p.d.naming.NameConstraints(c.T)
			p.add(dialect.Step{SQL: createTable(t, t.Name)})
			for _, ix := range t.Indexes {
				if !ix.Constraint {
					p.add(dialect.Step{SQL: createIndex(t.Name, ix)})
				}
			}
		case *diff.ModifyTable:
			if firstModify {
				firstModify = false
				// Dependents go before any rebuild; triggers first, since
				// dropping a view drops its INSTEAD OF triggers.
				for _, tr := range depTrigs {
					p.add(dialect.Step{SQL: "DROP TRIGGER " + quote(tr.Name), Rebuild: true,
						Comment: "dropped while tables it names are rebuilt; recreated below"})
				}
				for i := len(depViews) - 1; i >= 0; i-- {
					p.add(dialect.Step{SQL: "DROP VIEW " + quote(depViews[i].Name), Rebuild: true,
						Comment: "dropped while tables it names are rebuilt; recreated below"})
				}
			}
			if p.rebuilt[fold(c.To.Name)] {
				p.rebuild(c)
			} else if err := p.native(c); err != nil {
				return nil, err
			}
			if i == lastModify {
				for _, v := range depViews {
					p.add(dialect.Step{SQL: endLine(v.Def), Rebuild: true})
				}
				// The triggers of rebuilt tables come back only now: one
				// that names another rebuilt table would make that table's
				// rename fail while it is missing.
				for _, tr := range p.to.Triggers {
					if p.rebuilt[fold(tr.Table)] && !p.addedTriggers[fold(tr.Name)] {
						p.add(dialect.Step{SQL: endLine(tr.Def), Rebuild: true})
					}
				}
				for _, tr := range depTrigs {
					if !p.rebuilt[fold(tr.Table)] {
						p.add(dialect.Step{SQL: endLine(tr.Def), Rebuild: true})
					}
				}
			}
		case *diff.DropTable:
			p.add(dialect.Step{SQL: "DROP TABLE " + quote(c.T.Name), Destructive: true})
		case *diff.AddView:
			p.add(dialect.Step{SQL: endLine(c.V.Def)})
		case *diff.AddTrigger:
			p.add(dialect.Step{SQL: endLine(c.T.Def)})
		case *diff.RenameTable, *diff.RenameColumn, *diff.RenameIndex:
			// planned first (renames)
		default:
			return nil, fmt.Errorf("sqlite: plan: unexpected change %T", c)
		}
	}
	return p.plan, nil
}

// movedIndexes returns the indexes that go away from one table while an
// index of the same name is created on another (index names are global in
// SQLite), so that they are dropped before any table is created or changed.
// It records them in p.earlyIndexes.
func (p *planner) movedIndexes(changes []diff.Change) []string {
	created := map[string]string{} // index name → table, lower case
	for _, c := range changes {
		var t *schema.Table
		var ixs []*schema.Index
		switch c := c.(type) {
		case *diff.AddTable:
			t, ixs = c.T, c.T.Indexes
		case *diff.ModifyTable:
			t = c.To
			if p.rebuilt[fold(t.Name)] {
				ixs = t.Indexes
			}
			for _, tc := range c.Changes {
				if a, ok := tc.(*diff.AddIndex); ok {
					ixs = append(ixs, a.I)
				}
			}
		}
		for _, ix := range ixs {
			if !ix.Constraint && ix.Name != "" {
				created[fold(ix.Name)] = fold(t.Name)
			}
		}
	}
	p.earlyIndexes = map[string]bool{}
	var out []string
	take := func(table string, ix *schema.Index) {
		n := fold(ix.Name)
		if other, ok := created[n]; ok && other != fold(table) && !ix.Constraint && !p.earlyIndexes[n] {
			p.earlyIndexes[n] = true
			out = append(out, ix.Name)
		}
	}
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.DropTable:
			for _, ix := range c.T.Indexes {
				take(c.T.Name, ix)
			}
		case *diff.ModifyTable:
			for _, tc := range c.Changes {
				if d, ok := tc.(*diff.DropIndex); ok {
					take(c.From.Name, d.I)
				}
			}
		}
	}
	return out
}

// dependents returns the views and triggers of the current schema that must
// be dropped before the first table change and created again after the
// last: SQLite's ALTER TABLE RENAME (the end of a rebuild) and DROP COLUMN
// check every view and trigger of the schema and fail on one that names a
// missing table or view. Missing, at some point, are the rebuilt tables and
// the views the diff drops. Views and triggers the diff drops anyway are
// left out; so are triggers on a rebuilt table that name no other missing
// object (DROP TABLE takes those; they are created again with the others
// of the rebuilt tables).
func (p *planner) dependents() (views []*schema.View, trigs []*schema.Trigger) {
	if len(p.rebuilt) == 0 && !p.dropsColumn {
		return nil, nil
	}
	names := map[string]bool{}
	for n := range p.rebuilt {
		names[n] = true
	}
	for n := range p.droppedViews {
		names[n] = true
	}
	dep := map[*schema.View]bool{}
	for changed := true; changed; {
		changed = false
		for _, v := range p.from.Views {
			if dep[v] || p.droppedViews[fold(v.Name)] {
				continue
			}
			if mentions(v.Def, names) {
				dep[v] = true
				names[fold(v.Name)] = true
				changed = true
			}
		}
	}
	for _, v := range p.from.Views {
		if dep[v] {
			views = append(views, v)
		}
	}
	for _, tr := range p.from.Triggers {
		lt := fold(tr.Table)
		if p.droppedTrigs[fold(tr.Name)] {
			continue
		}
		if p.rebuilt[lt] {
			others := maps.Clone(names)
			delete(others, lt)
			if mentions(tr.Def, others) {
				trigs = append(trigs, tr)
			}
			continue
		}
		if names[lt] || mentions(tr.Def, names) {
			trigs = append(trigs, tr)
		}
	}
	return views, trigs
}

// needsRebuild reports whether SQLite's ALTER TABLE cannot make the change.
func (p *planner) needsRebuild(mt *diff.ModifyTable) bool {
	added := map[string]bool{}
	for _, c := range mt.Changes {
		if a, ok := c.(*diff.AddColumn); ok {
			added[fold(a.C.Name)] = true
		}
	}
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.RenameIndex:
			return true // a UNIQUE constraint (constraintRenames)
		case *diff.AddIndex:
			if c.I.Constraint {
				return true
			}
		case *diff.DropIndex:
			if c.I.Constraint {
				return true
			}
		case *diff.AddColumn:
			if !canAddColumn(mt.To, c.C) {
				return true
			}
		case *diff.DropColumn:
			if !p.canDropColumn(mt.From, c.C) {
				return true
			}
		case *diff.AddForeignKey:
			// ADD COLUMN … REFERENCES is the only FK SQLite can add.
			if len(c.FK.Columns) != 1 || !added[fold(c.FK.Columns[0])] {
				return true
			}
			if col, ok := mt.To.Column(c.FK.Columns[0]); !ok || (col.Default != "" && !strings.EqualFold(col.Default, "NULL")) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// canAddColumn applies the rules of SQLite's ALTER TABLE ADD COLUMN.
func canAddColumn(t *schema.Table, c *schema.Column) bool {
	if t.PrimaryKey != nil && slices.ContainsFunc(t.PrimaryKey.Columns, func(s string) bool { return sameName(s, c.Name) }) {
		return false
	}
	if c.Generated != nil {
		return !c.Generated.Stored
	}
	def := strings.TrimSpace(c.Default)
	up := strings.ToUpper(def)
	if strings.HasPrefix(def, "(") || strings.HasPrefix(up, "CURRENT_") {
		return false
	}
	if c.NotNull && (def == "" || up == "NULL") {
		return false
	}
	return !c.AutoIncrement
}

// canDropColumn applies the rules of SQLite's ALTER TABLE DROP COLUMN: the
// column must not be part of a key, index, foreign key, check, generated
// column, view or trigger.
func (p *planner) canDropColumn(t *schema.Table, c *schema.Column) bool {
	name := map[string]bool{fold(c.Name): true}
	eq := func(s string) bool { return sameName(s, c.Name) }
	if t.PrimaryKey != nil && slices.ContainsFunc(t.PrimaryKey.Columns, eq) {
		return false
	}
	for _, ix := range t.Indexes {
		if mentions(ix.Where, name) {
			return false
		}
		for _, part := range ix.Parts {
			if eq(part.Column) || mentions(part.Expr, name) {
				return false
			}
		}
	}
	for _, fk := range t.ForeignKeys {
		if slices.ContainsFunc(fk.Columns, eq) {
			return false
		}
	}
	for _, other := range p.from.Tables {
		for _, fk := range other.ForeignKeys {
			if sameName(fk.RefTable, t.Name) && slices.ContainsFunc(fk.RefColumns, eq) {
				return false
			}
		}
	}
	for _, ck := range t.Checks {
		if mentions(ck.Expr, name) {
			return false
		}
	}
	for _, col := range t.Columns {
		if col.Generated != nil && mentions(col.Generated.Expr, name) {
			return false
		}
	}
	for _, v := range p.from.Views {
		if !p.droppedViews[fold(v.Name)] && mentions(v.Def, name) {
			return false
		}
	}
	for _, tr := range p.from.Triggers {
		if !p.droppedTrigs[fold(tr.Name)] && mentions(tr.Def, name) {
			return false
		}
	}
	return true
}

// native plans a table change with ALTER TABLE, DROP INDEX and CREATE INDEX.
func (p *planner) native(mt *diff.ModifyTable) error {
	table := quote(mt.To.Name)
	fkFor := map[string]*schema.ForeignKey{}
	named := p.d.naming.NameConstraints(mt.To)
	for _, fk := range named.ForeignKeys {
		if len(fk.Columns) == 1 {
			fkFor[fold(fk.Columns[0])] = fk
		}
	}
	var adds []dialect.Step
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.DropIndex:
			if !p.earlyIndexes[fold(c.I.Name)] {
				p.add(dialect.Step{SQL: "DROP INDEX " + quote(c.I.Name)})
			}
		case *diff.DropColumn:
			p.add(dialect.Step{SQL: "ALTER TABLE " + table + " DROP COLUMN " + quote(c.C.Name), Destructive: true})
		case *diff.AddColumn:
			sql := "ALTER TABLE " + table + " ADD COLUMN " + columnDef(c.C, nil)
			if fk, ok := fkFor[fold(c.C.Name)]; ok && p.newFK(mt, fk) {
				sql += " " + constraintName(fk.Name) + references(fk)
			}
			p.add(dialect.Step{SQL: sql})
		case *diff.AddIndex:
			adds = append(adds, dialect.Step{SQL: createIndex(mt.To.Name, c.I)})
		case *diff.AddForeignKey:
			// Written inline with its ADD COLUMN above.
		default:
			return fmt.Errorf("sqlite: plan: %T on %s needs a rebuild", c, mt.To.Name)
		}
	}
	p.plan.Steps = append(p.plan.Steps, adds...)
	return nil
}

// newFK reports whether fk (named) is one the diff adds.
func (p *planner) newFK(mt *diff.ModifyTable, fk *schema.ForeignKey) bool {
	for _, c := range mt.Changes {
		if a, ok := c.(*diff.AddForeignKey); ok && slices.EqualFunc(a.FK.Columns, fk.Columns, sameName) &&
			sameName(a.FK.RefTable, fk.RefTable) {
			return true
		}
	}
	return false
}
