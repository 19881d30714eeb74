package postgres

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

// Plan turns changes into PostgreSQL statements, all of them native
// ALTERs. The plan is one transaction, followed by a second one (a
// "-- retort:commit" boundary in migration files) when foreign keys are
// added to tables that already exist:
//
//  1. new enum labels (ALTER TYPE … ADD VALUE), committed before anything
//     can use them;
//  2. checks of the columns whose type narrows (a DO block that counts the
//     rows whose value would not survive the cast and raises data_exception
//     with the count and example values), and orphan checks for the foreign
//     keys to add whose columns exist already: a DO block that counts the
//     child rows without a parent and raises foreign_key_violation with the
//     count and example keys, before any lock is taken;
//  3. dropped triggers, policies and views, and the views, policies and
//     triggers that use a column whose type changes or call a routine
//     dropped and created (recreated in 7); dropped foreign keys, including those
//     whose referenced key is dropped and recreated; dropped tables,
//     children first;
//  4. new enum types and sequences; new and changed functions, procedures
//     and aggregates (CREATE OR REPLACE); new tables, parents first, with
//     their foreign keys inline when the referenced key exists already,
//     and their row-level security switches;
//  5. changed tables: DROP/ADD COLUMN, ALTER COLUMN (TYPE … USING, [SET|DROP]
//     NOT NULL, DEFAULT, identity, serial), primary keys, UNIQUE, CHECK,
//     indexes, comments;
//  6. dropped routines, sequences and types;
//  7. new and redefined views (after the views they read), triggers and
//     policies;
//  8. foreign keys: on a new table a plain ADD CONSTRAINT; on an existing
//     table ADD CONSTRAINT … NOT VALID — for a changed key in the same
//     statement as its DROP CONSTRAINT — which holds its lock for
//     milliseconds; then COMMIT, and VALIDATE CONSTRAINT in the next
//     transaction, which scans the table without blocking writers.
//
// The online routes for tables that exist (online.go; WithOnline(false)
// turns them off) drop indexes CONCURRENTLY before all that (outside any
// transaction, before what they depend on goes), and add after it: each
// VALIDATE (foreign keys, checks, the helper checks of SET NOT NULL) in a
// transaction of its own; SET NOT NULL and the helper check's drop, one
// transaction per column; the indexes of existing tables built
// CONCURRENTLY, each a step outside any transaction; a transaction that
// attaches UNIQUE and PRIMARY KEY constraints to their new indexes (ADD
// CONSTRAINT … USING INDEX), comments those indexes and adds the foreign
// keys that reference them (NOT VALID); and those keys' VALIDATEs.
func (d *Dialect) Plan(_ context.Context, from, to *schema.Schema, changes []diff.Change) (*dialect.Plan, error) {
	p := &planner{d: d, n: namer{d: d}, from: from, to: to}
	if err := p.run(changes); err != nil {
		return nil, err
	}
	return p.result(), nil
}

type planner struct {
	d        *Dialect
	n        namer
	from, to *schema.Schema

	enumValues []dialect.Step // 1
	early      []dialect.Step // 2
	drops      []dialect.Step // 3
	creates    []dialect.Step // 4
	modifies   []dialect.Step // 5
	removes    []dialect.Step // 6
	views      []dialect.Step // 7
	detaches   []dialect.Step // 3, partitions detached before anything is dropped
	attaches   []dialect.Step // 5, partitions attached once their columns are right
	owners     []dialect.Step // 5, sequences' OWNED BY, after the columns exist
	fks        []dialect.Step // 8, first transaction
	validates  []dialect.Step // 8, second transaction
	notNulls   []dialect.Step // online SET NOT NULL, after the validation of its helper check
	dropsFirst []dialect.Step // online index drops, outside any transaction, before anything they depend on goes
	concurrent []dialect.Step // online index builds, outside any transaction
	usingIndex []dialect.Step // constraints attached to the indexes built concurrently
	lateFKs    []dialect.Step // foreign keys to keys built concurrently, NOT VALID, with usingIndex
	lateValid  []dialect.Step // their VALIDATEs, one transaction each

	plainIx  map[string]map[string]bool // table → indexes that take the plain route (plainIndexes)
	lateKeys map[string][][]string      // table → keys built concurrently (planLateKeys)

	builtLate map[string]bool // table\x00index: indexes built concurrently

	created    map[string]bool // tables created by the plan
	done       map[string]bool // tables created by the steps so far
	dropKeys   map[string][][]string
	typeTables map[string]bool             // tables whose column types change
	oldEnums   []string                    // renamed enum types to drop at the end
	lateChecks map[*diff.ModifyColumn]bool // narrowing checks that need a type the plan creates
	keptSeqs   map[string]bool             // sequences of the current schema that a serial column takes over

	// Routines, triggers and policies (plan_policies.go).
	rebuilt      map[string]bool   // routines dropped and created (lower-cased names)
	newRoutines  []*schema.Routine // routines the plan creates, aggregates last
	late         []*schema.Trigger // triggers the diff keeps that are created again
	latePolicies []dialect.Step    // policies the diff keeps that are created again
}

