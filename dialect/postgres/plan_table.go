package postgres

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// serialTypes maps the serial pseudo-types to the column type they stand for.
var serialTypes = map[string]string{"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}

// baseType returns the real column type of a declared type (serial →
// integer).
func baseType(typ string) string {
	if b, ok := serialTypes[strings.ToLower(typ)]; ok {
		return b
	}
	return typ
}

func isSerial(typ string) bool {
	_, ok := serialTypes[strings.ToLower(typ)]
	return ok
}

// modifyTable plans the changes of one existing table: drops of checks,
// indexes and the primary key, then columns, then new keys, checks and
// indexes. Foreign keys are planned by planForeignKeys.
func (p *planner) modifyTable(mt *diff.ModifyTable) error {
	name := tkey(mt.To)
	named := p.n.named(mt.To)
	add := func(s dialect.Step) { p.modifies = append(p.modifies, s) }

	if err := p.partitioning(mt); err != nil {
		return err
	}
	online := p.onlineTable(mt.To)
	plainIx := p.plainIx[name]
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.DropCheck:
			add(dialect.Step{SQL: alter(name) + "DROP CONSTRAINT " + quote(c.C.Name)})
		case *diff.DropExclusion:
			add(dialect.Step{SQL: alter(name) + "DROP CONSTRAINT " + quote(c.X.Name)})
		case *diff.DropIndex:
			switch {
			case c.I.Constraint:
				add(dialect.Step{SQL: alter(name) + "DROP CONSTRAINT " + quote(c.I.Name)})
			case !plainIx[c.I.Name]:
				p.dropsFirst = append(p.dropsFirst, dialect.Step{SQL: "DROP INDEX CONCURRENTLY IF EXISTS " + quote(qkey(mt.To.Schema, c.I.Name)), NoTx: true})
			default:
				add(dialect.Step{SQL: "DROP INDEX " + quote(qkey(mt.To.Schema, c.I.Name))})
			}
		case *diff.ModifyPrimaryKey:
			if pkRenamed(c) {
				add(dialect.Step{SQL: alter(name) + "RENAME CONSTRAINT " + quote(c.From.Name) + " TO " + quote(named.PrimaryKey.Name)})
			} else if c.From != nil {
				add(dialect.Step{SQL: alter(name) + "DROP CONSTRAINT " + quote(c.From.Name)})
			}
		}
	}
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.DropColumn:
			add(dialect.Step{SQL: alter(name) + "DROP COLUMN " + quote(c.C.Name), Destructive: true})
		case *diff.AddColumn:
			add(dialect.Step{SQL: alter(name) + "ADD COLUMN " + columnDef(c.C)})
			if c.C.Comment != "" {
				add(dialect.Step{SQL: commentOn("COLUMN", quote(name)+"."+quote(c.C.Name), c.C.Comment)})
			}
		case *diff.ModifyColumn:
			p.modifyColumn(name, c, online)
		}
	}
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.ModifyPrimaryKey:
			switch {
			case c.To == nil || pkRenamed(c):
			case online && !p.keyReferenced(name, c.To.Columns):
				p.addPrimaryKey(name, named.PrimaryKey)
			default:
				add(dialect.Step{SQL: alter(name) + "ADD " + pkClause(named.PrimaryKey)})
			}
		case *diff.ModifyTableOptions:
			if c.From.Comment != c.To.Comment {
				add(dialect.Step{SQL: commentOn("TABLE", quote(name), c.To.Comment)})
			}
		case *diff.AddCheck:
			ck := c.C
			if i := slices.Index(mt.To.Checks, c.C); i >= 0 {
				ck = named.Checks[i]
			}
			p.addCheck(name, ck, online)
		case *diff.ValidateCheck:
			add(dialect.Step{SQL: alter(name) + "VALIDATE CONSTRAINT " + quote(c.C.Name)})
		case *diff.AddIndex:
			ix := c.I
			if i := slices.Index(mt.To.Indexes, c.I); i >= 0 {
				ix = named.Indexes[i]
			}
			if mt.To.PartitionBy != "" && !p.d.offline && !ix.Constraint && p.addPartitionedIndex(mt.To, ix) {
				break
			}
			p.addIndex(name, ix, !plainIx[ix.Name])
		case *diff.ModifyRowSecurity:
			for _, st := range rowSecurity(c.From, c.To) {
				add(dialect.Step{SQL: st})
			}
		case *diff.DropForeignKey, *diff.AddForeignKey, *diff.ModifyForeignKey, *diff.ModifyPartitionKey, *diff.ModifyPartitionOf,
			*diff.DropCheck, *diff.DropIndex, *diff.DropColumn, *diff.AddColumn, *diff.ModifyColumn,
			*diff.AddPolicy, *diff.DropPolicy, // policies: plan_policies.go
			*diff.AddExclusion, *diff.DropExclusion, *diff.SetComment:
		default:
			return fmt.Errorf("postgres: plan: unexpected change %T on table %s", c, display(name))
		}
	}
	p.tableKinds(mt, named)
	return nil
}

