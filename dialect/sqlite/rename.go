package sqlite

import (
	"slices"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// renames adds the steps of the renames among changes, which Compare puts
// first: ALTER TABLE … RENAME TO and RENAME COLUMN (SQLite 3.25+), which
// keep the rows and rewrite the indexes, foreign keys, views and triggers
// that name the table or column. SQLite cannot rename an index: it is
// dropped and created under its new name (no data is lost), unless the
// table is rebuilt anyway. A UNIQUE constraint lives in the CREATE TABLE
// statement: its table is rebuilt (constraintRenames).
func (p *planner) renames(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.RenameTable:
			p.add(dialect.Step{SQL: "ALTER TABLE " + quote(c.From) + " RENAME TO " + quote(c.To)})
		case *diff.RenameColumn:
			p.add(dialect.Step{SQL: "ALTER TABLE " + quote(c.Table) + " RENAME COLUMN " + quote(c.From) + " TO " + quote(c.To)})
		case *diff.RenameIndex:
			if c.I.Constraint || p.rebuilt[fold(c.Table)] {
				continue // the rebuild drops the old index and creates the new one
			}
			p.add(dialect.Step{SQL: "DROP INDEX " + quote(c.From), Comment: "SQLite cannot rename an index: " + c.From + " is created again as " + c.To})
			if !c.I.Constraint {
				p.add(dialect.Step{SQL: createIndex(c.Table, c.I)})
			}
		}
	}
}

// constraintRenames returns changes with each rename of a UNIQUE
// constraint moved into its table's ModifyTable (made for it when the
// table has no other change, placed after the renames), so that the
// table is rebuilt under the constraint's new name.
func constraintRenames(from, to *schema.Schema, changes []diff.Change) []diff.Change {
	moved := map[string][]diff.Change{} // table → its constraint renames
	for _, c := range changes {
		if ri, ok := c.(*diff.RenameIndex); ok && ri.I.Constraint {
			moved[fold(ri.Table)] = append(moved[fold(ri.Table)], ri)
		}
	}
	if len(moved) == 0 {
		return changes
	}
	var out []diff.Change
	for _, c := range changes {
		if mt, ok := c.(*diff.ModifyTable); ok && moved[fold(mt.To.Name)] != nil {
			cp := *mt
			cp.Changes = slices.Concat(mt.Changes, moved[fold(mt.To.Name)])
			delete(moved, fold(mt.To.Name))
			c = &cp
		}
		out = append(out, c)
	}
	// Tables with no other change: a ModifyTable of their own, after the
	// renames.
	i := 0
	for i < len(out) && isRename(out[i]) {
		i++
	}
	var made []diff.Change
	for _, c := range changes {
		ri, ok := c.(*diff.RenameIndex)
		if !ok || moved[fold(ri.Table)] == nil {
			continue
		}
		ft, ok1 := from.Table(ri.Table)
		tt, ok2 := to.Table(ri.Table)
		if ok1 && ok2 {
			made = append(made, &diff.ModifyTable{From: ft, To: tt, Changes: moved[fold(ri.Table)]})
		}
		delete(moved, fold(ri.Table))
	}
	return slices.Concat(out[:i], made, out[i:])
}

func isRename(c diff.Change) bool {
	switch c.(type) {
	case *diff.RenameTable, *diff.RenameColumn, *diff.RenameIndex:
		return true
	}
	return false
}