func (p *planner) result() *dialect.Plan {
	steps := slices.Clone(p.dropsFirst)
	// group appends the steps of one or more transactions, ending the one
	// before.
	group := func(g []dialect.Step) {
		if len(g) == 0 {
			return
		}
		if n := len(steps); n > 0 && !steps[n-1].NoTx {
			steps[n-1].Commit = true
		}
		steps = append(steps, g...)
	}
	group(p.enumValues)
	group(slices.Concat(p.early, p.detaches, p.drops, p.creates, p.modifies, p.attaches, p.owners, p.removes, p.views, p.fks))
	group(p.validates)
	group(p.notNulls)
	steps = append(steps, p.concurrent...)
	group(slices.Concat(p.usingIndex, p.lateFKs))
	group(p.lateValid)
	if n := len(steps); n > 0 {
		steps[n-1].Commit = false
	}
	return &dialect.Plan{Steps: steps}
}

func alter(table string) string { return "ALTER TABLE " + quote(table) + " " }

// planInput is the changes of a plan sorted by what run does with them.
type planInput struct {
	changes             []diff.Change
	dropViews, addViews []*schema.View
	addTables, dropTabs []*schema.Table
	mods                []*diff.ModifyTable
}

func (p *planner) run(changes []diff.Change) error {
	p.created = map[string]bool{}
	p.done = map[string]bool{}
	p.dropKeys = map[string][][]string{}
	p.typeTables = map[string]bool{}
	p.keptSeqs = map[string]bool{}
	p.builtLate = map[string]bool{}
	in := planInput{changes: commentOnly(changes)}
	for _, c := range in.changes {
		switch c := c.(type) {
		case *diff.DropView:
			in.dropViews = append(in.dropViews, c.V)
		case *diff.AddView:
			in.addViews = append(in.addViews, c.V)
		case *diff.AddTable:
			in.addTables = append(in.addTables, c.T)
			p.created[tkey(c.T)] = true
		case *diff.DropTable:
			in.dropTabs = append(in.dropTabs, c.T)
		case *diff.ModifyTable:
			in.mods = append(in.mods, c)
			p.scanKeys(c)
		}
	}
	p.planNarrowing(in.changes)
	if err := p.planTypes(in.changes); err != nil {
		return err
	}
	p.planRoutines(in.changes)
	p.planLateKeys(in.mods)
	dependents, byRoutine := p.planDrops(in)

	// New tables, parents first (Compare's order).
	for _, t := range in.addTables {
		p.addTable(t)
	}
	for _, mt := range in.mods {
		if err := p.modifyTable(mt); err != nil {
			return err
		}
	}
	p.creates = p.createRoutines(p.creates, in.changes, routineAfterTables)
	p.dropRoutines(in.changes)
	p.planRemoves(in.changes)
	p.planViews(in, dependents, byRoutine)
	p.addPolicies(in.addTables, in.mods)
	p.triggerPolicyComments(in.changes)
	return nil
}

