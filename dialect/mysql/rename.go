package mysql

import (
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
)

// renameSteps returns the steps of the renames among changes, which run
// first (before the checks, which name the tables and columns by their new
// names): RENAME TABLE, which foreign keys in and out follow; RENAME
// COLUMN on MariaDB 10.5+ and MySQL 8, else CHANGE COLUMN with the
// column's whole definition as it is; RENAME INDEX. Views are recreated
// by the rest of the plan when their definition names the old name.
func (p *planner) renameSteps(changes []diff.Change) []dialect.Step {
	var out []dialect.Step
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.RenameTable:
			out = append(out, dialect.Step{SQL: "RENAME TABLE " + quote(c.From) + " TO " + quote(c.To)})
		case *diff.RenameColumn:
			if p.srv == nil || p.srv.MariaDB && p.srv.AtLeast(10, 5, 2) || !p.srv.MariaDB && p.srv.AtLeast(8, 0, 0) {
				out = append(out, dialect.Step{SQL: alter(c.Table) + "RENAME COLUMN " + quote(c.From) + " TO " + quote(c.To)})
				continue
			}
			// p.from has the renames done: the column as it is, new name.
			// A MariaDB column CHECK is named after its column and lives in
			// its definition: the desired one, which names the new name.
			col, check := c.C, ""
			if t, ok := p.from.Table(c.Table); ok {
				if old, ok := t.Column(c.To); ok {
					col = old
				}
			}
			if t, ok := p.to.Table(c.Table); ok && p.srv.MariaDB {
				for _, ck := range t.Checks {
					if strings.EqualFold(ck.Name, c.To) {
						check = ck.Expr
					}
				}
			}
			out = append(out, dialect.Step{SQL: alter(c.Table) + "CHANGE COLUMN " + quote(c.From) + " " + columnDef(col, check)})
		case *diff.RenameIndex:
			out = append(out, dialect.Step{SQL: alter(c.Table) + "RENAME INDEX " + quote(c.From) + " TO " + quote(c.To)})
		}
	}
	return out
}