// partitioning plans the partition a table becomes or stops being, and
// refuses a change of its partition key.
func (p *planner) partitioning(mt *diff.ModifyTable) error {
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.ModifyPartitionKey:
			return &PartitionKeyError{Table: tkey(mt.To), From: c.From.PartitionBy, To: c.To.PartitionBy}
		case *diff.ModifyPartitionOf:
			if c.From.PartitionOf != "" {
				p.detaches = append(p.detaches, dialect.Step{SQL: alter(c.From.PartitionOf) + "DETACH PARTITION " + quote(c.From.Name)})
			}
			if c.To.PartitionOf != "" {
				p.attaches = append(p.attaches, dialect.Step{SQL: alter(c.To.PartitionOf) + "ATTACH PARTITION " + quote(tkey(mt.To)) + " " + c.To.PartitionBound})
			}
		}
	}
	return nil
}

// plainIndexes returns the names of the indexes of table (dropped or
// added by mt) that take the plain route: all of them when the table is
// not online; else the unique ones whose key a foreign key of the current
// schema references (it is recreated in the main transaction), and an
// index of the same name as one of those (a drop and an add of one name
// take one route).
func (p *planner) plainIndexes(table string, mt *diff.ModifyTable, online bool) map[string]bool {
	plain := map[string]bool{}
	for _, c := range mt.Changes {
		var ix *schema.Index
		switch c := c.(type) {
		case *diff.DropIndex:
			ix = c.I
		case *diff.AddIndex:
			ix = c.I
		default:
			continue
		}
		cols, ok := ix.Columns()
		if !online || (ix.Unique && ok && p.keyReferenced(table, cols)) {
			plain[ix.Name] = true
		}
	}
	return plain
}

// addIndex plans a new index (or UNIQUE constraint) of an existing table:
// built CONCURRENTLY when online, else in the main transaction.
func (p *planner) addIndex(table string, ix *schema.Index, online bool) {
	switch {
	case ix.Constraint && online:
		p.addUnique(table, ix)
	case ix.Constraint:
		p.modifies = append(p.modifies, dialect.Step{SQL: alter(table) + "ADD CONSTRAINT " + quote(ix.Name) + " " + uniqueClause(ix)})
	case online:
		p.concurrent = append(p.concurrent, dialect.Step{SQL: createIndex(table, ix, true), NoTx: true})
	default:
		p.modifies = append(p.modifies, dialect.Step{SQL: createIndex(table, ix, false)})
		return
	}
	p.builtLate[table+"\x00"+ix.Name] = true
}

// PartitionKeyError is a change of a table's partitioning (PARTITION BY,
// or a plain table made partitioned or back) that Plan refuses:
// PostgreSQL cannot make it in place, and retort does not rebuild a table
// and move its rows on its own.
type PartitionKeyError struct {
	Table    string
	From, To string // "" for a table that is not partitioned
}

func (e *PartitionKeyError) Error() string {
	none := func(s string) string {
		if s == "" {
			return "not partitioned"
		}
		return "PARTITION BY " + s
	}
	return fmt.Sprintf("postgres: plan: table %s: its partitioning changes (%s → %s), which PostgreSQL cannot alter in place; not planned: create the new table, move the rows and swap the names by hand (or in a migration)",
		quote(e.Table), none(e.From), none(e.To))
}

