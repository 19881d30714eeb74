package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Plan turns changes into MySQL statements, in this order:
//
//  0. the checks that can refuse the change, each a statement that fails
//     with the count and examples of the rows at fault: rows whose value a
//     narrowed column type would not keep, orphan rows of every foreign key
//     added or swapped, duplicate keys of every unique index or primary key
//     added, rows that every CHECK added refuses, where the database has
//     the columns already; so a refused plan has changed nothing;
//  1. triggers and views that go away or change are dropped;
//  2. foreign keys that go away or change are dropped (ALTER TABLE … DROP
//     FOREIGN KEY), and so are those a column-type, primary-key or index
//     change on either of their sides would break (errors 1553, 1832,
//     1833); these are added again in step 5; a key that changes only in
//     its actions or name, or that moves to another target on the same
//     columns, and that nothing endangers, stays until step 5;
//  3. new tables are created, parents first, with the foreign keys to
//     tables that exist by then and that this plan does not change;
//  4. each changed table is altered: options, checks dropped, columns
//     moved, added and modified, indexes added, the primary key, indexes
//     dropped (a redefined index is dropped and added in one ALTER, so
//     that a foreign key always has its index), columns dropped, checks
//     added;
//  5. foreign keys that change only in actions or name, or in target, are
//     replaced in place (see swapFK); the others are added after their
//     orphan check when it could not run in step 0: in place with the
//     orphan check again after it on a table that exists (see
//     addFKOnline), ALTER TABLE … ADD CONSTRAINT on a new one;
//  6. tables that go away are dropped, children first;
//  7. views and triggers are created;
//  8. routines that go away are dropped.
//
// Routines (procedures, functions, events) that are new or redefined are
// created after step 1, before the tables, views and triggers that may
// call them. Triggers and routines are created under the sql_mode and
// client character set they were defined with (SET before, restored
// after). A partitioning change is ALTER TABLE … PARTITION BY (or REMOVE
// PARTITIONING), which copies the table; partitioning a table that has
// or is the target of foreign keys is refused, as InnoDB refuses it.
//
// Constraints the desired schema leaves unnamed keep the name they have
// in the database; new ones are named by the naming convention. A foreign
// key whose name the server made up (t_ibfk_1; 1, 2, … on MariaDB 12.1+)
// is dropped by the name the database has when the statement runs, looked
// up in information_schema, since the server that ran an older migration
// may have named it differently.
func (d *Dialect) Plan(_ context.Context, from, to *schema.Schema, changes []diff.Change) (*dialect.Plan, error) {
	p := &planner{
		d: d, srv: d.Server(), from: from, to: to,
		named:     map[string]*schema.Table{},
		newTables: map[string]bool{},
		modified:  map[string]*diff.ModifyTable{},
		dropped:   map[string]bool{},
		adds:      map[string][]fkAdd{},
		dropping:  map[string]bool{},
		swapping:  map[string]bool{},
		checked:   map[string]bool{},
	}
	return p.run(changes)
}

type planner struct {
	d        *Dialect
	srv      *Server
	from, to *schema.Schema
	steps    []dialect.Step

	named     map[string]*schema.Table // to-tables with every constraint named
	newTables map[string]bool
	modified  map[string]*diff.ModifyTable
	dropped   map[string]bool // tables dropped

	dropping map[string]bool // table\x00fk identity: dropped in step 2
	swapping map[string]bool // table\x00fk identity: swapped in step 5
	aff      map[string]*affected
	early    []dialect.Step     // checks that run before anything else
	checked  map[string]bool    // table\x00fk identity: checked early
	adds     map[string][]fkAdd // per table: foreign keys added in step 5
	addOrder []string           // tables in the order their adds were planned

	madeTables []string // new tables created so far

	narrowed map[string]bool // table\x00column (lower case) whose type narrows
}

type fkAdd struct {
	table   string
	fk      *schema.ForeignKey
	comment string
	check   bool // count orphan rows first
}

func (p *planner) add(s dialect.Step) { p.steps = append(p.steps, s) }

func alter(table string) string { return "ALTER TABLE " + quote(table) + " " }

// lower is the key of a column, index or constraint name, which MySQL
// compares ignoring case (docs/case-rules.md).
func lower(s string) string { return strings.ToLower(s) }

// rules returns the case rules of the schemas compared: from's, or to's
// when from was built by hand.
func (p *planner) rules() schema.CaseRules {
	if p.from.Case != (schema.CaseRules{}) {
		return p.from.Case
	}
	return p.to.Case
}

// tk is the key of a table, view or trigger name, which the server
// compares as lower_case_table_names says.
func (p *planner) tk(name string) string { return p.rules().Tables.Key(name) }