// planNarrowing plans the checks of the columns whose type narrows:
// values a narrowed column would change stop the plan before it changes
// anything; a check that casts to a type the plan creates runs in the
// same transaction just before its ALTER (changeType).
func (p *planner) planNarrowing(changes []diff.Change) {
	var newTypes []string
	for _, c := range changes {
		if c, ok := c.(*diff.AddEnum); ok {
			newTypes = append(newTypes, p.typeName(c.E))
		}
	}
	p.lateChecks = map[*diff.ModifyColumn]bool{}
	p.early = renameSteps(changes) // first: the checks name the new names
	for _, n := range dialect.Narrowed(p.d, changes) {
		elem := strings.TrimRight(baseType(n.Column.To.Type), "[]")
		if slices.ContainsFunc(newTypes, func(name string) bool { return typeIs(elem, name) }) {
			p.lateChecks[n.Column] = true
			continue
		}
		p.early = append(p.early, dialect.Step{SQL: narrowCheck(tkey(n.Table.From), n.Column, isEnum(p.from, n.Column.From.Type)), Comment: narrowComment(tkey(n.Table.From), n.Column)})
	}
}

// planTypes plans schemas, enum labels and types, sequences and the other
// types first: columns may use them.
func (p *planner) planTypes(changes []diff.Change) error {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.AddSchema:
			p.creates = append(p.creates, dialect.Step{SQL: "CREATE SCHEMA " + quote(c.Name)})
		case *diff.AddEnum:
			p.creates = append(p.creates, dialect.Step{SQL: createEnum(c.E)})
			if c.E.Comment != "" {
				p.creates = append(p.creates, dialect.Step{SQL: commentOn("TYPE", quote(qkey(c.E.Schema, c.E.Name)), c.E.Comment)})
			}
		case *diff.ModifyEnum:
			p.modifyEnum(c)
		case *diff.AddSequence:
			if p.serialSequence(c.S) {
				// A serial column's sequence that becomes one of its own:
				// it keeps its value.
				p.creates = append(p.creates, dialect.Step{SQL: "ALTER SEQUENCE " + quote(qkey(c.S.Schema, c.S.Name)) + " " + sequenceOptions(c.S)})
				break
			}
			p.creates = append(p.creates, dialect.Step{SQL: createSequence(c.S)})
			p.ownSequence(c.S)
		case *diff.ModifySequence:
			p.modifySequence(c)
		default:
			if err := p.typeChange(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// planDrops plans the triggers and views that go away, and those that
// read a table whose column types change (PostgreSQL refuses to change
// the type of a column a view uses) or call a routine that is rebuilt;
// then the foreign keys and the tables that go away (children first). It
// returns the views to create again: those that depend on a type change,
// and those that depend on a rebuilt routine.
func (p *planner) planDrops(in planInput) (dependents, byRoutine map[string]bool) {
	for _, c := range in.changes {
		switch c := c.(type) {
		case *diff.DropTrigger:
			p.drops = append(p.drops, dialect.Step{SQL: dropTrigger(c.T)})
		case *diff.DropViewIndex:
			p.drops = append(p.drops, dialect.Step{SQL: "DROP INDEX " + quote(qkey(c.V.Schema, c.I.Name))})
		}
	}
	dependents = p.dependentViews(in.dropViews)
	byRoutine = p.routineViews(in.dropViews, dependents)
	p.dropPolicies(in.changes, in.mods, dependents, byRoutine)
	dropped := map[string]bool{}
	for _, v := range in.dropViews {
		dropped[vkey(v)] = true
	}
	for i := len(p.from.Views) - 1; i >= 0; i-- {
		v := p.from.Views[i]
		switch {
		case dropped[vkey(v)]:
			p.drops = append(p.drops, dialect.Step{SQL: dropView(v)})
		case dependents[vkey(v)]:
			p.drops = append(p.drops, dialect.Step{SQL: dropView(v),
				Comment: "reads a column whose type changes; recreated below"})
		case byRoutine[v.Name]:
			p.drops = append(p.drops, dialect.Step{SQL: dropView(v), Comment: rebuiltComment})
		}
	}
	for _, v := range in.dropViews { // views the inspected order does not know
		if !slices.ContainsFunc(p.from.Views, func(o *schema.View) bool { return vkey(o) == vkey(v) }) {
			p.drops = append(p.drops, dialect.Step{SQL: dropView(v)})
		}
	}
	p.planForeignKeys(in.mods, in.dropTabs)
	for _, t := range in.dropTabs {
		p.drops = append(p.drops, dialect.Step{SQL: "DROP TABLE " + quote(tkey(t)), Destructive: true})
	}
	return dependents, byRoutine
}

// planRemoves plans the sequences, types and schemas that go away.
func (p *planner) planRemoves(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.DropSequence:
			if p.keptSeqs[qkey(c.S.Schema, c.S.Name)] {
				continue
			}
			drop := "DROP SEQUENCE "
			if c.S.OwnerTable != "" { // gone already if its column or table was dropped
				drop += "IF EXISTS "
			}
			p.removes = append(p.removes, dialect.Step{SQL: drop + quote(qkey(c.S.Schema, c.S.Name))})
		case *diff.DropEnum:
			p.removes = append(p.removes, dialect.Step{SQL: "DROP TYPE " + quote(qkey(c.E.Schema, c.E.Name))})
		case *diff.DropSchema:
			// Without CASCADE: what retort does not manage in it stops the
			// drop instead of vanishing with it.
			p.removes = append(p.removes, dialect.Step{SQL: "DROP SCHEMA " + quote(c.Name), Destructive: true})
		default:
			p.typeDrop(c)
		}
	}
	for _, name := range p.oldEnums {
		p.removes = append(p.removes, dialect.Step{SQL: "DROP TYPE " + quote(name)}) // name is a planner key
	}
}

