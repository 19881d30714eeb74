package mysql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// partitionSteps returns the statements that change a table's
// partitioning from one clause to another, to run before and after the
// table's other changes. Partitions appended to a RANGE or LIST
// partitioning are added (ADD PARTITION: no copy); any other change
// repartitions the table (PARTITION BY, or REMOVE PARTITIONING), which
// copies it, and goes last. When the keys change too, the old partitioning
// is removed first, since every unique key must hold the partitioning
// columns.
func partitionSteps(table, from, to string, keys bool, comment string) (before, after []dialect.Step) {
	if from != "" && to != "" && !keys {
		if prefix := strings.TrimSuffix(from, ")") + ", "; strings.HasPrefix(to, prefix) && strings.HasSuffix(to, ")") &&
			(strings.HasPrefix(from, "PARTITION BY RANGE ") || strings.HasPrefix(from, "PARTITION BY LIST ")) {
			added := strings.TrimSuffix(strings.TrimPrefix(to, prefix), ")")
			return nil, []dialect.Step{{SQL: alter(table) + "ADD PARTITION (" + added + ")", Comment: comment + " (partitions added, no table copy)"}}
		}
	}
	copied := comment + " (the table is copied)"
	if from != "" && (to == "" || keys) {
		before = []dialect.Step{{SQL: alter(table) + "REMOVE PARTITIONING", Comment: copied}}
	}
	if to != "" {
		after = []dialect.Step{{SQL: alter(table) + to, Comment: copied}}
	}
	return before, after
}

// checkPartitions refuses a plan that partitions a table that has foreign
// keys or that another table's foreign key references: InnoDB supports
// neither (errors 1506 and 1217), and the plan would fail half-way.
func (p *planner) checkPartitions(changes []diff.Change) error {
	for _, c := range changes {
		var t *schema.Table
		switch c := c.(type) {
		case *diff.AddTable:
			t = c.T
		case *diff.ModifyTable:
			if slices.ContainsFunc(c.Changes, func(tc diff.Change) bool { _, ok := tc.(*diff.ModifyPartition); return ok }) {
				t = c.To
			}
		}
		if t == nil || t.Partition == "" {
			continue
		}
		if len(t.ForeignKeys) > 0 {
			return fmt.Errorf("mysql: %s: cannot partition a table with foreign keys (%s): InnoDB does not support foreign keys on partitioned tables", t.Name, t.ForeignKeys[0].Name)
		}
		for _, o := range p.to.Tables {
			for _, fk := range o.ForeignKeys {
				if fk.RefSchema == "" && p.rules().Tables.Equal(fk.RefTable, t.Name) {
					return fmt.Errorf("mysql: %s: cannot partition a table that foreign key %s of %s references: InnoDB does not support it", t.Name, fk.Name, o.Name)
				}
			}
		}
	}
	return nil
}

// clauses builds one ALTER TABLE statement from its clauses, which the
// server applies as a whole, run with algo.
type clauses struct {
	list        []string
	destructive bool
	algo        algorithm
}

func (c *clauses) add(clause ...string) { c.list = append(c.list, clause...) }

func (c *clauses) empty() bool { return len(c.list) == 0 }

// step returns the statement on table, with comment; a copy is said in
// the comment too.
func (c *clauses) step(table, comment string) dialect.Step {
	if c.algo == algoCopy {
		comment = joinComment(comment, copyComment(table))
	}
	return dialect.Step{SQL: alter(table) + strings.Join(c.list, ", ") + c.algo.clause(), Comment: comment, Destructive: c.destructive}
}

// alterStep returns ALTER TABLE clause on the table, run with algo.
func (a *tableAlter) alterStep(clause string, algo algorithm, comment string, destructive bool) dialect.Step {
	c := clauses{list: []string{clause}, algo: algo, destructive: destructive}
	return c.step(a.name, comment)
}