func (p *planner) fkKey(table string, fk *schema.ForeignKey) string {
	return p.tk(table) + "\x00" + lower(strings.Join(fk.Columns, ",")) + "\x00" + p.tk(fk.RefSchema) + "." +
		p.tk(fk.RefTable) + "\x00" + lower(strings.Join(fk.RefColumns, ","))
}

func (p *planner) sameFK(a, b *schema.ForeignKey) bool {
	return slices.EqualFunc(a.Columns, b.Columns, strings.EqualFold) && p.rules().Tables.Equal(a.RefTable, b.RefTable) &&
		p.rules().Tables.Equal(a.RefSchema, b.RefSchema) && slices.EqualFunc(a.RefColumns, b.RefColumns, strings.EqualFold)
}

func sameExpr(a, b string) bool {
	return sqltok.Normalize(a, lexMySQL) == sqltok.Normalize(b, lexMySQL)
}

func describe(t *schema.Table, c diff.Change) string {
	lines := diff.Describe([]diff.Change{&diff.ModifyTable{From: t, To: t, Changes: []diff.Change{c}}})
	return strings.Join(lines, "\n")
}

// namedTable returns to-table t with its unnamed foreign keys and checks
// named: by the name of the database's constraint of the same definition
// (reflected names are kept), else by the naming convention.
func (p *planner) namedTable(t *schema.Table) *schema.Table {
	if n, ok := p.named[p.tk(t.Name)]; ok {
		return n
	}
	cp := *t
	old, _ := p.from.Table(t.Name)
	cp.ForeignKeys = make([]*schema.ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		c := *fk
		if c.Name == "" && old != nil {
			for _, o := range old.ForeignKeys {
				// A name the server made up is replaced by the
				// convention's when the key is added again.
				if p.sameFK(o, fk) && o.Name != "" && !serverFKName(t.Name, o.Name) {
					c.Name = o.Name
					break
				}
			}
		}
		cp.ForeignKeys[i] = &c
	}
	cp.Checks = make([]*schema.Check, len(t.Checks))
	for i, ck := range t.Checks {
		c := *ck
		if c.Name == "" && old != nil {
			for _, o := range old.Checks {
				if o.Name != "" && sameExpr(o.Expr, ck.Expr) && !p.columnCheck(old, o) {
					c.Name = o.Name
					break
				}
			}
		}
		cp.Checks[i] = &c
	}
	n := p.d.naming.NameConstraints(&cp)
	p.named[p.tk(t.Name)] = n
	return n
}

// namedFK returns fk of to-table t with its name.
func (p *planner) namedFK(t *schema.Table, fk *schema.ForeignKey) *schema.ForeignKey {
	n := p.namedTable(t)
	for _, o := range n.ForeignKeys {
		if p.sameFK(o, fk) {
			return o
		}
	}
	return fk
}

// columnCheck reports whether c is a MariaDB column CHECK of t: it is
// named after a column and lives in that column's definition, so that
// DROP CONSTRAINT cannot reach it and MODIFY COLUMN removes it.
func (p *planner) columnCheck(t *schema.Table, c *schema.Check) bool {
	if p.srv != nil && !p.srv.MariaDB {
		return false
	}
	_, ok := t.Column(c.Name)
	return ok && c.Name != ""
}

func (p *planner) run(changes []diff.Change) (*dialect.Plan, error) {
	if err := p.sortTables(changes); err != nil {
		return nil, err
	}
	if err := p.checkPartitions(changes); err != nil {
		return nil, err
	}
	// Values a narrowed column would change stop the plan before it
	// changes anything.
	p.narrowed = p.narrowChecks(changes)
	// 1. Triggers and views; then routines that are new or redefined,
	// before anything that may call them.
	p.dropViewsAndTriggers(changes)
	p.routinesFirst(changes)
	// 2. Foreign keys that go away, change, or are in the way.
	p.findEndangered()
	swaps := p.foreignKeysFirst(changes)
	p.dependentFKs()
	p.dropCycleFKs(changes)
	// 3. New tables.
	for _, c := range changes {
		if at, ok := c.(*diff.AddTable); ok {
			p.createTable(at.T)
		}
	}
	// 4. Changed tables.
	for _, c := range changes {
		if mt, ok := c.(*diff.ModifyTable); ok {
			p.alterTable(mt)
		}
	}
	// 5. Foreign keys swapped and added.
	for _, sw := range swaps {
		p.swapFK(sw)
	}
	p.addForeignKeys()
	// 6. Tables dropped.
	for _, c := range changes {
		if dt, ok := c.(*diff.DropTable); ok {
			p.add(dialect.Step{SQL: "DROP TABLE " + quote(dt.T.Name), Destructive: true})
		}
	}
	// 7. Views and triggers; 8. routines that go away, once nothing calls
	// them.
	p.createViewsAndTriggers(changes)
	p.dropRoutines(changes)
	// Every orphan-row, duplicate-key and CHECK violation check that can
	// run on the database as it is runs before the first statement, so
	// that a refusal changes nothing.
	p.steps = slices.Concat(p.renameSteps(changes), p.early, p.steps)
	return &dialect.Plan{Steps: p.steps}, nil
}

