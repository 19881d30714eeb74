package sqlite

import (
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// rebuildPrefix names the table a rebuild creates before renaming it.
const rebuildPrefix = "_retort_new_"

// rebuild plans the twelve-step table rebuild of sqlite.org ("Making Other
// Kinds Of Table Schema Changes"), steps 4 to 9; the envelope (foreign_keys
// off outside the transaction, foreign_key_check, commit) is Transact's.
func (p *planner) rebuild(mt *diff.ModifyTable) {
	from := mt.From
	to := p.d.naming.NameConstraints(mt.To)
	tmp := rebuildPrefix + to.Name

	var why []string
	for _, line := range diff.Describe([]diff.Change{mt}) {
		why = append(why, line)
	}
	p.add(dialect.Step{SQL: createTable(to, tmp), Rebuild: true,
		Comment: "rebuild " + to.Name + ":\n  " + strings.Join(why, "\n  ")})

	// Copy the rows: every column the new table has, computes nothing for,
	// and the old table already had; rowids too, so that anything keyed on
	// them (and the AUTOINCREMENT high-water mark) stays valid.
	var cols, dropped []string
	for _, c := range to.Columns {
		if _, ok := from.Column(c.Name); ok && c.Generated == nil {
			cols = append(cols, quote(c.Name))
		}
	}
	for _, c := range from.Columns {
		if _, ok := to.Column(c.Name); !ok {
			dropped = append(dropped, c.Name)
		}
	}
	var dst, src []string
	if rowid := rowidName(from, to); rowid != "" {
		dst = append(dst, rowid)
		src = append(src, rowid)
	}
	dst = append(dst, cols...)
	src = append(src, cols...)
	insert := dialect.Step{Rebuild: true,
		SQL: "INSERT INTO " + quote(tmp) + " (" + strings.Join(dst, ", ") + ")\n  SELECT " + strings.Join(src, ", ") + " FROM " + quote(from.Name)}
	if len(dst) == 0 {
		insert.SQL = "INSERT INTO " + quote(tmp) + " DEFAULT VALUES"
		insert.Comment = "the new table shares no column with the old one"
	}
	if len(dropped) > 0 {
		insert.Destructive = true
		insert.Comment = "not copied (dropped): " + strings.Join(dropped, ", ")
	}
	if p.narrowed[strings.ToLower(to.Name)] {
		insert.Destructive = true // values converted by a narrowed column's affinity
	}
	if len(dst) > 0 {
		p.add(insert)
	}
	if hasAutoIncrement(to) {
		p.add(dialect.Step{Rebuild: true, SQL: "DELETE FROM \"sqlite_sequence\" WHERE \"name\" = " + quoteString(tmp),
			Comment: "keep the AUTOINCREMENT high-water mark"})
		p.add(dialect.Step{Rebuild: true,
			SQL: "INSERT INTO \"sqlite_sequence\" (\"name\", \"seq\") SELECT " + quoteString(tmp) + ", \"seq\" FROM \"sqlite_sequence\" WHERE \"name\" = " + quoteString(from.Name)})
	}
	p.add(dialect.Step{Rebuild: true, SQL: "DROP TABLE " + quote(from.Name)})
	p.add(dialect.Step{Rebuild: true, SQL: "ALTER TABLE " + quote(tmp) + " RENAME TO " + quote(to.Name)})
	for _, ix := range to.Indexes {
		if !ix.Constraint {
			p.add(dialect.Step{Rebuild: true, SQL: createIndex(to.Name, ix)})
		}
	}
	// The table's triggers are created again after the last table change
	// (see run).
}

// rowidName returns the name under which to copy rowids explicitly, or ""
// when they need no copy: a table without rowid on either side, or an
// INTEGER PRIMARY KEY column (the rowid's alias) that is copied anyway.
func rowidName(from, to *schema.Table) string {
	if from.WithoutRowID || to.WithoutRowID {
		return ""
	}
	if alias := rowidAlias(to); alias != "" {
		if _, ok := from.Column(alias); ok {
			return ""
		}
	}
	for _, name := range []string{"rowid", "_rowid_", "oid"} {
		_, inFrom := from.Column(name)
		_, inTo := to.Column(name)
		if !inFrom && !inTo {
			return name
		}
	}
	return ""
}

// rowidAlias returns the column that aliases the rowid: the single column of
// the primary key when its declared type is exactly INTEGER and not DESC.
func rowidAlias(t *schema.Table) string {
	if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 || t.PrimaryKey.Desc || t.WithoutRowID {
		return ""
	}
	c, ok := t.Column(t.PrimaryKey.Columns[0])
	if !ok || !strings.EqualFold(strings.TrimSpace(c.Type), "INTEGER") {
		return ""
	}
	return c.Name
}

func hasAutoIncrement(t *schema.Table) bool {
	for _, c := range t.Columns {
		if c.AutoIncrement {
			return true
		}
	}
	return false
}
