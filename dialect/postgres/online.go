package postgres

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// The online routes (the default; WithOnline(false) turns them off) keep
// writers of a table that exists before the plan from waiting for a scan or
// an index build:
//
//   - SET NOT NULL: a helper CHECK (col IS NOT NULL) NOT VALID in the main
//     transaction, VALIDATE in a transaction of its own, then SET NOT NULL
//     (which uses the validated check instead of scanning) and the
//     helper's drop in another;
//   - ADD CHECK: NOT VALID, then VALIDATE in a transaction of its own;
//   - CREATE / DROP INDEX: CONCURRENTLY, each step outside any transaction;
//   - ADD UNIQUE / PRIMARY KEY: CREATE UNIQUE INDEX CONCURRENTLY, then ADD
//     CONSTRAINT … USING INDEX in a short transaction.
//
// A key that a foreign key of the current schema references takes the
// plain route (that foreign key is recreated in the main transaction and
// needs it there); the foreign keys the plan adds that reference a key
// built concurrently are added after it (planLateKeys). A partitioned table's plain indexes are created ON ONLY
// the parent, built CONCURRENTLY on each partition and attached
// (addPartitionedIndex); its other changes take the plain route
// (PostgreSQL builds no index CONCURRENTLY on it, attaches no constraint
// USING INDEX there, nor accepts a NOT VALID check).

// onlineTable reports whether changes to t, a table that exists before the
// plan, take the online routes.
func (p *planner) onlineTable(t *schema.Table) bool {
	return !p.d.offline && t.PartitionBy == ""
}

// keyReferenced reports whether a foreign key of the current schema
// references the key on cols of table: such a key takes the plain route
// (its foreign keys need it in the main transaction).
func (p *planner) keyReferenced(table string, cols []string) bool {
	for _, t := range p.from.Tables {
		for _, fk := range t.ForeignKeys {
			if !p.external(fk) && p.refKey(fk) == table && sameSet(fk.RefColumns, cols) {
				return true
			}
		}
	}
	return false
}

// planLateKeys records, before the foreign keys are planned, the keys
// (primary keys and unique indexes) of existing tables that the online
// routes build concurrently after the main transaction: the foreign keys
// the plan adds that reference one are added after it (lateFKs), NOT
// VALID, and validated in transactions of their own.
func (p *planner) planLateKeys(mods []*diff.ModifyTable) {
	p.plainIx = map[string]map[string]bool{}
	p.lateKeys = map[string][][]string{}
	for _, mt := range mods {
		table := tkey(mt.To)
		online := p.onlineTable(mt.To)
		p.plainIx[table] = p.plainIndexes(table, mt, online)
		if !online {
			continue
		}
		for _, c := range mt.Changes {
			switch c := c.(type) {
			case *diff.AddIndex:
				if cols, ok := c.I.Columns(); ok && c.I.Unique && c.I.Where == "" && !p.plainIx[table][c.I.Name] {
					p.lateKeys[table] = append(p.lateKeys[table], cols)
				}
			case *diff.ModifyPrimaryKey:
				if c.To != nil && !pkRenamed(c) && !p.keyReferenced(table, c.To.Columns) {
					p.lateKeys[table] = append(p.lateKeys[table], c.To.Columns)
				}
			}
		}
	}
}

// lateKey reports whether the key on cols of table is built after the
// main transaction (planLateKeys).
func (p *planner) lateKey(table string, cols []string) bool {
	return slices.ContainsFunc(p.lateKeys[table], func(k []string) bool { return sameSet(k, cols) })
}

// notNullCheckName is the name of the helper CHECK of the online SET NOT
// NULL route: <table>_<column>_not_null, cut as PostgreSQL cuts the names
// it chooses.
func notNullCheckName(table, column string) string {
	return objectName(bareName(table), column, "not_null")
}