// sortTables records the tables added, changed and dropped, and refuses
// the changes MySQL has no object for.
func (p *planner) sortTables(changes []diff.Change) error {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.AddTable:
			p.newTables[p.tk(c.T.Name)] = true
		case *diff.ModifyTable:
			p.modified[p.tk(c.To.Name)] = c
		case *diff.DropTable:
			p.dropped[p.tk(c.T.Name)] = true
		case *diff.AddEnum, *diff.DropEnum, *diff.ModifyEnum, *diff.AddSequence, *diff.DropSequence, *diff.ModifySequence:
			return fmt.Errorf("mysql: %s: MySQL has no enum types or sequences", diff.Describe([]diff.Change{c})[0])
		}
	}
	return nil
}

func (p *planner) dropViewsAndTriggers(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.DropTrigger:
			p.add(dialect.Step{SQL: "DROP TRIGGER " + quote(c.T.Name)})
		case *diff.DropView:
			p.add(dialect.Step{SQL: "DROP VIEW " + quote(c.V.Name)})
		}
	}
}

// routinesFirst drops the routines that are redefined and creates the new
// and redefined ones.
func (p *planner) routinesFirst(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.DropRoutine:
			if _, redefined := p.to.Routine(c.R.Kind, c.R.Name); redefined {
				p.add(dialect.Step{SQL: dropRoutine(c.R), Comment: strings.ToLower(c.R.Kind) + " " + c.R.Name + " redefined"})
			}
		case *diff.AddRoutine:
			p.steps = append(p.steps, sessionSteps(wrapCompound(c.R.Def), c.R.Session, p.srv)...)
		}
	}
}

// foreignKeysFirst drops the foreign keys that go away or change, and
// schedules the ones added. A key that changes in its actions or name
// only, or in its target, and that nothing else in the plan endangers, is
// swapped in place in step 5 instead: those are returned.
func (p *planner) foreignKeysFirst(changes []diff.Change) []fkSwap {
	var swaps []fkSwap
	for _, c := range changes {
		mt, ok := c.(*diff.ModifyTable)
		if !ok {
			continue
		}
		retargets := p.retargets(mt)
		for _, tc := range mt.Changes {
			switch tc := tc.(type) {
			case *diff.DropForeignKey:
				if add := retargets[tc]; add != nil {
					fk := *p.namedFK(mt.To, add.FK)
					p.swapping[p.fkKey(mt.From.Name, tc.FK)] = true
					swaps = append(swaps, fkSwap{table: mt.To.Name, from: tc.FK, to: &fk, retarget: true,
						comment: describe(mt.To, tc) + "\n" + describe(mt.To, add)})
					continue
				}
				p.dropFK(mt.From.Name, tc.FK, describe(mt.To, tc))
			case *diff.ModifyForeignKey:
				if sw, ok := p.modifyFK(mt, tc); ok {
					swaps = append(swaps, sw)
				}
			case *diff.AddForeignKey:
				if slices.ContainsFunc(swaps, func(sw fkSwap) bool {
					return sw.retarget && p.sameFK(sw.to, tc.FK) && p.rules().Tables.Equal(sw.table, mt.To.Name)
				}) {
					continue
				}
				p.scheduleAdd(fkAdd{table: mt.To.Name, fk: p.namedFK(mt.To, tc.FK), check: true})
			}
		}
	}
	return swaps
}

// modifyFK returns the swap of a foreign key whose actions or name change,
// or drops the key and schedules it again when the plan endangers it.
func (p *planner) modifyFK(mt *diff.ModifyTable, tc *diff.ModifyForeignKey) (fkSwap, bool) {
	fk := *p.namedFK(mt.To, tc.To)
	if _, bad := p.endangered(mt.From.Name, tc.From); !bad {
		p.swapping[p.fkKey(mt.From.Name, tc.From)] = true
		return fkSwap{table: mt.To.Name, from: tc.From, to: &fk, comment: describe(mt.To, tc)}, true
	}
	p.dropFK(mt.From.Name, tc.From, describe(mt.To, tc))
	p.scheduleAdd(fkAdd{table: mt.To.Name, fk: &fk, check: true})
	return fkSwap{}, false
}

