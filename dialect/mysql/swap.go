package mysql

import (
	"fmt"
	"hash/crc32"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// fkSwap is a foreign key whose actions or name change, replaced in place.
type fkSwap struct {
	table    string
	from, to *schema.ForeignKey // to is named
	comment  string
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
func (p *planner) swapFK(sw fkSwap) {
	p.checkEarly(sw.table, sw.to)
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
	if !mariadb {
		p.add(dialect.Step{SQL: "SET @retort_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0", Comment: comment})
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
	key := fkKey(table, fk)
	if p.checked[key] {
		return true
	}
	t, ok := p.from.Table(table)
	if !ok || p.newTables[lower(table)] {
		return false
	}
	for _, c := range fk.Columns {
		if _, ok := t.Column(c); !ok {
			return false
		}
	}
	if fk.RefSchema == "" {
		parent, ok := p.from.Table(fk.RefTable)
		if !ok || p.newTables[lower(fk.RefTable)] || p.dropped[lower(fk.RefTable)] {
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
