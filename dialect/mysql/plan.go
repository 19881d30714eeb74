package mysql

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
//     replaced in place (see swapFK); the others are added (ALTER TABLE …
//     ADD CONSTRAINT, which the server validates), after their orphan
//     check when it could not run in step 0;
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
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.AddTable:
			p.newTables[p.tk(c.T.Name)] = true
		case *diff.ModifyTable:
			p.modified[p.tk(c.To.Name)] = c
		case *diff.DropTable:
			p.dropped[p.tk(c.T.Name)] = true
		case *diff.AddEnum, *diff.DropEnum, *diff.ModifyEnum, *diff.AddSequence, *diff.DropSequence, *diff.ModifySequence:
			return nil, fmt.Errorf("mysql: %s: MySQL has no enum types or sequences", diff.Describe([]diff.Change{c})[0])
		}
	}
	if err := p.checkPartitions(changes); err != nil {
		return nil, err
	}
	// Values a narrowed column would change stop the plan before it
	// changes anything.
	p.narrowed = p.narrowChecks(changes)
	// 1. Triggers and views; then routines that are new or redefined,
	// before anything that may call them.
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.DropTrigger:
			p.add(dialect.Step{SQL: "DROP TRIGGER " + quote(c.T.Name)})
		case *diff.DropView:
			p.add(dialect.Step{SQL: "DROP VIEW " + quote(c.V.Name)})
		}
	}
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
	// 2. Foreign keys that go away, change, or are in the way. A key that
	// changes in its actions or name only, and that nothing else in the
	// plan endangers, is swapped in place in step 5 instead.
	p.findEndangered()
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
				fk := *p.namedFK(mt.To, tc.To)
				if _, bad := p.endangered(mt.From.Name, tc.From); !bad {
					p.swapping[p.fkKey(mt.From.Name, tc.From)] = true
					swaps = append(swaps, fkSwap{table: mt.To.Name, from: tc.From, to: &fk, comment: describe(mt.To, tc)})
					continue
				}
				p.dropFK(mt.From.Name, tc.From, describe(mt.To, tc))
				p.scheduleAdd(fkAdd{table: mt.To.Name, fk: &fk, check: true})
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
	p.dependentFKs()
	// Tables dropped children first cannot be dropped when they reference
	// each other in a cycle: the keys that point at a table dropped
	// earlier go first.
	var droppedOrder []string
	for _, c := range changes {
		if dt, ok := c.(*diff.DropTable); ok {
			for _, fk := range dt.T.ForeignKeys {
				if fk.RefSchema == "" && slices.Contains(droppedOrder, p.tk(fk.RefTable)) && !p.dropping[p.fkKey(dt.T.Name, fk)] {
					p.dropFK(dt.T.Name, fk, fmt.Sprintf("%s: foreign key %s is dropped first: %s references %s and the other way round",
						dt.T.Name, fk.Name, dt.T.Name, fk.RefTable))
				}
			}
			droppedOrder = append(droppedOrder, p.tk(dt.T.Name))
		}
	}
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
	for _, table := range p.addOrder {
		adds := p.adds[table]
		slices.SortStableFunc(adds, func(a, b fkAdd) int { return strings.Compare(lower(a.fk.Name), lower(b.fk.Name)) })
		for _, a := range adds {
			comment := a.comment
			if a.check {
				if !p.checkEarly(a.table, a.fk) {
					p.add(dialect.Step{SQL: orphanCheck(a.table, a.fk), Comment: orphanComment(a.table, a.fk)})
				}
				comment = joinComment(comment, fmt.Sprintf("%s: added with foreign_key_checks on, so that the server checks every row again (a table copy)", a.fk.Name))
			}
			p.add(dialect.Step{SQL: alter(a.table) + "ADD " + fkClause(a.fk), Comment: comment})
		}
	}
	// 6. Tables dropped.
	for _, c := range changes {
		if dt, ok := c.(*diff.DropTable); ok {
			p.add(dialect.Step{SQL: "DROP TABLE " + quote(dt.T.Name), Destructive: true})
		}
	}
	// 7. Views and triggers.
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.AddView:
			p.add(dialect.Step{SQL: c.V.Def})
		case *diff.AddTrigger:
			p.steps = append(p.steps, sessionSteps(wrapCompound(c.T.Def), c.T.Session, p.srv)...)
		}
	}
	// 8. Routines that go away, once nothing calls them.
	for _, c := range changes {
		if c, ok := c.(*diff.DropRoutine); ok {
			if _, redefined := p.to.Routine(c.R.Kind, c.R.Name); !redefined {
				p.add(dialect.Step{SQL: dropRoutine(c.R)})
			}
		}
	}
	// Every orphan-row, duplicate-key and CHECK violation check that can
	// run on the database as it is runs before the first statement, so
	// that a refusal changes nothing.
	p.steps = slices.Concat(p.renameSteps(changes), p.early, p.steps)
	return &dialect.Plan{Steps: p.steps}, nil
}

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