// tableAlter is the plan of one changed table: its changes sorted by kind,
// then the statements of each phase of alterTable.
type tableAlter struct {
	p        *planner
	mt       *diff.ModifyTable
	from, to *schema.Table // to has every constraint named
	name     string

	addCols, dropCols     []*schema.Column
	modCols               map[string]*diff.ModifyColumn // by lower-case name
	addIdx, dropIdx       []*schema.Index
	addChecks, dropChecks []*schema.Check
	pk                    *diff.ModifyPrimaryKey
	options               *diff.ModifyTableOptions
	partition             *diff.ModifyPartition

	droppedColumnChecks map[string]bool          // MariaDB column CHECKs dropped
	keptColumnChecks    map[string]*schema.Check // MariaDB column CHECKs kept
	remodelled          []*diff.ModifyColumn     // dropped and added again

	// pkStmt is the statement that changes the primary key, with the
	// AUTO_INCREMENT columns that change with it; afterPK runs after it.
	pkStmt  clauses
	afterPK []dialect.Step
}

// alterTable plans the changes to one table other than its foreign keys,
// in phases: the checks that run before the plan (duplicate keys, rows a
// new CHECK refuses), options, partitioning removed, checks dropped,
// columns moved, added and modified, indexes and the primary key, columns
// dropped, checks added, partitioning added.
func (p *planner) alterTable(mt *diff.ModifyTable) {
	a := p.newTableAlter(mt)
	a.nameAdded()
	a.checkEarly()
	if a.options != nil {
		p.alterOptions(a.name, a.options)
	}
	var after []dialect.Step
	if a.partition != nil {
		var before []dialect.Step
		before, after = a.partitionSteps()
		p.steps = append(p.steps, before...)
	}
	for _, c := range a.dropChecks {
		p.add(dialect.Step{SQL: alter(a.name) + p.dropCheck() + " " + quote(c.Name)})
	}
	a.moveColumns()
	a.addColumns()
	a.modifyColumns()
	a.remodel()
	a.indexesAndKey()
	for _, c := range a.dropCols {
		if a.withPK(c) {
			continue // dropped with the primary key change
		}
		p.add(a.alterStep("DROP COLUMN "+quote(c.Name), a.columnAlgorithm(c, true), "", true))
	}
	for _, c := range a.addChecks {
		p.add(dialect.Step{SQL: alter(a.name) + "ADD " + checkClause(c)})
	}
	p.steps = append(p.steps, after...)
}

// newTableAlter sorts the changes of mt by kind.
func (p *planner) newTableAlter(mt *diff.ModifyTable) *tableAlter {
	a := &tableAlter{p: p, mt: mt, from: mt.From, to: p.namedTable(mt.To),
		modCols:             map[string]*diff.ModifyColumn{},
		droppedColumnChecks: map[string]bool{},
		keptColumnChecks:    map[string]*schema.Check{},
	}
	a.name = a.to.Name
	for _, tc := range mt.Changes {
		switch tc := tc.(type) {
		case *diff.AddColumn:
			a.addCols = append(a.addCols, tc.C)
		case *diff.DropColumn:
			a.dropCols = append(a.dropCols, tc.C)
		case *diff.ModifyColumn:
			a.modCols[lower(tc.To.Name)] = tc
		case *diff.AddIndex:
			a.addIdx = append(a.addIdx, tc.I)
		case *diff.DropIndex:
			a.dropIdx = append(a.dropIdx, tc.I)
		case *diff.AddCheck:
			a.addChecks = append(a.addChecks, tc.C)
		case *diff.DropCheck:
			if p.columnCheck(a.from, tc.C) {
				a.droppedColumnChecks[lower(tc.C.Name)] = true
			} else {
				a.dropChecks = append(a.dropChecks, tc.C)
			}
		case *diff.ModifyPrimaryKey:
			a.pk = tc
		case *diff.ModifyTableOptions:
			a.options = tc
		case *diff.ModifyPartition:
			a.partition = tc
		}
	}
	for _, c := range a.from.Checks {
		if p.columnCheck(a.from, c) && !a.droppedColumnChecks[lower(c.Name)] {
			a.keptColumnChecks[lower(c.Name)] = c
		}
	}
	return a
}

// nameAdded gives unnamed UNIQUE keys the name the naming convention gave
// them, and checks theirs (AddCheck carries the desired one).
func (a *tableAlter) nameAdded() {
	for i, ix := range a.addIdx {
		if ix.Name != "" {
			continue
		}
		for _, n := range a.to.Indexes {
			if n.Unique == ix.Unique && n.Constraint == ix.Constraint && slices.Equal(n.Parts, ix.Parts) {
				a.addIdx[i] = n
				break
			}
		}
	}
	for i, c := range a.addChecks {
		for _, n := range a.to.Checks {
			if sameExpr(n.Expr, c.Expr) && (c.Name == "" || strings.EqualFold(c.Name, n.Name)) {
				a.addChecks[i] = n
				break
			}
		}
	}
}