// modifyColumn plans one column change as a short series of ALTER TABLE
// statements, in an order PostgreSQL accepts: defaults and identity that
// go away first, then the type (with a USING cast), nullability, identity,
// serial sequences, the new default and the comment. online says whether
// the table takes the online routes (SET NOT NULL through a validated
// check).
func (p *planner) modifyColumn(table string, c *diff.ModifyColumn, online bool) {
	from, to, what := c.From, c.To, c.What
	ac := alter(table) + "ALTER COLUMN " + quote(to.Name) + " "
	add := func(sql string) { p.modifies = append(p.modifies, dialect.Step{SQL: sql}) }

	if what&diff.ChangeGenerated != 0 && to.Generated != nil {
		p.regenerateColumn(table, c)
		return
	}
	typeChanges := (what&diff.ChangeType != 0 && !strings.EqualFold(baseType(from.Type), baseType(to.Type))) ||
		what&diff.ChangeCollation != 0
	dropDefault := from.Default != "" &&
		((what&diff.ChangeDefault != 0 && to.Default == "") || typeChanges || (what&diff.ChangeIdentity != 0 && to.Identity != ""))
	setDefault := to.Default != "" && (what&diff.ChangeDefault != 0 || dropDefault)

	p.dropColumnProperties(table, c, dropDefault)
	fromSerial, toSerial := isSerial(from.Type), isSerial(to.Type)
	rewrite := false
	if typeChanges {
		rewrite = p.changeType(table, c)
	}
	serialSeq := "pg_get_serial_sequence(" + literal(quote(table)) + ", " + literal(to.Name) + ")"
	switch {
	case fromSerial && !toSerial:
		// Unless the desired schema keeps the sequence as one of its own
		// (its options or name no longer those of serial).
		if _, kept := p.to.Sequence(objectName(table, to.Name, "seq")); !kept {
			add(doBlock("EXECUTE 'DROP SEQUENCE ' || " + serialSeq + ";"))
		}
	case fromSerial && toSerial && typeChanges:
		add(doBlock("EXECUTE 'ALTER SEQUENCE ' || " + serialSeq + " || ' AS " + baseType(to.Type) + "';"))
	}
	if what&diff.ChangeNull != 0 {
		identityAdded := what&diff.ChangeIdentity != 0 && to.Identity != "" && from.Identity == ""
		switch {
		case to.NotNull:
			// A rewrite checks NOT NULL as it copies; identity needs NOT
			// NULL before it is added.
			p.setNotNull(table, to.Name, !online || rewrite || identityAdded)
		case to.Identity == "":
			add(ac + "DROP NOT NULL")
		}
	}
	if what&diff.ChangeIdentity != 0 && to.Identity != "" {
		p.changeIdentity(table, from, to, serialSeq)
	}
	if toSerial && !fromSerial {
		p.makeSerial(table, from, to)
	}
	if setDefault {
		add(ac + "SET DEFAULT " + to.Default)
	}
	if what&diff.ChangeComment != 0 {
		add(commentOn("COLUMN", quote(table)+"."+quote(to.Name), to.Comment))
	}
}

// dropColumnProperties drops what a column loses before its type
// changes: its default (when dropDefault), identity, generation
// expression, and a serial column's default.
func (p *planner) dropColumnProperties(table string, c *diff.ModifyColumn, dropDefault bool) {
	from, to, what := c.From, c.To, c.What
	ac := alter(table) + "ALTER COLUMN " + quote(to.Name) + " "
	add := func(sql string) { p.modifies = append(p.modifies, dialect.Step{SQL: sql}) }
	if dropDefault {
		add(ac + "DROP DEFAULT")
	}
	if what&diff.ChangeIdentity != 0 && from.Identity != "" && to.Identity == "" {
		add(ac + "DROP IDENTITY")
	}
	if what&diff.ChangeGenerated != 0 && from.Generated != nil {
		add(ac + "DROP EXPRESSION")
	}
	if isSerial(from.Type) && !isSerial(to.Type) {
		add(ac + "DROP DEFAULT")
	}
}

// regenerateColumn drops and adds again a column whose generation
// expression changes, or that becomes generated: PostgreSQL 15 can do
// neither in place.
func (p *planner) regenerateColumn(table string, c *diff.ModifyColumn) {
	col := quote(c.To.Name)
	p.modifies = append(p.modifies,
		dialect.Step{SQL: alter(table) + "DROP COLUMN " + col, Destructive: c.From.Generated == nil,
			Comment: "a generated column's expression cannot be altered: the column is dropped and added again"},
		dialect.Step{SQL: alter(table) + "ADD COLUMN " + columnDef(c.To)})
	if c.To.Comment != "" {
		p.modifies = append(p.modifies, dialect.Step{SQL: commentOn("COLUMN", quote(table)+"."+col, c.To.Comment)})
	}
}