// constraintNamed reports whether table has, before or after the plan, a
// constraint or index called name.
func (p *planner) constraintNamed(table, name string) bool {
	for _, t := range []*schema.Table{p.fromTableOrNil(table), p.toTableOrNil(table)} {
		if t == nil {
			continue
		}
		for _, ck := range t.Checks {
			if ck.Name == name {
				return true
			}
		}
		for _, ix := range t.Indexes {
			if ix.Name == name {
				return true
			}
		}
		for _, fk := range t.ForeignKeys {
			if fk.Name == name {
				return true
			}
		}
		if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
			return true
		}
	}
	return false
}

func (p *planner) fromTableOrNil(key string) *schema.Table {
	t, _ := p.fromTable(key)
	return t
}

func (p *planner) toTableOrNil(key string) *schema.Table {
	for _, t := range p.to.Tables {
		if tkey(t) == key {
			return t
		}
	}
	return nil
}

// setNotNull plans SET NOT NULL on column col of table: the plain
// statement when plain is set (the table is rewritten anyway, or identity
// is added, which needs NOT NULL first), else the online route.
func (p *planner) setNotNull(table, col string, plain bool) {
	ac := alter(table) + "ALTER COLUMN " + quote(col) + " "
	name := notNullCheckName(table, col)
	if plain || p.constraintNamed(table, name) {
		p.modifies = append(p.modifies, dialect.Step{SQL: ac + "SET NOT NULL"})
		return
	}
	if _, ok := p.fromTable(table); ok && !p.typeTables[table] {
		p.early = append(p.early, dialect.Step{SQL: nullCheck(table, col),
			Comment: fmt.Sprintf("rows of %s whose %s is NULL stop the migration here", display(table), col)})
	}
	p.modifies = append(p.modifies, dialect.Step{
		SQL:     alter(table) + "ADD CONSTRAINT " + quote(name) + " CHECK (" + quote(col) + " IS NOT NULL) NOT VALID",
		Comment: "online SET NOT NULL: a helper check, validated without blocking writers, spares SET NOT NULL its scan"})
	p.validates = append(p.validates, dialect.Step{SQL: alter(table) + "VALIDATE CONSTRAINT " + quote(name), Commit: true})
	p.notNulls = append(p.notNulls,
		dialect.Step{SQL: ac + "SET NOT NULL"},
		dialect.Step{SQL: alter(table) + "DROP CONSTRAINT " + quote(name), Commit: true})
}

// nullCheck returns a DO block that counts the rows of table whose col is
// NULL and, if there are any, raises not_null_violation with the count,
// before the plan changes anything.
func nullCheck(table, col string) string {
	esc := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	msg := "retort: % row(s) of " + esc(display(table)) + " have " + esc(col) + " NULL, so it cannot be made NOT NULL"
	body := fmt.Sprintf(`DECLARE
  retort_n bigint;
BEGIN
  SELECT count(*) INTO retort_n FROM %s c WHERE c.%s IS NULL;
  IF retort_n > 0 THEN
    RAISE EXCEPTION %s, retort_n
      USING ERRCODE = 'not_null_violation',
            HINT = 'update those rows (or give the column a default and fill it), then run the migration again';
  END IF;
END`, quote(table), quote(col), literal(msg))
	tag := dollarTag(body)
	return "DO " + tag + "\n" + body + "\n" + tag
}

// dollarTag returns a dollar-quote tag that body does not contain.
func dollarTag(body string) string {
	tag := "$retort$"
	for i := 1; strings.Contains(body, tag); i++ {
		tag = fmt.Sprintf("$retort%d$", i)
	}
	return tag
}

// addCheck plans ADD CONSTRAINT … CHECK on an existing table: NOT VALID
// and VALIDATE in a transaction of its own when online, else the plain
// statement (a check the desired schema declares NOT VALID stays so).
func (p *planner) addCheck(table string, ck *schema.Check, online bool) {
	sql := alter(table) + "ADD CONSTRAINT " + quote(ck.Name) + " " + checkClause(ck)
	if ck.NotValid || online {
		sql += " NOT VALID"
	}
	p.modifies = append(p.modifies, dialect.Step{SQL: sql})
	if online && !ck.NotValid {
		p.validates = append(p.validates, dialect.Step{SQL: alter(table) + "VALIDATE CONSTRAINT " + quote(ck.Name), Commit: true})
	}
}

