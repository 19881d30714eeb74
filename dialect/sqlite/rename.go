package sqlite

import (
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
)

// renames adds the steps of the renames among changes, which Compare puts
// first: ALTER TABLE … RENAME TO and RENAME COLUMN (SQLite 3.25+), which
// keep the rows and rewrite the indexes, foreign keys, views and triggers
// that name the table or column. SQLite cannot rename an index: it is
// dropped and created under its new name (no data is lost), unless the
// table is rebuilt anyway.
func (p *planner) renames(changes []diff.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.RenameTable:
			p.add(dialect.Step{SQL: "ALTER TABLE " + quote(c.From) + " RENAME TO " + quote(c.To)})
		case *diff.RenameColumn:
			p.add(dialect.Step{SQL: "ALTER TABLE " + quote(c.Table) + " RENAME COLUMN " + quote(c.From) + " TO " + quote(c.To)})
		case *diff.RenameIndex:
			if p.rebuilt[fold(c.Table)] {
				continue // the rebuild drops the old index and creates the new one
			}
			p.add(dialect.Step{SQL: "DROP INDEX " + quote(c.From), Comment: "SQLite cannot rename an index: " + c.From + " is created again as " + c.To})
			if !c.I.Constraint {
				p.add(dialect.Step{SQL: createIndex(c.Table, c.I)})
			}
		}
	}
}