// checkEarly adds the checks that stop the plan before its first
// statement: rows that a new unique index or primary key would refuse,
// and rows a new check refuses when it reads only columns the table has
// already.
func (a *tableAlter) checkEarly() {
	p, from := a.p, a.from
	for _, ix := range a.addIdx {
		if ix.Unique {
			p.duplicatesEarly(from, ix.Parts, "unique index "+ix.Name, false)
		}
	}
	if a.pk != nil && a.pk.To != nil && len(a.pk.To.Columns) > 0 {
		var parts []schema.IndexPart
		for _, c := range a.pk.To.Columns {
			parts = append(parts, schema.IndexPart{Column: c})
		}
		p.duplicatesEarly(from, parts, "primary key", true)
	}
	for _, c := range a.addChecks {
		if slices.ContainsFunc(a.to.Columns, func(col *schema.Column) bool {
			_, had := from.Column(col.Name)
			return !had && mentionsName(c.Expr, col.Name)
		}) {
			continue
		}
		var pkCols []string
		if from.PrimaryKey != nil {
			pkCols = from.PrimaryKey.Columns
		}
		p.early = append(p.early, dialect.Step{SQL: checkViolations(a.name, c.Name, c.Expr, pkCols),
			Comment: fmt.Sprintf("%s: rows that check %s refuses stop the migration here", a.name, c.Name)})
	}
}

// partitionSteps returns the partitioning statements that run before and
// after the table's other changes.
func (a *tableAlter) partitionSteps() (before, after []dialect.Step) {
	keys := a.pk != nil || slices.ContainsFunc(slices.Concat(a.addIdx, a.dropIdx), func(ix *schema.Index) bool { return ix.Unique })
	return partitionSteps(a.name, a.from.Partition, a.to.Partition, keys, describe(a.mt.To, a.partition))
}

// withPK reports whether column c changes in the statement that changes
// the primary key: an AUTO_INCREMENT column must be a key at the end of
// every statement, so when the primary key changes, the columns that
// gain, lose or carry AUTO_INCREMENT change in the same ALTER TABLE.
func (a *tableAlter) withPK(c *schema.Column) bool { return a.pk != nil && c.AutoIncrement }

// columnCheckOf returns the expression of the MariaDB column CHECK of
// column name in the table as it is, "" for none.
func (a *tableAlter) columnCheckOf(name string) string {
	check := ""
	for _, ck := range a.from.Checks {
		if a.p.columnCheck(a.from, ck) && strings.EqualFold(ck.Name, name) {
			check = ck.Expr
		}
	}
	return check
}

// moveColumns moves the columns that move first, as they are, each after
// the column before it in the desired table among those the table has
// already; new columns then go after theirs.
func (a *tableAlter) moveColumns() {
	for _, c := range a.to.Columns {
		mc := a.modCols[lower(c.Name)]
		if mc == nil || mc.What&diff.ChangePosition == 0 {
			continue
		}
		check := a.columnCheckOf(c.Name)
		algo := a.moveAlgorithm(mc.From)
		if check != "" && algo != algoCopy {
			algo = algoUnclaimed // a MariaDB column CHECK goes with it
		}
		a.p.add(a.alterStep("MODIFY COLUMN "+columnDef(mc.From, check)+positionAmong(a.to, c.Name, a.from), algo,
			fmt.Sprintf("%s: column %s moves", a.name, c.Name), false))
	}
}

func (a *tableAlter) addColumns() {
	for _, c := range a.addCols {
		clause := "ADD COLUMN " + columnDef(c, "") + position(a.to, c.Name)
		if a.withPK(c) {
			a.pkStmt.add(clause)
			continue
		}
		a.p.add(a.alterStep(clause, a.columnAlgorithm(c, false), "", false))
	}
}

