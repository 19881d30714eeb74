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