// planViews plans the new views and those dropped to be created again, in
// the desired schema's order (views after the views they read), then the
// routines that need them, the triggers, and the indexes of materialized
// views.
func (p *planner) planViews(in planInput, dependents, byRoutine map[string]bool) {
	add := map[string]bool{}
	for _, v := range in.addViews {
		add[vkey(v)] = true
	}
	for n := range dependents {
		add[n] = true
	}
	for n := range byRoutine {
		add[n] = true
	}
	for _, v := range p.to.Views {
		if add[vkey(v)] {
			p.addView(v)
			delete(add, vkey(v))
		}
	}
	for _, v := range in.addViews {
		if add[vkey(v)] {
			p.addView(v)
		}
	}
	p.views = p.createRoutines(p.views, in.changes, routineAfterViews)
	p.recreateLate()
	for _, c := range in.changes {
		switch c := c.(type) {
		case *diff.AddViewIndex:
			if !dependents[vkey(c.V)] { // else created with the view above
				p.views = append(p.views, dialect.Step{SQL: createIndex(vkey(c.V), c.I, false)})
			}
		case *diff.AddTrigger:
			p.views = append(p.views, steps(triggerSteps(c.T))...)
		}
	}
}

// triggerPolicyComments plans the comments of the triggers and policies
// that stay, last: a trigger or policy the plan drops and creates again
// (dropPolicies) is created with its old comment.
func (p *planner) triggerPolicyComments(changes []diff.Change) {
	for _, c := range changes {
		if c, ok := c.(*diff.SetComment); ok && (c.Kind == "TRIGGER" || c.Kind == "POLICY") {
			table := quote(c.Table)
			if c.Kind == "POLICY" {
				table = quote(qkey(c.Schema, c.Table))
			}
			p.views = append(p.views, dialect.Step{SQL: commentOn(c.Kind, quote(c.Name)+" ON "+table, c.Comment)})
		}
	}
}