// modifyColumns redefines columns, in table order; a MariaDB column CHECK
// goes with its column, so redefining the column keeps or drops it. A
// column that switches between generated and not, or stored and virtual,
// is remodelled instead.
func (a *tableAlter) modifyColumns() {
	for _, c := range a.to.Columns {
		mc := a.modCols[lower(c.Name)]
		checkDropped := a.droppedColumnChecks[lower(c.Name)]
		if mc != nil && mc.What&^diff.ChangePosition == 0 {
			mc = nil // moved, nothing else changes
		}
		if mc == nil && !checkDropped {
			continue
		}
		if mc != nil && mc.What&diff.ChangeGenerated != 0 && generationSwitch(mc.From, mc.To) {
			a.remodelled = append(a.remodelled, mc)
			continue
		}
		a.modifyColumn(c, mc, checkDropped)
	}
}

// modifyColumn redefines column c, changed as mc says (nil: only its
// column CHECK is dropped).
func (a *tableAlter) modifyColumn(c *schema.Column, mc *diff.ModifyColumn, checkDropped bool) {
	check := ""
	if kc := a.keptColumnChecks[lower(c.Name)]; kc != nil {
		check = kc.Expr
	}
	var comment []string
	if mc != nil {
		comment = append(comment, describe(a.mt.To, mc))
	}
	if checkDropped {
		for _, dc := range a.from.Checks {
			if strings.EqualFold(dc.Name, c.Name) {
				comment = append(comment, fmt.Sprintf("%s: check (%s) dropped: a column CHECK goes with the column's definition", a.name, dc.Expr))
			}
		}
	}
	narrowed := a.p.narrowed[lower(a.name)+"\x00"+lower(c.Name)]
	pk := a.pk
	if mc != nil && mc.What&diff.ChangeAutoIncrement != 0 && pk != nil {
		a.pkStmt.add("MODIFY COLUMN " + columnDef(c, check))
		a.pkStmt.destructive = a.pkStmt.destructive || narrowed
		return
	}
	algo := a.modifyAlgorithm(mc)
	if (checkDropped || check != "") && algo != algoCopy {
		algo = algoUnclaimed // a MariaDB column CHECK goes with it
	}
	step := a.alterStep("MODIFY COLUMN "+columnDef(c, check), algo, strings.Join(comment, "\n"), narrowed)
	if mc != nil && !mc.To.NotNull && pk != nil && pk.From != nil && slices.ContainsFunc(pk.From.Columns, func(k string) bool { return strings.EqualFold(k, c.Name) }) {
		// A primary key column is NOT NULL whatever it says: it can
		// become nullable once it has left the key.
		a.afterPK = append(a.afterPK, step)
		return
	}
	a.p.add(step)
}

// remodel drops and adds again the columns MODIFY COLUMN cannot change.
func (a *tableAlter) remodel() {
	for _, mc := range a.remodelled {
		a.p.add(a.alterStep("DROP COLUMN "+quote(mc.From.Name), a.columnAlgorithm(mc.From, true), describe(a.mt.To, mc)+" (dropped and added again)",
			mc.From.Generated == nil))
		a.p.add(a.alterStep("ADD COLUMN "+columnDef(mc.To, "")+position(a.to, mc.To.Name), a.columnAlgorithm(mc.To, false), "", false))
	}
}

// indexesAndKey plans the index changes and the primary key. A redefined
// index (same name) is dropped and added in one statement. An index that
// no foreign key needs at this point is dropped first: MySQL silently
// drops an index it made for a foreign key when another index can serve
// the key, so a later DROP INDEX might not find it. New indexes come next;
// an index that a foreign key still needs is dropped in the same statement
// as the new ones, which the server checks as a whole (error 1553
// otherwise), and so is an index made for a foreign key that stays but
// that a new index could take over (it is dropped and added again, as an
// index of its own). The primary key may be what serves a key in between:
// then one statement holds all of it.
func (a *tableAlter) indexesAndKey() {
	redefined := map[string]*schema.Index{}
	for _, d := range a.dropIdx {
		for _, ad := range a.addIdx {
			if strings.EqualFold(ad.Name, d.Name) {
				redefined[lower(d.Name)] = ad
			}
		}
	}
	dropped, needed := a.dropIndexes(redefined)
	newIdx, guards := a.newIndexes(redefined, dropped)
	var combined clauses
	if len(needed) > 0 || len(guards) > 0 {
		for _, ix := range newIdx {
			combined.add("ADD " + indexClause(ix))
		}
		combined.add(guards...)
		for _, ix := range needed {
			combined.add("DROP INDEX " + quote(ix.Name))
		}
	} else {
		for _, ix := range newIdx {
			a.p.add(dialect.Step{SQL: createIndex(a.name, ix) + a.claim(algoInplace).indexOption()})
		}
	}
	a.primaryKeyClauses()
	switch {
	case !combined.empty():
		if a.pkStmt.empty() {
			combined.algo = a.claim(algoInplace)
		}
		combined.add(a.pkStmt.list...)
		combined.destructive = a.pkStmt.destructive
		comment := ""
		if a.pk != nil {
			comment = describe(a.mt.To, a.pk)
		}
		a.p.add(combined.step(a.name, comment))
		a.p.steps = append(a.p.steps, a.afterPK...)
	case a.pk != nil && !a.pkStmt.empty():
		a.p.add(a.pkStmt.step(a.name, describe(a.mt.To, a.pk)))
		a.p.steps = append(a.p.steps, a.afterPK...)
	}
	for _, ix := range a.dropIdx {
		if ad := redefined[lower(ix.Name)]; ad != nil {
			a.p.add(a.alterStep("DROP INDEX "+quote(ix.Name)+", ADD "+indexClause(ad), a.claim(algoInplace), "", false))
		}
	}
}