// dropFK drops fk of table. A name the server made up is looked up when
// the statement runs.
func (p *planner) dropFK(table string, fk *schema.ForeignKey, comment string) {
	p.dropping[p.fkKey(table, fk)] = true
	fk = p.liveName(table, fk)
	if fk.Name != "" && !serverFKName(table, fk.Name) {
		p.add(dialect.Step{SQL: alter(table) + "DROP FOREIGN KEY " + quote(fk.Name), Comment: comment})
		return
	}
	p.byLiveName(table, fk, "drop", alter(table)+"DROP FOREIGN KEY `", "`", "DO 0", comment)
}

// liveName returns fk of table with the name it has in the database when
// the schema the plan starts from left it unnamed (loaded from SQL) and
// the desired schema names the key of the same definition.
func (p *planner) liveName(table string, fk *schema.ForeignKey) *schema.ForeignKey {
	if fk.Name != "" {
		return fk
	}
	if t, ok := p.to.Table(table); ok {
		for _, o := range t.ForeignKeys {
			if p.sameFK(o, fk) && o.Name != "" && !serverFKName(table, o.Name) {
				cp := *fk
				cp.Name = o.Name
				return &cp
			}
		}
	}
	return fk
}

// byLiveName adds the steps that run prefix + the quoted name that foreign
// key fk of table has when they run + suffix, or fallback when the table
// has no such key: the server that ran an older migration may have named
// an unnamed key differently.
func (p *planner) byLiveName(table string, fk *schema.ForeignKey, verb, prefix, suffix, fallback, comment string) {
	var pairs []string
	for i, c := range fk.Columns {
		pairs = append(pairs, c+">"+fk.RefColumns[i])
	}
	refSchema := "DATABASE()"
	if fk.RefSchema != "" {
		refSchema = literal(fk.RefSchema)
	}
	what := fk.Name
	if what == "" {
		what = "(" + strings.Join(fk.Columns, ", ") + ")"
	}
	find := fmt.Sprintf(`SET @retort_sql = COALESCE((
  SELECT CONCAT(%s, REPLACE(rc.CONSTRAINT_NAME, '`+"`"+`', '`+"``"+`'), %s)
  FROM information_schema.REFERENTIAL_CONSTRAINTS rc
  JOIN information_schema.KEY_COLUMN_USAGE k
    ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
  WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND rc.TABLE_NAME = %s
    AND rc.REFERENCED_TABLE_NAME = %s AND k.REFERENCED_TABLE_SCHEMA = %s
  GROUP BY rc.CONSTRAINT_NAME
  HAVING GROUP_CONCAT(k.COLUMN_NAME, '>', k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ',') = %s
  LIMIT 1), %s)`, literal(prefix), literal(suffix), literal(table), literal(fk.RefTable), refSchema,
		literal(strings.Join(pairs, ",")), literal(fallback))
	if comment != "" {
		comment += "\n"
	}
	comment += fmt.Sprintf("foreign key %s was named by the server: %s it by the name it has when this runs", what, verb)
	p.add(dialect.Step{SQL: find, Comment: comment})
	p.add(dialect.Step{SQL: "PREPARE retort_stmt FROM @retort_sql"})
	p.add(dialect.Step{SQL: "EXECUTE retort_stmt"})
	p.add(dialect.Step{SQL: "DEALLOCATE PREPARE retort_stmt"})
}

func (p *planner) scheduleAdd(a fkAdd) {
	t := p.tk(a.table)
	for _, o := range p.adds[t] {
		if p.sameFK(o.fk, a.fk) {
			return
		}
	}
	if _, ok := p.adds[t]; !ok {
		p.addOrder = append(p.addOrder, t)
	}
	p.adds[t] = append(p.adds[t], a)
}

