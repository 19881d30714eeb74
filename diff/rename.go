package diff

import (
	"fmt"
	"slices"

	"github.com/retortdb/retort/schema"
)

// Renames, schema-level changes. Compare puts them first: the changes after
// them see the renamed objects (their From tables carry the new names).
type (
	// RenameTable renames a table; its rows, indexes and keys stay, and the
	// foreign keys that reference it follow.
	RenameTable struct{ From, To string }
	// RenameColumn renames a column of Table (the table's name after any
	// RenameTable); its values stay, and indexes and foreign keys on it or
	// referencing it follow. C is the column as the desired schema has it.
	RenameColumn struct {
		Table, From, To string
		C               *schema.Column
	}
	// RenameIndex renames an index or a UNIQUE constraint of Table. I is
	// the index as the desired schema has it.
	RenameIndex struct {
		Table, From, To string
		I               *schema.Index
	}
)

func (*RenameTable) change()  {}
func (*RenameColumn) change() {}
func (*RenameIndex) change()  {}

// Renames gives Compare the rename hints of the desired schema
// (schema.Schema.Renames). A hint is followed when from has the old name
// and lacks the new one, and to has the new name and lacks the old one:
// Compare then returns a rename instead of a drop and an add. Any other
// hint is left alone (see CheckRenames for the ones worth reporting).
// Hints with Not set are not renames and are ignored here.
func Renames(hints ...schema.Rename) Option {
	return func(o *options) { o.renames = append(o.renames, hints...) }
}

// ReverseRenames returns the hints that undo hints: each old name becomes
// the new one, so that comparing the desired schema back to the old one
// plans the reverse renames.
func ReverseRenames(hints []schema.Rename) []schema.Rename {
	out := make([]schema.Rename, 0, len(hints))
	tables := map[string]string{} // new table name → old
	for _, h := range hints {
		if h.Kind == schema.RenameTable && !h.Not {
			tables[h.To] = h.From
		}
	}
	for _, h := range hints {
		if h.Not {
			continue
		}
		h.From, h.To = h.To, h.From
		if h.Kind == schema.RenameTable {
			h.Table = h.To
		} else if old, ok := tables[h.Table]; ok {
			h.Table = old
		}
		out = append(out, h)
	}
	return out
}

// renames returns the renames among hints that apply to from and to, tables
// first, then columns and indexes.
func renames(from, to *schema.Schema, hints []schema.Rename, r schema.CaseRules) []Change {
	var out []Change
	tableFrom := map[string]string{} // key of the new table name → old name in from
	for _, h := range hints {
		if h.Not || h.Kind != schema.RenameTable {
			continue
		}
		if old, want, ok := renamable(from.Tables, to.Tables, tableName, h, r.Tables); ok {
			out = append(out, &RenameTable{From: old.Name, To: want.Name})
			tableFrom[r.Tables.Key(want.Name)] = old.Name
		}
	}
	for _, h := range hints {
		if h.Not || h.Kind == schema.RenameTable {
			continue
		}
		want, ok := find(to.Tables, tableName, h.Table, r.Tables)
		if !ok {
			continue
		}
		name := want.Name
		if old, ok := tableFrom[r.Tables.Key(want.Name)]; ok {
			name = old
		}
		have, ok := find(from.Tables, tableName, name, r.Tables)
		if !ok {
			continue
		}
		switch h.Kind {
		case schema.RenameColumn:
			if old, c, ok := renamable(have.Columns, want.Columns, columnName, h, r.Columns); ok {
				out = append(out, &RenameColumn{Table: want.Name, From: old.Name, To: c.Name, C: c})
			}
		case schema.RenameIndex, schema.RenameConstraint:
			if old, ix, ok := renamable(have.Indexes, want.Indexes, indexName, h, r.Indexes); ok && old.Constraint == ix.Constraint {
				out = append(out, &RenameIndex{Table: want.Name, From: old.Name, To: ix.Name, I: ix})
			}
		}
	}
	// Columns after tables, indexes last: each sees the names before it.
	slices.SortStableFunc(out, func(a, b Change) int { return renameOrder(a) - renameOrder(b) })
	return out
}

// renamable returns the object named h.From in have and the one named
// h.To in want, when have lacks the new name and want the old one: the
// hint applies.
func renamable[T any](have, want []T, nameOf func(T) string, h schema.Rename, f schema.Fold) (old, now T, ok bool) {
	old, oldOK := find(have, nameOf, h.From, f)
	_, newOK := find(have, nameOf, h.To, f)
	now, wantOK := find(want, nameOf, h.To, f)
	_, stillOK := find(want, nameOf, h.From, f)
	return old, now, oldOK && !newOK && wantOK && !stillOK
}

func renameOrder(c Change) int {
	switch c.(type) {
	case *RenameTable:
		return 0
	case *RenameColumn:
		return 1
	}
	return 2
}

func indexName(ix *schema.Index) string { return ix.Name }