// changeType plans ALTER COLUMN … TYPE (with the narrowing check that
// needs a type the plan creates just before it) and reports whether it
// rewrites the table; the step is marked Rewrite then.
func (p *planner) changeType(table string, c *diff.ModifyColumn) bool {
	from, to := c.From, c.To
	col := quote(to.Name)
	if p.lateChecks[c] {
		p.modifies = append(p.modifies, dialect.Step{SQL: narrowCheck(table, c, isEnum(p.from, from.Type)), Comment: narrowComment(table, c)})
	}
	s := alter(table) + "ALTER COLUMN " + col + " TYPE " + baseType(to.Type)
	switch {
	case to.Collation != "":
		s += " COLLATE " + quote(to.Collation)
	case from.Collation != "":
		s += ` COLLATE "default"`
	}
	sameType := strings.EqualFold(baseType(from.Type), baseType(to.Type))
	if !sameType && to.Generated == nil {
		// No cast leads from an enum type to another type but to text.
		via := ""
		if isEnum(p.from, from.Type) {
			via = "::text"
		}
		s += " USING " + col + via + "::" + baseType(to.Type)
	}
	rewrite := !sameType && TypeChangeRewrites(baseType(from.Type), baseType(to.Type))
	p.modifies = append(p.modifies, dialect.Step{SQL: s, Destructive: c.What&diff.ChangeType != 0 && narrows(from, to), Rewrite: rewrite})
	return rewrite
}

// changeIdentity makes a column an identity column, or changes its kind
// or sequence options.
func (p *planner) changeIdentity(table string, from, to *schema.Column, serialSeq string) {
	col := quote(to.Name)
	ac := alter(table) + "ALTER COLUMN " + col + " "
	add := func(sql string) { p.modifies = append(p.modifies, dialect.Step{SQL: sql}) }
	switch {
	case from.Identity == "" && to.IdentityOptions == nil:
		add(ac + "ADD GENERATED " + to.Identity + " AS IDENTITY")
		add(fmt.Sprintf("SELECT setval(%s, coalesce(max(%s), 0) + 1, false) FROM %s", serialSeq, col, quote(table)))
	case from.Identity == "":
		o := to.IdentityOptions
		add(ac + "ADD GENERATED " + to.Identity + " AS IDENTITY (" + identityOptions(o, "") + ")")
		if o.Increment > 0 {
			add(fmt.Sprintf("SELECT setval(%s, greatest(coalesce(max(%s), 0) + 1, %d), false) FROM %s", serialSeq, col, o.Start, quote(table)))
		}
	default:
		if !strings.EqualFold(from.Identity, to.Identity) {
			add(ac + "SET GENERATED " + to.Identity)
		}
		fo, to := identitySequence(from), identitySequence(to)
		if identityOptions(fo, "") != identityOptions(to, "") {
			add(ac + identityOptions(to, "SET "))
		}
	}
}

// makeSerial gives a column that becomes serial its sequence: the one it
// owns already, given serial's options, or a new one that goes on after
// the column's highest value.
func (p *planner) makeSerial(table string, from, to *schema.Column) {
	col := quote(to.Name)
	ac := alter(table) + "ALTER COLUMN " + col + " "
	add := func(sql string) { p.modifies = append(p.modifies, dialect.Step{SQL: sql}) }
	sch, bare := splitKey(table)
	seqName := objectName(bare, to.Name, "seq")
	seq := qkey(sch, seqName)
	if old, ok := p.fromSequence(sch, seqName); ok && old.OwnerTable == bare && old.OwnerColumn == from.Name {
		// The column's own sequence with other options than serial's:
		// it is given serial's options and keeps its value.
		typ := baseType(to.Type)
		add("ALTER SEQUENCE " + quote(seq) + " " + sequenceOptions(&schema.Sequence{Type: typ, Start: 1, Increment: 1, Min: 1, Max: intMax[typ], Cache: 1}))
		add(ac + "SET DEFAULT nextval(" + literal(quote(seq)) + "::regclass)")
		p.keptSeqs[seq] = true
		return
	}
	add("CREATE SEQUENCE " + quote(seq) + " AS " + baseType(to.Type) + " OWNED BY " + quote(table) + "." + col)
	add(ac + "SET DEFAULT nextval(" + literal(quote(seq)) + "::regclass)")
	add(fmt.Sprintf("SELECT setval(%s, coalesce(max(%s), 0) + 1, false) FROM %s", literal(quote(seq)), col, quote(table)))
}