// affected is what a changed table's plan does to the keys of foreign
// keys on either side of it.
type affected struct {
	cols    map[string]bool // columns whose type or collation changes
	pk      []string        // the old primary key, when it changes
	dropIdx [][]string      // columns of unique indexes dropped
}

// findEndangered records, per changed table, the changes that break a
// foreign key that stays: MySQL refuses to change the type or collation
// of a column a foreign key uses (1832, 1833) and to drop the index of a
// referenced key (1553).
func (p *planner) findEndangered() {
	p.aff = map[string]*affected{}
	for name, mt := range p.modified {
		a := &affected{cols: map[string]bool{}}
		for _, tc := range mt.Changes {
			switch tc := tc.(type) {
			case *diff.ModifyColumn:
				if tc.What&(diff.ChangeType|diff.ChangeCollation|diff.ChangeGenerated) != 0 {
					a.cols[lower(tc.From.Name)] = true
				}
			case *diff.ModifyPrimaryKey:
				if tc.From != nil {
					a.pk = tc.From.Columns
				}
			case *diff.DropIndex:
				if cols, ok := tc.I.Columns(); ok && tc.I.Unique {
					a.dropIdx = append(a.dropIdx, cols)
				}
			}
		}
		p.aff[name] = a
	}
}

// endangered returns why the plan must drop foreign key fk of table while
// it changes a column or key on either side, and whether it must.
func (p *planner) endangered(table string, fk *schema.ForeignKey) (string, bool) {
	touches := func(a *affected, table string, cols []string, referenced bool) (string, bool) {
		for _, c := range cols {
			if a.cols[lower(c)] {
				return "column " + table + "." + c + " changes", true
			}
		}
		if !referenced {
			return "", false
		}
		if a.pk != nil && prefixOf(cols, a.pk) {
			return "the primary key of " + table + " changes", true
		}
		for _, ix := range a.dropIdx {
			if prefixOf(cols, ix) {
				return "a unique index of " + table + " it references is dropped", true
			}
		}
		return "", false
	}
	if a := p.aff[p.tk(table)]; a != nil {
		if w, ok := touches(a, table, fk.Columns, false); ok {
			return w, true
		}
	}
	if a := p.aff[p.tk(fk.RefTable)]; a != nil && fk.RefSchema == "" {
		return touches(a, fk.RefTable, fk.RefColumns, true)
	}
	return "", false
}

// dependentFKs drops (and schedules again) the foreign keys that stay but
// that a change to a column or key on either side would break.
func (p *planner) dependentFKs() {
	for _, t := range sortedTables(p.from.Tables) {
		// A table dropped at the end still has its keys meanwhile.
		toT, ok := p.to.Table(t.Name)
		if !ok {
			toT = &schema.Table{Name: t.Name}
		}
		for _, fk := range t.ForeignKeys {
			if p.dropping[p.fkKey(t.Name, fk)] || p.swapping[p.fkKey(t.Name, fk)] {
				continue
			}
			why, bad := p.endangered(t.Name, fk)
			if !bad {
				continue
			}
			p.dropFK(t.Name, fk, fmt.Sprintf("%s: foreign key %s is dropped while %s, and added again below", t.Name, fk.Name, why))
			for _, nfk := range toT.ForeignKeys {
				if p.sameFK(nfk, fk) {
					re := *p.namedFK(toT, nfk)
					p.scheduleAdd(fkAdd{table: toT.Name, fk: &re, check: true})
				}
			}
		}
	}
}

// prefixOf reports whether cols are the leading columns of key.
func prefixOf(cols, key []string) bool {
	return len(cols) <= len(key) && slices.EqualFunc(cols, key[:len(cols)], strings.EqualFold)
}