// CheckRenames reports the hints of to that cannot be followed against
// from. It returns an error naming the file and line of the first hint
// whose old and new names both exist in from (only the user can say which
// one stays), and one warning per hint that matches nothing in from (the
// object is created as new).
func CheckRenames(from, to *schema.Schema, opts ...Option) (warnings []string, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	r := from.Case
	if r == (schema.CaseRules{}) {
		r = to.Case
	}
	if o.rules != nil {
		r = *o.rules
	}
	applied := renames(from, to, to.Renames, r)
	tableFrom := map[string]string{}
	for _, c := range applied {
		if c, ok := c.(*RenameTable); ok {
			tableFrom[r.Tables.Key(c.To)] = c.From
		}
	}
	for _, h := range to.Renames {
		if h.Not {
			continue
		}
		var oldOK, newOK bool
		if h.Kind == schema.RenameTable {
			_, oldOK = find(from.Tables, tableName, h.From, r.Tables)
			_, newOK = find(from.Tables, tableName, h.To, r.Tables)
		} else {
			name := h.Table
			if old, ok := tableFrom[r.Tables.Key(h.Table)]; ok {
				name = old
			}
			t, ok := find(from.Tables, tableName, name, r.Tables)
			if !ok {
				// The table is new: so is everything on it.
				warnings = append(warnings, fmt.Sprintf("%s: rename hint matched nothing: table %s does not exist, %s is created",
					h.Pos(), name, h.Object(h.To)))
				continue
			}
			if h.Kind == schema.RenameColumn {
				_, oldOK = find(t.Columns, columnName, h.From, r.Columns)
				_, newOK = find(t.Columns, columnName, h.To, r.Columns)
			} else {
				_, oldOK = find(t.Indexes, indexName, h.From, r.Indexes)
				_, newOK = find(t.Indexes, indexName, h.To, r.Indexes)
			}
		}
		switch {
		case oldOK && newOK:
			return warnings, fmt.Errorf("%s: rename hint: both %s and %s exist; drop one of them or remove the hint",
				h.Pos(), h.Object(h.From), h.Object(h.To))
		case !oldOK && !newOK:
			warnings = append(warnings, fmt.Sprintf("%s: rename hint matched nothing: neither %s nor %s exists, %s is created",
				h.Pos(), h.Object(h.From), h.To, h.Object(h.To)))
		}
	}
	return warnings, nil
}

// AfterRenames returns a copy of s in which the renames among changes are
// done: tables, columns and indexes carry their new names, and so do the
// foreign keys, keys and triggers that name them. Definitions held as SQL
// text (views, checks, trigger bodies) are left as they are. s itself is
// not modified; without renames it is returned as is.
func AfterRenames(s *schema.Schema, changes []Change) *schema.Schema {
	return afterRenames(s, changes, s.Case)
}

func afterRenames(s *schema.Schema, changes []Change, r schema.CaseRules) *schema.Schema {
	var rn []Change
	for _, c := range changes {
		switch c.(type) {
		case *RenameTable, *RenameColumn, *RenameIndex:
			rn = append(rn, c)
		}
	}
	if len(rn) == 0 {
		return s
	}
	out := *s
	out.Tables = make([]*schema.Table, len(s.Tables))
	for i, t := range s.Tables {
		out.Tables[i] = cloneTable(t)
	}
	out.Triggers = make([]*schema.Trigger, len(s.Triggers))
	for i, tr := range s.Triggers {
		c := *tr
		out.Triggers[i] = &c
	}
	rename := func(names []string, from, to string) {
		for i, n := range names {
			if r.Columns.Equal(n, from) {
				names[i] = to
			}
		}
	}
	renameParts := func(parts []schema.IndexPart, from, to string) {
		for i := range parts {
			if r.Columns.Equal(parts[i].Column, from) {
				parts[i].Column = to
			}
		}
	}
	for _, c := range rn {
		switch c := c.(type) {
		case *RenameTable:
			for _, t := range out.Tables {
				if r.Tables.Equal(t.Name, c.From) {
					t.Name = c.To
				}
				for _, fk := range t.ForeignKeys {
					if fk.RefSchema == "" && r.Tables.Equal(fk.RefTable, c.From) {
						fk.RefTable = c.To
					}
				}
			}
			for _, tr := range out.Triggers {
				if r.Tables.Equal(tr.Table, c.From) {
					tr.Table = c.To
				}
			}
		case *RenameColumn:
			for _, t := range out.Tables {
				if r.Tables.Equal(t.Name, c.Table) {
					for _, col := range t.Columns {
						if r.Columns.Equal(col.Name, c.From) {
							col.Name = c.To
						}
					}
					if t.PrimaryKey != nil {
						rename(t.PrimaryKey.Columns, c.From, c.To)
						renameParts(t.PrimaryKey.Parts, c.From, c.To)
					}
					for _, ix := range t.Indexes {
						renameParts(ix.Parts, c.From, c.To)
						rename(ix.Include, c.From, c.To)
					}
					for _, fk := range t.ForeignKeys {
						rename(fk.Columns, c.From, c.To)
					}
				}
				for _, fk := range t.ForeignKeys {
					if fk.RefSchema == "" && r.Tables.Equal(fk.RefTable, c.Table) {
						rename(fk.RefColumns, c.From, c.To)
					}
				}
			}
		case *RenameIndex:
			for _, t := range out.Tables {
				if !r.Tables.Equal(t.Name, c.Table) {
					continue
				}
				for _, ix := range t.Indexes {
					if r.Indexes.Equal(ix.Name, c.From) {
						ix.Name = c.To
					}
				}
			}
		}
	}
	return &out
}