// identitySequence returns the options of identity column c's sequence,
// the defaults when IdentityOptions is nil.
func identitySequence(c *schema.Column) *schema.Sequence {
	if c.IdentityOptions != nil {
		return c.IdentityOptions
	}
	typ := baseType(c.Type)
	return &schema.Sequence{Type: typ, Start: 1, Increment: 1, Min: 1, Max: intMax[typ], Cache: 1}
}

// doBlock wraps PL/pgSQL statements in an anonymous DO block.
func doBlock(body string) string {
	return "DO $retort$ BEGIN " + body + " END $retort$"
}

// modifyEnum adds the new labels of an enum with ALTER TYPE … ADD VALUE
// when the old labels keep their order; otherwise it creates the type
// anew under its name and converts the columns that use it through text.
func (p *planner) modifyEnum(c *diff.ModifyEnum) {
	if subsequence(c.From.Values, c.To.Values) {
		placed := map[string]bool{}
		for _, v := range c.From.Values {
			placed[v] = true
		}
		for i, v := range c.To.Values {
			if placed[v] {
				continue
			}
			pos := ""
			if i > 0 {
				pos = " AFTER " + literal(c.To.Values[i-1])
			} else if j := slices.IndexFunc(c.To.Values, func(s string) bool { return placed[s] }); j >= 0 {
				pos = " BEFORE " + literal(c.To.Values[j])
			}
			p.enumValues = append(p.enumValues, dialect.Step{SQL: "ALTER TYPE " + quote(qkey(c.To.Schema, c.To.Name)) + " ADD VALUE " + literal(v) + pos})
			placed[v] = true
		}
		return
	}
	const suffix = "_retort_old"
	old := clip(c.From.Name, MaxIdentLen-len(suffix)) + suffix
	p.creates = append(p.creates,
		dialect.Step{SQL: "ALTER TYPE " + quote(qkey(c.From.Schema, c.From.Name)) + " RENAME TO " + quote(old),
			Comment: fmt.Sprintf("enum %s loses or reorders labels: it is created anew and its columns converted", c.To.Name)},
		dialect.Step{SQL: createEnum(c.To)})
	if c.To.Comment != "" && c.From.Comment == c.To.Comment {
		p.creates = append(p.creates, dialect.Step{SQL: commentOn("TYPE", quote(qkey(c.To.Schema, c.To.Name)), c.To.Comment)})
	}
	for _, t := range p.to.Tables {
		ft, ok := p.fromTable(tkey(t))
		if !ok || p.created[tkey(t)] {
			continue
		}
		for _, col := range t.Columns {
			fc, ok := ft.Column(col.Name)
			if !ok || !typeIs(col.Type, p.typeName(c.To)) || !typeIs(fc.Type, p.typeName(c.From)) {
				continue
			}
			ac := alter(tkey(t)) + "ALTER COLUMN " + quote(col.Name) + " "
			if fc.Default != "" {
				p.creates = append(p.creates, dialect.Step{SQL: ac + "DROP DEFAULT"})
			}
			p.creates = append(p.creates, dialect.Step{SQL: ac + "TYPE " + quote(qkey(c.To.Schema, c.To.Name)) + " USING " + quote(col.Name) + "::text::" + quote(qkey(c.To.Schema, c.To.Name))})
			if col.Default != "" {
				p.creates = append(p.creates, dialect.Step{SQL: ac + "SET DEFAULT " + col.Default})
			}
			p.typeTables[tkey(t)] = true
		}
	}
	p.oldEnums = append(p.oldEnums, qkey(c.From.Schema, old))
}

// subsequence reports whether every element of a appears in b, in order.
func subsequence(a, b []string) bool {
	i := 0
	for _, x := range b {
		if i < len(a) && a[i] == x {
			i++
		}
	}
	return i == len(a)
}

// isEnum reports whether the column type typ (as format_type prints it)
// is an enum type of s, or an array of one.
func isEnum(s *schema.Schema, typ string) bool {
	typ = strings.TrimSuffix(typ, "[]")
	return slices.ContainsFunc(s.Enums, func(e *schema.Enum) bool { return typeIs(typ, e.Name) })
}

// typeIs reports whether a column type as format_type prints it names the
// type name (quoted where it needs quotes).
func typeIs(colType, name string) bool {
	if sch, n, ok := strings.Cut(name, "\x00"); ok { // an enum of another schema
		for _, s := range []string{sch, quote(sch)} {
			for _, m := range []string{n, quote(n)} {
				if colType == s+"."+m {
					return true
				}
			}
		}
		return false
	}
	return colType == name || colType == quote(name)
}
