package mysql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

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

// addFKOnline adds foreign key a.fk to a table that exists, after its
// orphan check, without copying the table: the server adds a key in
// place (ALGORITHM=INPLACE, LOCK=NONE) only with foreign_key_checks off
// (MariaDB; MySQL 8's online DDL table says the same), so it does not
// check the rows itself. Rows written between the orphan check and the
// ALTER are checked right after it, when the key guards every new write:
//
//  1. the ALTER, checks off for that statement;
//  2. if rows are orphaned, the key is dropped again (SET @retort_sql,
//     PREPARE, EXECUTE, DEALLOCATE: no stored program needed);
//  3. the orphan check, which then fails with the count, the table and
//     the key: the table ends without the key, as before step 1;
//  4. the key is added again, validated by the server (a table copy),
//     if it is missing: on the normal path this is DO 0; it matters when
//     a migration file is resumed at 3 after the orphans were fixed,
//     since the runner records 1 and 2 as done.
func (p *planner) addFKOnline(a fkAdd) {
	comment := joinComment(a.comment, fmt.Sprintf("%s: added in place (foreign_key_checks off for the ALTER, ALGORITHM=INPLACE): the table is not copied; rows written since the check are checked again below", a.fk.Name))
	add := alter(a.table) + "ADD " + fkClause(a.fk) + algoInplace.clause()
	if p.srv != nil && p.srv.MariaDB {
		p.add(dialect.Step{SQL: "SET STATEMENT foreign_key_checks = 0 FOR " + add, Comment: comment})
	} else {
		p.add(dialect.Step{SQL: saveFKChecksOff, Comment: comment})
		p.add(dialect.Step{SQL: add})
		p.add(dialect.Step{SQL: restoreFKChecks})
	}
	drop := alter(a.table) + "DROP FOREIGN KEY " + quote(a.fk.Name)
	p.prepared(fmt.Sprintf("SET @retort_sql = (SELECT IF(COUNT(*) = 0, 'DO 0', %s)\n  FROM %s c\n  WHERE %s)",
		literal(drop), quote(a.table), orphanWhere(a.fk)),
		fmt.Sprintf("%s: rows written since the check without a parent: the key is dropped again, and the check below fails", a.fk.Name))
	p.add(dialect.Step{SQL: orphanCheck(a.table, a.fk), Comment: orphanComment(a.table, a.fk)})
	p.prepared(fmt.Sprintf(`SET @retort_sql = IF(EXISTS (SELECT 1 FROM information_schema.REFERENTIAL_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = %s AND CONSTRAINT_NAME = %s), 'DO 0', %s)`,
		literal(a.table), literal(a.fk.Name), literal(alter(a.table)+"ADD "+fkClause(a.fk))),
		fmt.Sprintf("%s: added again, validated by the server, only if the check above failed once and the migration was resumed", a.fk.Name))
}

// prepared adds the steps that set @retort_sql with set and run the
// statement it holds.
func (p *planner) prepared(set, comment string) {
	p.add(dialect.Step{SQL: set, Comment: comment})
	p.add(dialect.Step{SQL: "PREPARE retort_stmt FROM @retort_sql"})
	p.add(dialect.Step{SQL: "EXECUTE retort_stmt"})
	p.add(dialect.Step{SQL: "DEALLOCATE PREPARE retort_stmt"})
}
