package postgres

import (
	"slices"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
)

// renameSteps returns the steps of the renames among changes, which run
// first: ALTER TABLE … RENAME TO and RENAME COLUMN keep the rows, and the
// indexes, keys, views and triggers follow them (PostgreSQL stores
// references, not names). A UNIQUE constraint is renamed with RENAME
// CONSTRAINT (its index follows), an index with ALTER INDEX.
func renameSteps(changes []diff.Change) []dialect.Step {
	var out []dialect.Step
	for _, c := range changes {
		switch c := c.(type) {
		case *diff.RenameTable:
			out = append(out, dialect.Step{SQL: alter(c.From) + "RENAME TO " + quote(c.To)})
		case *diff.RenameColumn:
			out = append(out, dialect.Step{SQL: alter(c.Table) + "RENAME COLUMN " + quote(c.From) + " TO " + quote(c.To)})
		case *diff.RenameIndex:
			if c.I.Constraint {
				out = append(out, dialect.Step{SQL: alter(c.Table) + "RENAME CONSTRAINT " + quote(c.From) + " TO " + quote(c.To)})
			} else {
				out = append(out, dialect.Step{SQL: "ALTER INDEX " + quote(c.From) + " RENAME TO " + quote(c.To)})
			}
		}
	}
	return out
}

// pkRenamed reports whether a primary key changes in its name only (as
// <table>_pkey does when its table is renamed): it is renamed, not
// dropped and added, and the foreign keys that reference it stay.
func pkRenamed(c *diff.ModifyPrimaryKey) bool {
	if c.From == nil || c.To == nil || c.To.Name == "" || c.From.Name == c.To.Name {
		return false
	}
	to := *c.To
	to.Name = c.From.Name
	return slices.Equal(c.From.Columns, to.Columns) && slices.Equal(c.From.Parts, to.Parts) &&
		c.From.Desc == to.Desc && c.From.OnConflict == to.OnConflict && c.From.Comment == to.Comment
}