// ownSequence makes a new sequence owned by its column, once the column
// exists. When the column existed before the plan, the sequence goes on
// after the column's highest value, so that a default taking it does not
// hand out numbers already used (as when a sequence is renamed in the
// desired schema: retort sees a new sequence).
func (p *planner) ownSequence(q *schema.Sequence) {
	if q.OwnerTable == "" {
		return
	}
	seq, owner := qkey(q.Schema, q.Name), qkey(q.Schema, q.OwnerTable)
	col := quote(q.OwnerColumn)
	p.owners = append(p.owners, dialect.Step{SQL: "ALTER SEQUENCE " + quote(seq) + " OWNED BY " + quote(owner) + "." + col})
	t, ok := p.ownerTable(q)
	if !ok || p.created[owner] || q.Increment <= 0 {
		return
	}
	if c, ok := t.Column(q.OwnerColumn); !ok || c.Name != q.OwnerColumn {
		return
	}
	p.owners = append(p.owners, dialect.Step{
		SQL: fmt.Sprintf("SELECT setval(%s, greatest(coalesce(max(%s), 0) + 1, %d), false) FROM %s",
			literal(quote(seq)), col, q.Start, quote(owner)),
		Comment: "a new sequence for a column that has rows: it goes on after their highest value"})
}

// ownerTable returns the table of the current schema that owns sequence
// q (in q's schema when several are managed).
func (p *planner) ownerTable(q *schema.Sequence) (*schema.Table, bool) {
	if q.Schema != "" {
		return p.fromTable(qkey(q.Schema, q.OwnerTable))
	}
	return p.from.Table(q.OwnerTable)
}

// serialSequence reports whether q, a sequence the desired schema adds,
// is the sequence of a serial column of the current schema, which that
// column owns and keeps owning.
func (p *planner) serialSequence(q *schema.Sequence) bool {
	if q.OwnerTable == "" {
		return false
	}
	t, ok := p.ownerTable(q)
	if !ok || t.Name != q.OwnerTable {
		return false
	}
	c, ok := t.Column(q.OwnerColumn)
	return ok && c.Name == q.OwnerColumn && isSerial(c.Type) && objectName(t.Name, c.Name, "seq") == q.Name
}

// modifySequence changes a sequence's options and owner. A sequence that
// loses its owner does so before any table is dropped (which would drop
// it too).
func (p *planner) modifySequence(c *diff.ModifySequence) {
	from, to := *c.From, *c.To
	from.OwnerTable, from.OwnerColumn, to.OwnerTable, to.OwnerColumn = "", "", "", ""
	if sequenceOptions(&from) != sequenceOptions(&to) {
		p.creates = append(p.creates, dialect.Step{SQL: "ALTER SEQUENCE " + quote(qkey(c.To.Schema, c.To.Name)) + " " + sequenceOptions(c.To)})
	}
	if c.From.OwnerTable == c.To.OwnerTable && c.From.OwnerColumn == c.To.OwnerColumn {
		return
	}
	if c.To.OwnerTable == "" {
		p.drops = append([]dialect.Step{{SQL: "ALTER SEQUENCE " + quote(qkey(c.To.Schema, c.To.Name)) + " OWNED BY NONE"}}, p.drops...)
		return
	}
	p.owners = append(p.owners, dialect.Step{SQL: "ALTER SEQUENCE " + quote(qkey(c.To.Schema, c.To.Name)) + " OWNED BY " + quote(qkey(c.To.Schema, c.To.OwnerTable)) + "." + quote(c.To.OwnerColumn)})
}

// addView creates a view and the indexes of a materialized view.
func (p *planner) addView(v *schema.View) {
	p.views = append(p.views, steps(viewStatements(v))...)
}