// cloneTable copies t deeply enough for AfterRenames to rename in the copy.
func cloneTable(t *schema.Table) *schema.Table {
	c := *t
	c.Columns = make([]*schema.Column, len(t.Columns))
	for i, col := range t.Columns {
		cc := *col
		c.Columns[i] = &cc
	}
	if t.PrimaryKey != nil {
		pk := *t.PrimaryKey
		pk.Columns = slices.Clone(pk.Columns)
		pk.Parts = slices.Clone(pk.Parts)
		c.PrimaryKey = &pk
	}
	c.Indexes = make([]*schema.Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		cx := *ix
		cx.Parts = slices.Clone(ix.Parts)
		cx.Include = slices.Clone(ix.Include)
		c.Indexes[i] = &cx
	}
	c.ForeignKeys = make([]*schema.ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		cf := *fk
		cf.Columns = slices.Clone(fk.Columns)
		cf.RefColumns = slices.Clone(fk.RefColumns)
		c.ForeignKeys[i] = &cf
	}
	return &c
}

// Guess is a drop and an add that look like a rename: a table that goes
// away while one with the same columns appears, or a column that goes away
// while one of the same type appears in the same table.
type Guess struct {
	Kind schema.RenameKind
	// Table is the table in the desired schema (for a table, To).
	Table, From, To string
}

// Hint returns the comment to put on the line of the object in the
// desired schema to plan the rename.
func (g Guess) Hint() string { return "-- retort:renamed-from " + g.From }

// GuessRenames returns the drop-and-add pairs of changes that look like
// renames, except those that a hint of to with Not set rules out
// ("-- retort:not-renamed-from old"). Only one-to-one pairs are guessed:
// a table with one column dropped and one added of the same type, and one
// table dropped while one with the same column names and types is added.
func GuessRenames(changes []Change, desired *schema.Schema) []Guess {
	r := desired.Case
	not := func(kind schema.RenameKind, table, from, to string) bool {
		for _, h := range desired.Renames {
			names := r.Columns
			if kind == schema.RenameTable {
				names = r.Tables
			}
			if h.Not && h.Kind == kind && r.Tables.Equal(h.Table, table) && names.Equal(h.From, from) && names.Equal(h.To, to) {
				return true
			}
		}
		return false
	}
	var out []Guess
	var added, dropped []*schema.Table
	for _, c := range changes {
		switch c := c.(type) {
		case *AddTable:
			added = append(added, c.T)
		case *DropTable:
			dropped = append(dropped, c.T)
		case *ModifyTable:
			var adds, drops []*schema.Column
			for _, tc := range c.Changes {
				switch tc := tc.(type) {
				case *AddColumn:
					adds = append(adds, tc.C)
				case *DropColumn:
					drops = append(drops, tc.C)
				}
			}
			if len(adds) == 1 && len(drops) == 1 && sameType(adds[0].Type, drops[0].Type) &&
				!not(schema.RenameColumn, c.To.Name, drops[0].Name, adds[0].Name) {
				out = append(out, Guess{Kind: schema.RenameColumn, Table: c.To.Name, From: drops[0].Name, To: adds[0].Name})
			}
		}
	}
	if len(added) == 1 && len(dropped) == 1 && sameColumns(dropped[0], added[0], r) &&
		!not(schema.RenameTable, added[0].Name, dropped[0].Name, added[0].Name) {
		out = append(out, Guess{Kind: schema.RenameTable, Table: added[0].Name, From: dropped[0].Name, To: added[0].Name})
	}
	return out
}

// sameColumns reports whether a and b have the same column names and types,
// in any order.
func sameColumns(a, b *schema.Table, r schema.CaseRules) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for _, c := range a.Columns {
		o, ok := find(b.Columns, columnName, c.Name, r.Columns)
		if !ok || !sameType(c.Type, o.Type) {
			return false
		}
	}
	return true
}

// describeRename is Describe's line for a rename.
func describeRename(c Change) string {
	switch c := c.(type) {
	case *RenameTable:
		return fmt.Sprintf("%s: table renamed from %s", c.To, c.From)
	case *RenameColumn:
		return fmt.Sprintf("%s: column %s renamed to %s", c.Table, c.From, c.To)
	case *RenameIndex:
		return c.Table + ": " + describeIndexRename(c)
	}
	return ""
}

func describeIndexRename(c *RenameIndex) string {
	kind := "index"
	if c.I != nil && c.I.Constraint {
		kind = "unique constraint"
	}
	return fmt.Sprintf("%s %s renamed to %s", kind, c.From, c.To)
}