func sortedTables(ts []*schema.Table) []*schema.Table {
	out := slices.Clone(ts)
	slices.SortStableFunc(out, func(a, b *schema.Table) int { return strings.Compare(lower(a.Name), lower(b.Name)) })
	return out
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

// alterTable plans the changes to one table other than its foreign keys.
func (p *planner) alterTable(mt *diff.ModifyTable) {
	from, to := mt.From, p.namedTable(mt.To)
	name := to.Name
	var (
		addCols, dropCols      []*schema.Column
		modCols                = map[string]*diff.ModifyColumn{}
		addIdx, dropIdx        []*schema.Index
		addChecks, dropChecks  []*schema.Check
		pk                     *diff.ModifyPrimaryKey
		options                *diff.ModifyTableOptions
		partition              *diff.ModifyPartition
		droppedColumnChecks    = map[string]bool{}
		keptColumnChecks       = map[string]*schema.Check{}
		remodelled, recomputed []*diff.ModifyColumn
	)
	for _, tc := range mt.Changes {
		switch tc := tc.(type) {
		case *diff.AddColumn:
			addCols = append(addCols, tc.C)
		case *diff.DropColumn:
			dropCols = append(dropCols, tc.C)
		case *diff.ModifyColumn:
			modCols[lower(tc.To.Name)] = tc
		case *diff.AddIndex:
			addIdx = append(addIdx, tc.I)
		case *diff.DropIndex:
			dropIdx = append(dropIdx, tc.I)
		case *diff.AddCheck:
			addChecks = append(addChecks, tc.C)
		case *diff.DropCheck:
			if p.columnCheck(from, tc.C) {
				droppedColumnChecks[lower(tc.C.Name)] = true
			} else {
				dropChecks = append(dropChecks, tc.C)
			}
		case *diff.ModifyPrimaryKey:
			pk = tc
		case *diff.ModifyTableOptions:
			options = tc
		case *diff.ModifyPartition:
			partition = tc
		}
	}
	for _, c := range from.Checks {
		if p.columnCheck(from, c) && !droppedColumnChecks[lower(c.Name)] {
			keptColumnChecks[lower(c.Name)] = c
		}
	}
	// Unnamed UNIQUE keys get the name the naming convention gave them.
	for i, ix := range addIdx {
		if ix.Name != "" {
			continue
		}
		for _, n := range to.Indexes {
			if n.Unique == ix.Unique && n.Constraint == ix.Constraint && slices.Equal(n.Parts, ix.Parts) {
				addIdx[i] = n
				break
			}
		}
	}
	// Rows that a new unique index or primary key would refuse stop the
	// plan before its first statement.
	for _, ix := range addIdx {
		if ix.Unique {
			p.duplicatesEarly(from, ix.Parts, "unique index "+ix.Name, false)
		}
	}
	if pk != nil && pk.To != nil && len(pk.To.Columns) > 0 {
		var parts []schema.IndexPart
		for _, c := range pk.To.Columns {
			parts = append(parts, schema.IndexPart{Column: c})
		}
		p.duplicatesEarly(from, parts, "primary key", true)
	}
	// Named checks get their names; AddCheck carries the desired one.
	for i, c := range addChecks {
		for _, n := range to.Checks {
			if sameExpr(n.Expr, c.Expr) && (c.Name == "" || strings.EqualFold(c.Name, n.Name)) {
				addChecks[i] = n
				break
			}
		}
	}
	// Rows a new check refuses stop the plan before its first statement,
	// when the check reads only columns the table has already.
	for _, c := range addChecks {
		if !slices.ContainsFunc(to.Columns, func(col *schema.Column) bool {
			_, had := from.Column(col.Name)
			return !had && mentionsName(c.Expr, col.Name)
		}) {
			var pkCols []string
			if from.PrimaryKey != nil {
				pkCols = from.PrimaryKey.Columns
			}
			p.early = append(p.early, dialect.Step{SQL: checkViolations(name, c.Name, c.Expr, pkCols),
				Comment: fmt.Sprintf("%s: rows that check %s refuses stop the migration here", name, c.Name)})
		}
	}

	if options != nil {
		p.alterOptions(name, options)
	}
	if partition != nil {
		keys := pk != nil || slices.ContainsFunc(slices.Concat(addIdx, dropIdx), func(ix *schema.Index) bool { return ix.Unique })
		before, after := partitionSteps(name, from.Partition, to.Partition, keys, describe(mt.To, partition))
		p.steps = append(p.steps, before...)
		defer func() { p.steps = append(p.steps, after...) }()
	}
	for _, c := range dropChecks {
		p.add(dialect.Step{SQL: alter(name) + p.dropCheck() + " " + quote(c.Name)})
	}
	// An AUTO_INCREMENT column must be a key at the end of every
	// statement: when the primary key changes, the columns that gain, lose
	// or carry AUTO_INCREMENT change in the same ALTER TABLE as the key.
	var pkClauses []string
	var afterPK []dialect.Step
	pkDestructive := false
	withPK := func(c *schema.Column) bool { return pk != nil && c.AutoIncrement }
	// Columns that move go first, as they are, each after the column
	// before it in the desired table among those the table has already;
	// new columns then go after theirs.
	for _, c := range to.Columns {
		mc := modCols[lower(c.Name)]
		if mc == nil || mc.What&diff.ChangePosition == 0 {
			continue
		}
		check := ""
		for _, ck := range from.Checks {
			if p.columnCheck(from, ck) && strings.EqualFold(ck.Name, c.Name) {
				check = ck.Expr
			}
		}
		p.add(dialect.Step{SQL: alter(name) + "MODIFY COLUMN " + columnDef(mc.From, check) + positionAmong(to, c.Name, from),
			Comment: fmt.Sprintf("%s: column %s moves", name, c.Name)})
	}
	for _, c := range addCols {
		if withPK(c) {
			pkClauses = append(pkClauses, "ADD COLUMN "+columnDef(c, "")+position(to, c.Name))
			continue
		}
		p.add(dialect.Step{SQL: alter(name) + "ADD COLUMN " + columnDef(c, "") + position(to, c.Name)})
	}
	// Columns redefined, in table order; a MariaDB column CHECK goes
	// with its column, so redefining the column keeps or drops it.
	for _, c := range to.Columns {
		mc := modCols[lower(c.Name)]
		_, checkDropped := droppedColumnChecks[lower(c.Name)]
		if mc != nil && mc.What&^diff.ChangePosition == 0 {
			mc = nil // moved above, nothing else changes
		}
		if mc == nil && !checkDropped {
			continue
		}
		if mc != nil && mc.What&diff.ChangeGenerated != 0 && generationSwitch(mc.From, mc.To) {
			remodelled = append(remodelled, mc)
			continue
		}
		check := ""
		if kc := keptColumnChecks[lower(c.Name)]; kc != nil {
			check = kc.Expr
		}
		var comment []string
		if mc != nil {
			comment = append(comment, describe(mt.To, mc))
			recomputed = append(recomputed, mc)
		}
		if checkDropped {
			for _, dc := range from.Checks {
				if strings.EqualFold(dc.Name, c.Name) {
					comment = append(comment, fmt.Sprintf("%s: check (%s) dropped: a column CHECK goes with the column's definition", name, dc.Expr))
				}
			}
		}
		narrowed := p.narrowed[lower(name)+"\x00"+lower(c.Name)]
		if mc != nil && mc.What&diff.ChangeAutoIncrement != 0 && pk != nil {
			pkClauses = append(pkClauses, "MODIFY COLUMN "+columnDef(c, check))
			pkDestructive = pkDestructive || narrowed
			continue
		}
		step := dialect.Step{SQL: alter(name) + "MODIFY COLUMN " + columnDef(c, check), Comment: strings.Join(comment, "\n"), Destructive: narrowed}
		if mc != nil && !mc.To.NotNull && pk != nil && pk.From != nil && slices.ContainsFunc(pk.From.Columns, func(k string) bool { return strings.EqualFold(k, c.Name) }) {
			// A primary key column is NOT NULL whatever it says: it can
			// become nullable once it has left the key.
			afterPK = append(afterPK, step)
			continue
		}
		p.add(step)
	}
	for _, mc := range remodelled {
		p.add(dialect.Step{SQL: alter(name) + "DROP COLUMN " + quote(mc.From.Name), Comment: describe(mt.To, mc) + " (dropped and added again)",
			Destructive: mc.From.Generated == nil})
		p.add(dialect.Step{SQL: alter(name) + "ADD COLUMN " + columnDef(mc.To, "") + position(to, mc.To.Name)})
	}

	// Indexes. A redefined index (same name) is dropped and added in one
	// statement. An index that no foreign key needs at this point is
	// dropped first: MySQL silently drops an index it made for a foreign
	// key when another index can serve the key, so a later DROP INDEX might
	// not find it. New indexes come next; an index that a foreign key still
	// needs is dropped in the same statement as the new ones, which the
	// server checks as a whole (error 1553 otherwise), and so is an index
	// made for a foreign key that stays but that a new index could take
	// over (it is dropped and added again, as an index of its own).
	redefined := map[string]*schema.Index{}
	for _, d := range dropIdx {
		for _, a := range addIdx {
			if strings.EqualFold(a.Name, d.Name) {
				redefined[lower(d.Name)] = a
			}
		}
	}
	taken := map[string]bool{}
	for _, ix := range slices.Concat(from.Indexes, to.Indexes) {
		taken[lower(ix.Name)] = true
	}
	var live []*schema.ForeignKey // keys of the table while step 4 runs
	for _, fk := range from.ForeignKeys {
		if !p.dropping[p.fkKey(from.Name, fk)] {
			live = append(live, fk)
		}
	}
	serves := func(ix *schema.Index) []*schema.ForeignKey {
		var out []*schema.ForeignKey
		if cols, ok := ix.Columns(); ok {
			for _, fk := range live {
				if prefixOf(fk.Columns, cols) {
					out = append(out, fk)
				}
			}
		}
		return out
	}
	dropped := map[string]bool{}
	var needed []*schema.Index
	for _, ix := range dropIdx {
		dropped[lower(ix.Name)] = true
		switch {
		case redefined[lower(ix.Name)] != nil:
		case len(serves(ix)) > 0:
			needed = append(needed, ix)
		default:
			p.add(dialect.Step{SQL: alter(name) + "DROP INDEX " + quote(ix.Name)})
		}
	}
	var newIdx []*schema.Index
	var guards []string
	guarded := map[string]bool{}
	for _, ix := range addIdx {
		if redefined[lower(ix.Name)] != nil {
			continue
		}
		ix = p.indexName(to, ix, taken)
		newIdx = append(newIdx, ix)
		for _, fk := range serves(ix) {
			for _, old := range from.Indexes {
				cols, _ := old.Columns()
				if old.Implicit && !dropped[lower(old.Name)] && !guarded[lower(old.Name)] &&
					slices.EqualFunc(cols, fk.Columns, strings.EqualFold) {
					guarded[lower(old.Name)] = true
					guards = append(guards, "DROP INDEX "+quote(old.Name)+", ADD "+indexClause(old))
				}
			}
		}
	}
	combined := len(needed) > 0 || len(guards) > 0
	var clauses []string
	for _, ix := range newIdx {
		if combined {
			clauses = append(clauses, "ADD "+indexClause(ix))
		} else {
			p.add(dialect.Step{SQL: createIndex(name, ix)})
		}
	}
	if combined {
		clauses = append(clauses, guards...)
		for _, ix := range needed {
			clauses = append(clauses, "DROP INDEX "+quote(ix.Name))
		}
	}
	if pk != nil {
		for _, c := range dropCols {
			if c.AutoIncrement {
				pkClauses = append(pkClauses, "DROP COLUMN "+quote(c.Name))
				pkDestructive = true
			}
		}
		if pk.From != nil {
			pkClauses = append(pkClauses, "DROP PRIMARY KEY")
		}
		if pk.To != nil && len(pk.To.Columns) > 0 {
			pkClauses = append(pkClauses, "ADD "+primaryKeyClause(pk.To))
		}
	}
	switch {
	case combined:
		// The primary key may be what serves a key in between: one
		// statement for all of it.
		clauses = append(clauses, pkClauses...)
		comment := ""
		if pk != nil {
			comment = describe(mt.To, pk)
		}
		p.add(dialect.Step{SQL: alter(name) + strings.Join(clauses, ", "), Comment: comment, Destructive: pkDestructive})
		p.steps = append(p.steps, afterPK...)
	case pk != nil && len(pkClauses) > 0:
		p.add(dialect.Step{SQL: alter(name) + strings.Join(pkClauses, ", "), Comment: describe(mt.To, pk), Destructive: pkDestructive})
		p.steps = append(p.steps, afterPK...)
	}
	for _, ix := range dropIdx {
		if a := redefined[lower(ix.Name)]; a != nil {
			p.add(dialect.Step{SQL: alter(name) + "DROP INDEX " + quote(ix.Name) + ", ADD " + indexClause(a)})
		}
	}
	for _, c := range dropCols {
		if withPK(c) {
			continue // dropped with the primary key change
		}
		p.add(dialect.Step{SQL: alter(name) + "DROP COLUMN " + quote(c.Name), Destructive: true})
	}
	for _, c := range addChecks {
		p.add(dialect.Step{SQL: alter(name) + "ADD " + checkClause(c)})
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