// servedKeys returns the foreign keys of the table, as they are while its
// changes run, that index ix can serve.
func (a *tableAlter) servedKeys(ix *schema.Index) []*schema.ForeignKey {
	var out []*schema.ForeignKey
	cols, ok := ix.Columns()
	if !ok {
		return nil
	}
	for _, fk := range a.from.ForeignKeys {
		if !a.p.dropping[a.p.fkKey(a.from.Name, fk)] && prefixOf(fk.Columns, cols) {
			out = append(out, fk)
		}
	}
	return out
}

// dropIndexes drops the indexes that go away and that no foreign key
// needs, and returns every index that goes away (lower-case names) and
// those a foreign key still needs, which go with the new ones.
func (a *tableAlter) dropIndexes(redefined map[string]*schema.Index) (dropped map[string]bool, needed []*schema.Index) {
	dropped = map[string]bool{}
	for _, ix := range a.dropIdx {
		dropped[lower(ix.Name)] = true
		switch {
		case redefined[lower(ix.Name)] != nil:
		case len(a.servedKeys(ix)) > 0:
			needed = append(needed, ix)
		default:
			a.p.add(a.alterStep("DROP INDEX "+quote(ix.Name), a.claim(algoInplace), "", false))
		}
	}
	return dropped, needed
}

// newIndexes returns the indexes added (named) other than the redefined
// ones, and the clauses that drop and add again the implicit index of a
// foreign key that one of them could take over.
func (a *tableAlter) newIndexes(redefined map[string]*schema.Index, dropped map[string]bool) (newIdx []*schema.Index, guards []string) {
	taken := map[string]bool{}
	for _, ix := range slices.Concat(a.from.Indexes, a.to.Indexes) {
		taken[lower(ix.Name)] = true
	}
	guarded := map[string]bool{}
	for _, ix := range a.addIdx {
		if redefined[lower(ix.Name)] != nil {
			continue
		}
		ix = a.p.indexName(a.to, ix, taken)
		newIdx = append(newIdx, ix)
		for _, fk := range a.servedKeys(ix) {
			for _, old := range a.from.Indexes {
				cols, _ := old.Columns()
				if old.Implicit && !dropped[lower(old.Name)] && !guarded[lower(old.Name)] &&
					slices.EqualFunc(cols, fk.Columns, strings.EqualFold) {
					guarded[lower(old.Name)] = true
					guards = append(guards, "DROP INDEX "+quote(old.Name)+", ADD "+indexClause(old))
				}
			}
		}
	}
	return newIdx, guards
}

// primaryKeyClauses completes the primary key statement: AUTO_INCREMENT
// columns dropped, the old key dropped, the new one added.
func (a *tableAlter) primaryKeyClauses() {
	pk := a.pk
	if pk == nil {
		return
	}
	for _, c := range a.dropCols {
		if c.AutoIncrement {
			a.pkStmt.add("DROP COLUMN " + quote(c.Name))
			a.pkStmt.destructive = true
		}
	}
	if pk.From != nil {
		a.pkStmt.add("DROP PRIMARY KEY")
	}
	if pk.To != nil && len(pk.To.Columns) > 0 {
		a.pkStmt.add("ADD " + primaryKeyClause(pk.To))
	}
}

