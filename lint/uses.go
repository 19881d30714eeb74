package lint

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// droppedInUse (RT117) finds columns the migration drops while a view or
// trigger uses them: one that is still there afterwards reads a column
// that is gone (MySQL leaves such a view broken), and one dropped along
// with the column (CASCADE) breaks the code that reads it.
func (p *Pass) droppedInUse(mt *diff.ModifyTable) []Diagnostic {
	var out []Diagnostic
	for _, c := range mt.Changes {
		dc, ok := c.(*diff.DropColumn)
		if !ok {
			continue
		}
		t, col := mt.From.Name, dc.C.Name
		for _, v := range p.Effect.Before.Views {
			if !uses(p.Engine, v.Def, t, col) {
				continue
			}
			if after, ok := p.Effect.After.View(v.Name); ok && !uses(p.Engine, after.Def, t, col) || !ok && p.dropsByName("VIEW", v.Name) {
				continue // redefined without the column, or dropped on purpose
			}
			out = append(out, p.at("RT117", []string{"ALTER"}, p.useMessage("view", v.Name, t, col), t, col))
		}
		for _, tr := range p.Effect.Before.Triggers {
			if !(strings.EqualFold(tr.Table, t) && uses(p.Engine, tr.Def, col) || uses(p.Engine, tr.Def, t, col)) {
				continue
			}
			if after, ok := p.Effect.After.Trigger(tr.Name); ok && !uses(p.Engine, after.Def, col) || !ok && p.dropsByName("TRIGGER", tr.Name) {
				continue
			}
			out = append(out, p.at("RT117", []string{"ALTER"}, p.useMessage("trigger", tr.Name, t, col), t, col))
		}
	}
	return out
}

// dropsByName reports whether an up statement is DROP kind … name.
func (p *Pass) dropsByName(kind, name string) bool {
	for _, st := range p.File.Up.Statements() {
		ts := toks(st.SQL, p.Engine)
		if len(ts) > 2 && ts[0].Is("DROP") && ts[1].Is(kind) {
			for _, t := range ts[2:] {
				if n, ok := t.Ident(); ok && strings.EqualFold(n, name) {
					return true
				}
			}
		}
	}
	return false
}

func (p *Pass) useMessage(kind, name, t, col string) string {
	gone := "still uses it"
	var ok bool
	if kind == "view" {
		_, ok = p.Effect.After.View(name)
	} else {
		_, ok = p.Effect.After.Trigger(name)
	}
	if !ok {
		gone = "goes away with it (CASCADE)"
	}
	return fmt.Sprintf("drops column %s.%s, which %s %s uses: the %s %s", t, col, kind, name, kind, gone)
}

// uses reports whether SQL text names every one of names as an identifier.
func uses(engine, sql string, names ...string) bool {
	ids := idents(toks(sql, engine))
	for _, n := range names {
		if !ids[strings.ToLower(n)] {
			return false
		}
	}
	return true
}

// danglingKeys (RT118) finds SQLite foreign keys that point at no key
// after the migration, and did not before.
func (p *Pass) danglingKeys() []Diagnostic {
	if p.Engine != "sqlite" {
		return nil
	}
	var out []Diagnostic
	for _, t := range p.Effect.After.Tables {
		for _, fk := range t.ForeignKeys {
			why := dangling(p.Effect.After, fk)
			if why == "" {
				continue
			}
			if bt, ok := p.Effect.Before.Table(t.Name); ok {
				if bfk := sameKey(bt, fk); bfk != nil && dangling(p.Effect.Before, bfk) != "" {
					continue // dangled before this migration
				}
			}
			out = append(out, p.at("RT118", nil, fmt.Sprintf("foreign key %s of %s (%s) %s", fk.Name, t.Name, strings.Join(fk.Columns, ", "), why), t.Name))
		}
	}
	return out
}

// dangling says why fk points at no key of s, "" when it does.
func dangling(s *schema.Schema, fk *schema.ForeignKey) string {
	parent, ok := s.Table(fk.RefTable)
	if !ok {
		return "references table " + fk.RefTable + ", which does not exist"
	}
	ref := fk.RefColumns
	if len(ref) == 0 {
		if parent.PrimaryKey == nil {
			return "references " + fk.RefTable + ", which has no primary key"
		}
		return ""
	}
	for _, c := range ref {
		if _, ok := parent.Column(c); !ok {
			return "references column " + fk.RefTable + "." + c + ", which does not exist"
		}
	}
	if parent.PrimaryKey != nil && s.Case.Columns.EqualAll(parent.PrimaryKey.Columns, ref) {
		return ""
	}
	for _, ix := range parent.Indexes {
		if cols, ok := ix.Columns(); ok && ix.Unique && ix.Where == "" && s.Case.Columns.EqualAll(cols, ref) {
			return ""
		}
	}
	return "references " + fk.RefTable + " (" + strings.Join(ref, ", ") + "), which is neither its primary key nor UNIQUE"
}

// sameKey returns t's foreign key on fk's columns to fk's table.
func sameKey(t *schema.Table, fk *schema.ForeignKey) *schema.ForeignKey {
	for _, k := range t.ForeignKeys {
		if strings.EqualFold(k.RefTable, fk.RefTable) && strings.EqualFold(strings.Join(k.Columns, ","), strings.Join(fk.Columns, ",")) {
			return k
		}
	}
	return nil
}

// rebuildLosses (RT119) finds SQLite table rebuilds (create a new table,
// copy the rows, drop the old one, rename the new one to its name) whose
// INSERT … SELECT leaves out a column the table has before and after: its
// values are replaced by the column's default.
func (p *Pass) rebuildLosses() []Diagnostic {
	if p.Engine != "sqlite" {
		return nil
	}
	var out []Diagnostic
	for _, st := range p.File.Up.Statements() {
		from, to, ok := renameTable(toks(st.SQL, p.Engine))
		if !ok || !droppedBefore(p.File, st.Line, to, p.Engine) {
			continue
		}
		before, ok1 := p.Effect.Before.Table(to)
		after, ok2 := p.Effect.After.Table(to)
		cols, line := p.copiedColumns(from, st.Line)
		if !ok1 || !ok2 || line == 0 || cols == nil {
			continue
		}
		for _, c := range before.Columns {
			if _, kept := after.Column(c.Name); kept && c.Generated == nil && !cols[strings.ToLower(c.Name)] {
				out = append(out, Diagnostic{Code: "RT119", Line: line, marks: []int{line},
					Message: fmt.Sprintf("rebuilds %s without copying column %s: its values are lost", to, c.Name)})
			}
		}
	}
	return out
}

// copiedColumns returns the lower-cased column list of the last
// INSERT INTO table (cols) SELECT … before line, and that statement's
// line; nil columns when it has no list.
func (p *Pass) copiedColumns(table string, before int) (map[string]bool, int) {
	var cols map[string]bool
	line := 0
	for _, st := range p.File.Up.Statements() {
		if st.Line >= before {
			break
		}
		ts := toks(st.SQL, p.Engine)
		if len(ts) < 4 || !ts[0].Is("INSERT") || !ts[1].Is("INTO") || !strings.EqualFold(lastName(ts[2:]), table) {
			continue
		}
		line, cols = st.Line, nil
		for i := 3; i < len(ts); i++ {
			if ts[i].Text != "(" {
				if ts[i].Is("SELECT") {
					break
				}
				continue
			}
			cols = map[string]bool{}
			for j := i + 1; j < len(ts) && ts[j].Text != ")"; j++ {
				if n, ok := ts[j].Ident(); ok {
					cols[strings.ToLower(n)] = true
				}
			}
			break
		}
	}
	return cols, line
}