// scanKeys records the keys (primary keys and unique indexes) a modified
// table loses, and whether its column types change.
func (p *planner) scanKeys(mt *diff.ModifyTable) {
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.ModifyPrimaryKey:
			if c.From != nil && !pkRenamed(c) {
				p.dropKeys[tkey(mt.From)] = append(p.dropKeys[tkey(mt.From)], c.From.Columns)
			}
		case *diff.DropIndex:
			if cols, ok := c.I.Columns(); ok && c.I.Unique {
				p.dropKeys[tkey(mt.From)] = append(p.dropKeys[tkey(mt.From)], cols)
			}
		case *diff.ModifyColumn:
			if c.What&(diff.ChangeType|diff.ChangeCollation|diff.ChangeGenerated) != 0 {
				p.typeTables[tkey(mt.From)] = true
			}
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// keyDropped reports whether the key of table on cols is dropped by the plan.
func (p *planner) keyDropped(table string, cols []string) bool {
	for _, k := range p.dropKeys[table] {
		if sameSet(k, cols) {
			return true
		}
	}
	return false
}

// keyExists reports whether table has, before the plan, a primary key or
// unique index on exactly cols that the plan keeps.
func (p *planner) keyExists(table string, cols []string) bool {
	t, ok := p.fromTable(table)
	if !ok || p.keyDropped(table, cols) {
		return false
	}
	if t.PrimaryKey != nil && sameSet(t.PrimaryKey.Columns, cols) {
		return true
	}
	for _, ix := range t.Indexes {
		if c, ok := ix.Columns(); ok && ix.Unique && ix.Where == "" && sameSet(c, cols) {
			return true
		}
	}
	return false
}

// dependentViews returns the names of the views of the current schema
// that the diff keeps but that must be dropped and recreated around a
// column type change: those that name a table whose column types change,
// or another such view.
func (p *planner) dependentViews(dropViews []*schema.View) map[string]bool {
	out := map[string]bool{}
	if len(p.typeTables) == 0 {
		return out
	}
	names := map[string]bool{}
	for t := range p.typeTables {
		names[strings.ToLower(bareName(t))] = true
	}
	dropped := map[string]bool{}
	for _, v := range dropViews {
		dropped[vkey(v)] = true
		names[strings.ToLower(v.Name)] = true
	}
	for grew := true; grew; {
		grew = false
		for _, v := range p.from.Views {
			if out[vkey(v)] || dropped[vkey(v)] {
				continue
			}
			if mentions(v.Def, names) {
				out[vkey(v)] = true
				names[strings.ToLower(v.Name)] = true
				grew = true
			}
		}
	}
	return out
}

// mentions reports whether the SQL text src names any of names (lower
// case) as an identifier.
func mentions(src string, names map[string]bool) bool {
	for _, t := range sqltok.Tokenize(src, sqltok.Options{DollarQuotes: true}) {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		if name, ok := t.Ident(); ok && names[strings.ToLower(name)] {
			return true
		}
	}
	return false
}

// fkAdd is a foreign key to add to an existing table, possibly replacing
// the constraint named drop in the same statement.
type fkAdd struct {
	table   string
	fk      *schema.ForeignKey
	drop    string
	comment string
	// checked: the key replaces a validated one with the same columns and
	// target, which vouches for the rows; the orphan count is skipped (the
	// VALIDATE stays: rows written with triggers disabled can still hide
	// orphans).
	checked bool
}

// describe returns the summary line of one change to table t.
func describe(t *schema.Table, c diff.Change) string {
	lines := diff.Describe([]diff.Change{&diff.ModifyTable{From: t, To: t, Changes: []diff.Change{c}}})
	return strings.Join(lines, "\n")
}

// planForeignKeys plans the foreign keys that the modified and dropped
// tables lose, and those the modified tables gain or change.
func (p *planner) planForeignKeys(mods []*diff.ModifyTable, dropTabs []*schema.Table) {
	var adds []fkAdd
	touched := map[string]bool{} // table\x00constraint
	for _, mt := range mods {
		named := p.n.named(mt.To)
		tk := tkey(mt.To)
		for _, c := range mt.Changes {
			switch c := c.(type) {
			case *diff.DropForeignKey:
				touched[tk+"\x00"+c.FK.Name] = true
				p.drops = append(p.drops, dialect.Step{SQL: alter(tk) + "DROP CONSTRAINT " + quote(c.FK.Name)})
			case *diff.AddForeignKey:
				fk := namedFK(mt.To, named, c.FK)
				touched[tk+"\x00"+fk.Name] = true
				adds = append(adds, fkAdd{table: tk, fk: fk, comment: describe(mt.To, c)})
			case *diff.ModifyForeignKey:
				touched[tk+"\x00"+c.From.Name] = true
				fk := namedFK(mt.To, named, c.To)
				touched[tk+"\x00"+fk.Name] = true
				switch {
				case c.What == diff.ChangeName:
					p.modifies = append(p.modifies, dialect.Step{SQL: alter(tk) + "RENAME CONSTRAINT " + quote(c.From.Name) + " TO " + quote(fk.Name)})
				case c.What == diff.ChangeValidated:
					p.validates = append(p.validates,
						dialect.Step{SQL: orphanCheck(tk, fk), Comment: orphanComment(tk, fk)},
						dialect.Step{SQL: alter(tk) + "VALIDATE CONSTRAINT " + quote(fk.Name), Commit: true})
				case p.keyDropped(p.refKey(fk), fk.RefColumns) && !p.external(fk):
					p.drops = append(p.drops, dialect.Step{SQL: alter(tk) + "DROP CONSTRAINT " + quote(c.From.Name)})
					adds = append(adds, fkAdd{table: tk, fk: fk, comment: describe(mt.To, c)})
				default:
					adds = append(adds, fkAdd{table: tk, fk: fk, drop: c.From.Name, comment: describe(mt.To, c), checked: sameTarget(c.From, fk)})
				}
			}
		}
	}
	// Keys that stay but whose referenced key is dropped and recreated.
	for _, t := range p.to.Tables {
		if p.created[tkey(t)] || len(p.dropKeys) == 0 {
			continue
		}
		for _, fk := range p.n.named(t).ForeignKeys {
			if touched[tkey(t)+"\x00"+fk.Name] || p.external(fk) || !p.keyDropped(p.refKey(fk), fk.RefColumns) {
				continue
			}
			p.drops = append(p.drops, dialect.Step{SQL: alter(tkey(t)) + "DROP CONSTRAINT " + quote(fk.Name),
				Comment: fmt.Sprintf("the key it references, %s (%s), is recreated; so is it, below", display(p.refKey(fk)), strings.Join(fk.RefColumns, ", "))})
			adds = append(adds, fkAdd{table: tkey(t), fk: fk, checked: !fk.NotValid})
		}
	}
	// Tables that are dropped lose the keys that point at tables dropped
	// before them (a cycle among dropped tables).
	order := map[string]int{}
	for i, t := range dropTabs {
		order[tkey(t)] = i
	}
	for i, t := range dropTabs {
		for _, fk := range t.ForeignKeys {
			if j, ok := order[p.refKey(fk)]; ok && !p.external(fk) && j < i {
				p.drops = append(p.drops, dialect.Step{SQL: alter(tkey(t)) + "DROP CONSTRAINT " + quote(fk.Name)})
			}
		}
	}

	for _, a := range adds {
		p.addFK(a)
	}
}

// sameTarget reports whether foreign key old, validated, has the columns
// and the target of its replacement fk.
func sameTarget(old, fk *schema.ForeignKey) bool {
	return !old.NotValid && slices.Equal(old.Columns, fk.Columns) && slices.Equal(old.RefColumns, fk.RefColumns) &&
		old.RefTable == fk.RefTable && old.RefSchema == fk.RefSchema && strings.EqualFold(old.Match, fk.Match)
}

// namedFK returns the copy of fk (an element of t.ForeignKeys) in named,
// the table with every constraint named.
func namedFK(t, named *schema.Table, fk *schema.ForeignKey) *schema.ForeignKey {
	if i := slices.Index(t.ForeignKeys, fk); i >= 0 {
		return named.ForeignKeys[i]
	}
	return fk
}

// addFK adds a foreign key to a table that exists before the plan: NOT
// VALID in the first transaction after an orphan check, VALIDATE in the
// second.
func (p *planner) addFK(a fkAdd) {
	fk := a.fk
	sql := alter(a.table)
	if a.drop != "" {
		sql += "DROP CONSTRAINT " + quote(a.drop) + ", "
	}
	sql += "ADD " + constraintFK(fk) + " NOT VALID"
	// A validated key that stays on the same columns and target vouches
	// for the rows, unless the plan changes the types of either side.
	checked := a.checked && !p.typeTables[a.table] && !p.typeTables[p.refKey(fk)]
	if !fk.NotValid && !checked {
		check := dialect.Step{SQL: orphanCheck(a.table, fk), Comment: orphanComment(a.table, fk)}
		if p.checkEarly(a) {
			p.early = append(p.early, check)
		} else if !p.external(fk) && p.lateKey(p.refKey(fk), fk.RefColumns) {
			p.lateFKs = append(p.lateFKs, check)
		} else {
			p.fks = append(p.fks, check)
		}
	}
	fks, validates := &p.fks, &p.validates
	if !p.external(fk) && p.lateKey(p.refKey(fk), fk.RefColumns) {
		// The key it references is built concurrently, after the main
		// transaction.
		fks, validates = &p.lateFKs, &p.lateValid
	}
	*fks = append(*fks, dialect.Step{SQL: sql, Comment: a.comment})
	if fk.Comment != "" {
		*fks = append(*fks, dialect.Step{SQL: constraintCommentOn(a.table, fk.Name, fk.Comment)})
	}
	if !fk.NotValid {
		*validates = append(*validates, dialect.Step{SQL: alter(a.table) + "VALIDATE CONSTRAINT " + quote(fk.Name), Commit: true})
	}
}

// checkEarly reports whether the orphan check of a can run before the
// plan changes anything: its columns exist on both sides and keep their
// types.
func (p *planner) checkEarly(a fkAdd) bool {
	has := func(table string, cols []string) bool {
		t, ok := p.fromTable(table)
		if !ok || p.typeTables[table] {
			return false
		}
		for _, c := range cols {
			if col, ok := t.Column(c); !ok || col.Name != c {
				return false
			}
		}
		return true
	}
	return has(a.table, a.fk.Columns) && (p.external(a.fk) || has(p.refKey(a.fk), a.fk.RefColumns))
}

func (p *planner) addTable(t *schema.Table) {
	t = p.n.named(t)
	var later []dialect.Step
	late := false // a key to one built concurrently: after it (lateFKs)
	p.creates = append(p.creates, dialect.Step{SQL: createTable(t, func(fk *schema.ForeignKey) bool {
		ref := p.refKey(fk)
		ready := p.external(fk) || ref == tkey(t) || p.done[ref] ||
			(!p.created[ref] && p.keyExists(ref, fk.RefColumns))
		switch {
		case ready:
		case !p.external(fk) && p.lateKey(ref, fk.RefColumns):
			late = true
			p.lateFKs = append(p.lateFKs, dialect.Step{SQL: alter(tkey(t)) + "ADD " + constraintFK(fk)})
		default:
			later = append(later, dialect.Step{SQL: alter(tkey(t)) + "ADD " + constraintFK(fk)})
		}
		return ready
	})})
	p.done[tkey(t)] = true
	for _, ck := range t.Checks {
		if ck.NotValid {
			p.creates = append(p.creates, dialect.Step{SQL: addNotValidCheck(tkey(t), ck)})
		}
	}
	for _, ix := range t.Indexes {
		if !ix.Constraint {
			p.creates = append(p.creates, dialect.Step{SQL: createIndex(tkey(t), ix, false)})
		}
	}
	if t.Comment != "" {
		p.creates = append(p.creates, dialect.Step{SQL: commentOn("TABLE", quote(tkey(t)), t.Comment)})
	}
	for _, c := range t.Columns {
		if c.Comment != "" {
			p.creates = append(p.creates, dialect.Step{SQL: commentOn("COLUMN", quote(tkey(t))+"."+quote(c.Name), c.Comment)})
		}
	}
	p.creates = append(p.creates, steps(columnOptions(t))...)
	p.creates = append(p.creates, steps(tableComments(t))...)
	// A key to a table created later, or to a key the plan adds: the new
	// table is empty, so a plain ADD CONSTRAINT after the other changes
	// scans nothing.
	p.fks = append(later, p.fks...)
	if late {
		p.lateFKs = append(p.lateFKs, steps(fkComments(t))...)
	} else {
		p.fks = append(p.fks, steps(fkComments(t))...)
	}
}