// indexName returns ix named for creation: an index the server would
// make for a foreign key (Implicit) is named after that key, as the server
// names it (so that it is known as the key's own index when inspected);
// one without a name is named by the naming convention; names taken on
// the table get a number.
func (p *planner) indexName(t *schema.Table, ix *schema.Index, taken map[string]bool) *schema.Index {
	if ix.Name != "" && !ix.Implicit {
		return ix
	}
	cp := *ix
	base := p.d.naming.IndexName(t.Name, ix)
	if ix.Unique {
		base = p.d.naming.UniqueName(t.Name, ix)
	}
	if ix.Implicit {
		cols, _ := ix.Columns()
		for _, fk := range t.ForeignKeys {
			if fk.Name != "" && slices.EqualFunc(cols, fk.Columns, strings.EqualFold) {
				base = fk.Name
				break
			}
		}
	}
	cp.Name = base
	for i := 2; taken[lower(cp.Name)] && !strings.EqualFold(cp.Name, ix.Name); i++ {
		cp.Name = fmt.Sprintf("%s%d", base, i)
	}
	taken[lower(cp.Name)] = true
	return &cp
}

// generationSwitch reports whether a column changes between generated and
// not, or between stored and virtual, which MODIFY COLUMN cannot do.
func generationSwitch(a, b *schema.Column) bool {
	if (a.Generated == nil) != (b.Generated == nil) {
		return true
	}
	return a.Generated != nil && a.Generated.Stored != b.Generated.Stored
}

// position returns " AFTER `prev`" or " FIRST" for column col of t.
func position(t *schema.Table, col string) string {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, col) {
			if i == 0 {
				return " FIRST"
			}
			return " AFTER " + quote(t.Columns[i-1].Name)
		}
	}
	return ""
}

// positionAmong returns " AFTER `prev`" or " FIRST" for column col of t,
// where prev is the nearest column before it in t that table has.
func positionAmong(t *schema.Table, col string, has *schema.Table) string {
	i := slices.IndexFunc(t.Columns, func(c *schema.Column) bool { return strings.EqualFold(c.Name, col) })
	for j := i - 1; j >= 0; j-- {
		if _, ok := has.Column(t.Columns[j].Name); ok {
			return " AFTER " + quote(t.Columns[j].Name)
		}
	}
	return " FIRST"
}

// dropCheck returns the clause that drops a CHECK constraint: DROP
// CONSTRAINT on MariaDB (which rejects DROP CHECK) and on MySQL 8.0.19+,
// DROP CHECK on older MySQL 8.
func (p *planner) dropCheck() string {
	if p.srv != nil && !p.srv.MariaDB && !p.srv.AtLeast(8, 0, 19) {
		return "DROP CHECK"
	}
	return "DROP CONSTRAINT"
}

func (p *planner) alterOptions(name string, o *diff.ModifyTableOptions) {
	var parts []string
	if !strings.EqualFold(o.From.Engine, o.To.Engine) {
		engine := o.To.Engine
		if engine == "" {
			engine = "InnoDB"
		}
		parts = append(parts, "ENGINE = "+engine)
	}
	if !strings.EqualFold(o.From.Collation, o.To.Collation) {
		if o.To.Collation != "" {
			parts = append(parts, "CONVERT TO CHARACTER SET "+charsetOf(o.To.Collation)+" COLLATE "+o.To.Collation)
		} else if p.srv != nil && p.srv.DBCollation != "" {
			parts = append(parts, "CONVERT TO CHARACTER SET "+charsetOf(p.srv.DBCollation)+" COLLATE "+p.srv.DBCollation)
		} else {
			parts = append(parts, "CONVERT TO CHARACTER SET DEFAULT")
		}
	}
	if o.From.Comment != o.To.Comment {
		parts = append(parts, "COMMENT = "+literal(o.To.Comment))
	}
	if !strings.EqualFold(o.From.RowFormat, o.To.RowFormat) {
		parts = append(parts, "ROW_FORMAT = "+rowFormat(o.To.RowFormat))
	}
	if o.From.KeyBlockSize != o.To.KeyBlockSize {
		parts = append(parts, "KEY_BLOCK_SIZE = "+strconv.Itoa(o.To.KeyBlockSize))
	}
	if len(parts) > 0 {
		p.add(dialect.Step{SQL: alter(name) + strings.Join(parts, ", ")})
	}
}