// dropCycleFKs drops first the foreign keys between tables dropped: tables
// dropped children first cannot be dropped when they reference each other
// in a cycle, so the keys that point at a table dropped earlier go first.
func (p *planner) dropCycleFKs(changes []diff.Change) {
	var droppedOrder []string
	for _, c := range changes {
		dt, ok := c.(*diff.DropTable)
		if !ok {
			continue
		}
		for _, fk := range dt.T.ForeignKeys {
			if fk.RefSchema == "" && slices.Contains(droppedOrder, p.tk(fk.RefTable)) && !p.dropping[p.fkKey(dt.T.Name, fk)] {
				p.dropFK(dt.T.Name, fk, fmt.Sprintf("%s: foreign key %s is dropped first: %s references %s and the other way round",
					dt.T.Name, fk.Name, dt.T.Name, fk.RefTable))
			}
		}
		droppedOrder = append(droppedOrder, p.tk(dt.T.Name))
	}
}

// addForeignKeys adds the foreign keys scheduled, per table in the order
// they were planned, by name, each after its orphan check when it could
// not run before the plan.
func (p *planner) addForeignKeys() {
	for _, table := range p.addOrder {
		adds := p.adds[table]
		slices.SortStableFunc(adds, func(a, b fkAdd) int { return strings.Compare(lower(a.fk.Name), lower(b.fk.Name)) })
		for _, a := range adds {
			if !a.check {
				p.add(dialect.Step{SQL: alter(a.table) + "ADD " + fkClause(a.fk), Comment: a.comment})
				continue
			}
			if !p.checkEarly(a.table, a.fk) {
				p.add(dialect.Step{SQL: orphanCheck(a.table, a.fk), Comment: orphanComment(a.table, a.fk)})
			}
			p.addFKOnline(a)
		}
	}
}

func (p *planner) createViewsAndTriggers(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.AddView:
			p.add(dialect.Step{SQL: c.V.Def})
		case *diff.AddTrigger:
			p.steps = append(p.steps, sessionSteps(wrapCompound(c.T.Def), c.T.Session, p.srv)...)
		}
	}
}

// dropRoutines drops the routines that go away (not the redefined ones).
func (p *planner) dropRoutines(changes []diff.Change) {
	for _, c := range changes {
		if c, ok := c.(*diff.DropRoutine); ok {
			if _, redefined := p.to.Routine(c.R.Kind, c.R.Name); !redefined {
				p.add(dialect.Step{SQL: dropRoutine(c.R)})
			}
		}
	}
}

// createTable creates t with the foreign keys whose parents exist by now
// with the referenced columns indexed and unchanged; the others are added
// in step 5.
func (p *planner) createTable(t *schema.Table) {
	n := p.namedTable(t)
	sql := createTable(n, func(fk *schema.ForeignKey) bool {
		ref := p.tk(fk.RefTable)
		switch {
		case fk.RefSchema != "", ref == p.tk(n.Name):
			return true
		case p.newTables[ref] && slices.Contains(p.madeTables, ref):
			return true
		case !p.newTables[ref] && p.parentReady(fk):
			return true
		}
		p.scheduleAdd(fkAdd{table: n.Name, fk: fk,
			comment: fmt.Sprintf("%s: foreign key %s is added once %s is ready", n.Name, fk.Name, fk.RefTable)})
		return false
	})
	p.add(dialect.Step{SQL: sql})
	p.madeTables = append(p.madeTables, p.tk(n.Name))
}

// parentReady reports whether an existing table that fk references has an
// index on the referenced columns already, and keeps them as they are.
func (p *planner) parentReady(fk *schema.ForeignKey) bool {
	parent, ok := p.from.Table(fk.RefTable)
	if !ok || p.dropped[p.tk(fk.RefTable)] {
		return false
	}
	if mt := p.modified[p.tk(fk.RefTable)]; mt != nil {
		for _, tc := range mt.Changes {
			switch tc := tc.(type) {
			case *diff.ModifyColumn:
				if slices.ContainsFunc(fk.RefColumns, func(c string) bool { return strings.EqualFold(c, tc.From.Name) }) {
					return false
				}
			case *diff.ModifyPrimaryKey:
				return false
			case *diff.DropIndex:
				if cols, ok := tc.I.Columns(); ok && prefixOf(fk.RefColumns, cols) {
					return false
				}
			}
		}
	}
	if parent.PrimaryKey != nil && prefixOf(fk.RefColumns, parent.PrimaryKey.Columns) {
		return true
	}
	for _, ix := range parent.Indexes {
		if cols, ok := ix.Columns(); ok && prefixOf(fk.RefColumns, cols) {
			return true
		}
	}
	return false
}

// wrapCompound returns a statement that a migration file's splitter would
// cut at a ";" inside it (a trigger body with IF … END IF) between
// "-- retort:begin" and "-- retort:end" lines; other statements as they
// are.
func wrapCompound(stmt string) string {
	got, err := Split(stmt + ";\n")
	if err == nil && len(got) == 1 && got[0].SQL == stmt {
		return stmt
	}
	return "-- retort:begin\n" + stmt + "\n-- retort:end"
}