// addUnique plans a UNIQUE constraint on an existing table: online, its
// index built concurrently and attached in a short transaction.
func (p *planner) addUnique(table string, ix *schema.Index) {
	u := &schema.Index{Name: ix.Name, Unique: true, Parts: ix.Parts, Include: ix.Include, NullsNotDistinct: ix.NullsNotDistinct,
		StorageParams: ix.StorageParams}
	p.concurrent = append(p.concurrent, dialect.Step{SQL: createIndex(table, u, true), NoTx: true})
	p.usingIndex = append(p.usingIndex, dialect.Step{SQL: alter(table) + "ADD CONSTRAINT " + quote(ix.Name) + " UNIQUE USING INDEX " + quote(ix.Name) + deferClause(ix.Deferrable, ix.InitiallyDeferred)})
}

// addPrimaryKey plans a primary key on an existing table: online, its
// unique index built concurrently and attached in a short transaction
// (its columns are NOT NULL by then: the online SET NOT NULL route runs
// before, see result).
func (p *planner) addPrimaryKey(table string, pk *schema.PrimaryKey) {
	parts := make([]schema.IndexPart, len(pk.Columns))
	for i, c := range pk.Columns {
		parts[i] = schema.IndexPart{Column: c}
	}
	u := &schema.Index{Name: pk.Name, Unique: true, Parts: parts, Include: pk.Include, StorageParams: pk.StorageParams}
	p.concurrent = append(p.concurrent, dialect.Step{SQL: createIndex(table, u, true), NoTx: true})
	p.usingIndex = append(p.usingIndex, dialect.Step{SQL: alter(table) + "ADD CONSTRAINT " + quote(pk.Name) + " PRIMARY KEY USING INDEX " + quote(pk.Name) + deferClause(pk.Deferrable, pk.InitiallyDeferred)})
}

// addPartitionedIndex plans an index (not a constraint) on partitioned
// table t the online way, and reports whether it could: PostgreSQL
// builds no index CONCURRENTLY on a partitioned table, so the parent's is
// created ON ONLY (invalid, on the parent alone: no scan), each
// partition's is built CONCURRENTLY, and each is attached to the
// parent's, which becomes valid with the last. It cannot when a partition
// is partitioned itself, when a partition is attached by the plan (ATTACH
// builds the partition's index itself), or when the name it would give a
// partition's index is taken.
func (p *planner) addPartitionedIndex(t *schema.Table, ix *schema.Index) bool {
	type part struct{ key, index string }
	var parts []part
	for _, pt := range p.to.Tables {
		if pt.PartitionOf != t.Name || pt.Schema != t.Schema {
			continue
		}
		key := tkey(pt)
		old, existed := p.fromTable(key)
		if pt.PartitionBy != "" || (existed && old.PartitionOf != t.Name) {
			return false
		}
		name := p.n.index(pt.Name, ix)
		if p.constraintNamed(key, name) {
			return false
		}
		parts = append(parts, part{key, name})
	}
	table := tkey(t)
	head := "INDEX " + quote(ix.Name) + " ON "
	p.modifies = append(p.modifies, dialect.Step{SQL: strings.Replace(createIndex(table, ix, false), head, head+"ONLY ", 1),
		Comment: "on the partitioned table alone (no scan); each partition's index is built concurrently and attached below"})
	for _, pt := range parts {
		child := *ix
		child.Name = pt.index
		p.concurrent = append(p.concurrent, dialect.Step{SQL: createIndex(pt.key, &child, true), NoTx: true})
		p.usingIndex = append(p.usingIndex, dialect.Step{SQL: "ALTER INDEX " + quote(qkey(t.Schema, ix.Name)) + " ATTACH PARTITION " + quote(qkey(t.Schema, pt.index))})
	}
	p.builtLate[table+"\x00"+ix.Name] = true
	return true
}
