package mysql

import (
	"fmt"
	"hash/crc32"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// fkSwap is a foreign key whose actions or name change, replaced in place.
type fkSwap struct {
	table    string
	from, to *schema.ForeignKey // to is named
	comment  string
	// retarget marks a key replaced by one on the same columns that
	// references another table or other columns: the old key does not
	// enforce the new one's rule.
	retarget bool
}

// retargets pairs the foreign keys of a changed table that go away with
// those added on the same columns (another target), when nothing else in
// the plan endangers the old one: each pair is replaced in one statement
// instead of a drop and a later add, between which the table would have
// neither key.
func (p *planner) retargets(mt *diff.ModifyTable) map[*diff.DropForeignKey]*diff.AddForeignKey {
	var drops []*diff.DropForeignKey
	var adds []*diff.AddForeignKey
	for _, tc := range mt.Changes {
		switch tc := tc.(type) {
		case *diff.DropForeignKey:
			drops = append(drops, tc)
		case *diff.AddForeignKey:
			adds = append(adds, tc)
		}
	}
	out := map[*diff.DropForeignKey]*diff.AddForeignKey{}
	used := map[*diff.AddForeignKey]bool{}
	for _, d := range drops {
		if _, bad := p.endangered(mt.From.Name, d.FK); bad {
			continue
		}
		for _, a := range adds {
			if !used[a] && slices.EqualFunc(a.FK.Columns, d.FK.Columns, strings.EqualFold) {
				out[d], used[a] = a, true
				break
			}
		}
	}
	return out
}

// swapFK replaces a foreign key by one of the same columns and target in
// one ALTER TABLE … DROP FOREIGN KEY old, ADD CONSTRAINT new …,
// ALGORITHM=INPLACE, LOCK=NONE with foreign_key_checks off for that
// statement only: InnoDB swaps the keys without copying the table, and the
// table is never without an enforced key. The rows were checked for
// orphans before the plan's first statement, while the old key, which
// enforces the same rule, was in force. A key that keeps its name goes
// through a temporary name, since one statement cannot drop and add the
// same name. The server renames the key's own index (the one it made) to
// the new key's name.
//
// MariaDB scopes the setting to the statement (SET STATEMENT … FOR); MySQL
// has no such form, so the session setting is switched off and restored
// around the swaps (Transact restores it if a swap fails).
//
// A retargeted key (other parent table or columns) is not protected by
// the old key between the check and the swap. On MariaDB the first swap
// is then one statement the server validates (checks on: a table copy; a
// failing row leaves the old key in place); MySQL 8 cannot drop and add a
// key in one validating statement (COPY), so there the swap runs with
// checks off and the orphan check runs again after it, failing with the
// rows that came in between.
func (p *planner) swapFK(sw fkSwap) {
	if !p.checkEarly(sw.table, sw.to) {
		p.add(dialect.Step{SQL: orphanCheck(sw.table, sw.to), Comment: orphanComment(sw.table, sw.to)})
	}
	from := p.liveName(sw.table, sw.from)
	target := sw.to
	mariadb := p.srv != nil && p.srv.MariaDB
	head := alter(sw.table) + "DROP FOREIGN KEY "
	if mariadb {
		head = "SET STATEMENT foreign_key_checks = 0 FOR " + head
	}
	tail := func(to *schema.ForeignKey) string {
		return ", ADD " + fkClause(to) + ", ALGORITHM=INPLACE, LOCK=NONE"
	}
	comment := sw.comment + "\nswapped in place (foreign_key_checks off for the swap, ALGORITHM=INPLACE): the table keeps an enforced foreign key throughout"
	if sw.retarget && mariadb {
		p.retargetFK(sw, from, head, tail)
		return
	}
	if !mariadb {
		p.add(dialect.Step{SQL: saveFKChecksOff, Comment: comment})
		comment = ""
	}
	const through = "through a temporary name: one statement cannot drop and add the same name"
	tmp := *target
	tmp.Name = swapName(target.Name)
	known := from.Name != "" && !serverFKName(sw.table, from.Name)
	switch {
	case known && !strings.EqualFold(from.Name, target.Name):
		p.add(dialect.Step{SQL: head + quote(from.Name) + tail(target), Comment: comment})
	case known:
		p.add(dialect.Step{SQL: head + quote(from.Name) + tail(&tmp), Comment: joinComment(comment, through)})
		p.add(dialect.Step{SQL: head + quote(tmp.Name) + tail(target)})
	case serverFKName(sw.table, target.Name):
		// The key found may have the desired name already.
		p.byLiveName(sw.table, from, "swap", head+"`", "`"+tail(&tmp), alter(sw.table)+"ADD "+fkClause(&tmp), joinComment(comment, through))
		p.add(dialect.Step{SQL: head + quote(tmp.Name) + tail(target)})
	default:
		p.byLiveName(sw.table, from, "swap", head+"`", "`"+tail(target), alter(sw.table)+"ADD "+fkClause(target), comment)
	}
	if !mariadb {
		p.add(dialect.Step{SQL: restoreFKChecks})
	}
	if sw.retarget {
		p.add(dialect.Step{SQL: orphanCheck(sw.table, target),
			Comment: fmt.Sprintf("%s: checked again after the swap: rows that came in since the first check stop the migration here", target.Name)})
	}
}

// retargetFK replaces a key by one on another target on MariaDB: one
// statement that drops the old key and adds the new one, which the
// server validates (a table copy), then, when the name stays, a swap
// from the temporary name with checks off (the rule is the same).
func (p *planner) retargetFK(sw fkSwap, from *schema.ForeignKey, head string, tail func(*schema.ForeignKey) string) {
	target := sw.to
	tmp := *target
	tmp.Name = swapName(target.Name)
	first := target
	known := from.Name != "" && !serverFKName(sw.table, from.Name)
	if known && strings.EqualFold(from.Name, target.Name) || !known && serverFKName(sw.table, target.Name) {
		first = &tmp // the key found when it runs may have the desired name
	}
	comment := sw.comment + "\nreplaced in one statement that the server validates (a table copy): the old key stays if a row fails"
	drop := alter(sw.table) + "DROP FOREIGN KEY "
	add := ", ADD " + fkClause(first)
	if known {
		p.add(dialect.Step{SQL: drop + quote(from.Name) + add, Comment: comment})
	} else {
		p.byLiveName(sw.table, from, "replace", drop+"`", "`"+add, alter(sw.table)+"ADD "+fkClause(first), comment)
	}
	if first == &tmp {
		p.add(dialect.Step{SQL: head + quote(tmp.Name) + tail(target), Comment: "through a temporary name: one statement cannot drop and add the same name"})
	}
}

func joinComment(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

// swapName returns the temporary name a foreign key named name goes
// through when it is swapped under its own name.
func swapName(name string) string {
	n := "retort_swap_" + name
	if len(n) <= MaxIdentLen {
		return n
	}
	return fmt.Sprintf("%s_%08x", n[:MaxIdentLen-9], crc32.ChecksumIEEE([]byte(name)))
}

// checkEarly adds the orphan-row check of foreign key fk of table to the
// checks that run before the plan's first statement, when the database
// has its columns and its target already, and reports whether it did.
// Checks that need what the plan creates run just before their key is
// added, and the key is added with the server's own check.
func (p *planner) checkEarly(table string, fk *schema.ForeignKey) bool {
	key := p.fkKey(table, fk)
	if p.checked[key] {
		return true
	}
	t, ok := p.from.Table(table)
	if !ok || p.newTables[p.tk(table)] {
		return false
	}
	for _, c := range fk.Columns {
		if _, ok := t.Column(c); !ok {
			return false
		}
	}
	if fk.RefSchema == "" {
		parent, ok := p.from.Table(fk.RefTable)
		if !ok || p.newTables[p.tk(fk.RefTable)] || p.dropped[p.tk(fk.RefTable)] {
			return false
		}
		for _, c := range fk.RefColumns {
			if _, ok := parent.Column(c); !ok {
				return false
			}
		}
	}
	p.checked[key] = true
	p.early = append(p.early, dialect.Step{SQL: orphanCheck(table, fk), Comment: orphanComment(table, fk)})
	return true
}

// duplicatesEarly adds the duplicate-key check of a unique index or
// primary key of parts, about to be added to existing table t, to the
// checks that run before the plan's first statement, when t has all the
// columns already (the server refuses the others by itself).
func (p *planner) duplicatesEarly(t *schema.Table, parts []schema.IndexPart, what string, primary bool) {
	whole := map[string]bool{} // columns the key takes whole
	for _, part := range parts {
		if part.Column == "" {
			return
		}
		if _, ok := t.Column(part.Column); !ok {
			return
		}
		if part.Length == 0 {
			whole[lower(part.Column)] = true
		}
	}
	// A key that contains a unique key of the table already cannot have
	// duplicates.
	within := func(cols []string) bool {
		return len(cols) > 0 && !slices.ContainsFunc(cols, func(c string) bool { return !whole[lower(c)] })
	}
	if t.PrimaryKey != nil && within(t.PrimaryKey.Columns) {
		return
	}
	for _, ix := range t.Indexes {
		if cols, ok := ix.Columns(); ok && ix.Unique && !slices.ContainsFunc(ix.Parts, func(p schema.IndexPart) bool { return p.Length > 0 }) && within(cols) {
			return
		}
	}
	p.early = append(p.early, dialect.Step{SQL: duplicateCheck(t.Name, what, parts, primary),
		Comment: fmt.Sprintf("%s: rows with the same key stop the migration here, before %s is added", t.Name, what)})
}
