package postgres

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

// columnDef returns a column definition for CREATE TABLE and ADD COLUMN.
func columnDef(c *schema.Column) string {
	var b strings.Builder
	b.WriteString(quote(c.Name) + " " + c.Type)
	if c.Collation != "" {
		b.WriteString(" COLLATE " + quote(c.Collation))
	}
	if c.Identity != "" {
		b.WriteString(" GENERATED " + c.Identity + " AS IDENTITY")
	}
	if c.Generated != nil {
		b.WriteString(" GENERATED ALWAYS AS (" + c.Generated.Expr + ") STORED")
	}
	if c.Default != "" {
		b.WriteString(" DEFAULT " + c.Default)
	}
	if c.NotNull {
		b.WriteString(" NOT NULL")
	}
	return b.String()
}

// fkClause returns FOREIGN KEY (…) REFERENCES … with its options.
func fkClause(fk *schema.ForeignKey) string {
	var b strings.Builder
	fmt.Fprintf(&b, "FOREIGN KEY (%s) REFERENCES %s (%s)", quoteList(fk.Columns), qualified(fk.RefSchema, fk.RefTable), quoteList(fk.RefColumns))
	if m := strings.ToUpper(fk.Match); m == "FULL" || m == "PARTIAL" {
		b.WriteString(" MATCH " + m)
	}
	if fk.OnDelete != schema.NoAction {
		b.WriteString(" ON DELETE " + fk.OnDelete.String())
	}
	if fk.OnUpdate != schema.NoAction {
		b.WriteString(" ON UPDATE " + fk.OnUpdate.String())
	}
	if fk.Deferrable || fk.InitiallyDeferred {
		b.WriteString(" DEFERRABLE")
		if fk.InitiallyDeferred {
			b.WriteString(" INITIALLY DEFERRED")
		}
	}
	return b.String()
}

func constraintFK(fk *schema.ForeignKey) string {
	return "CONSTRAINT " + quote(fk.Name) + " " + fkClause(fk)
}

func uniqueClause(ix *schema.Index) string {
	cols, _ := ix.Columns()
	s := "UNIQUE "
	if ix.NullsNotDistinct {
		s += "NULLS NOT DISTINCT "
	}
	s += "(" + quoteList(cols) + ")"
	if len(ix.Include) > 0 {
		s += " INCLUDE (" + quoteList(ix.Include) + ")"
	}
	return s
}

func pkClause(pk *schema.PrimaryKey) string {
	return "CONSTRAINT " + quote(pk.Name) + " PRIMARY KEY (" + quoteList(pk.Columns) + ")"
}

// createTable returns CREATE TABLE for t (named) with the foreign keys
// inline for which inline returns true.
func createTable(t *schema.Table, inline func(*schema.ForeignKey) bool) string {
	var lines []string
	for _, c := range t.Columns {
		lines = append(lines, columnDef(c))
	}
	if t.PrimaryKey != nil {
		lines = append(lines, pkClause(t.PrimaryKey))
	}
	for _, ix := range t.Indexes {
		if ix.Constraint {
			lines = append(lines, "CONSTRAINT "+quote(ix.Name)+" "+uniqueClause(ix))
		}
	}
	for _, ck := range t.Checks {
		lines = append(lines, "CONSTRAINT "+quote(ck.Name)+" CHECK ("+ck.Expr+")")
	}
	for _, fk := range t.ForeignKeys {
		if inline(fk) {
			lines = append(lines, constraintFK(fk))
		}
	}
	return "CREATE TABLE " + quote(tkey(t)) + " (\n  " + strings.Join(lines, ",\n  ") + "\n)"
}

// indexParts returns the key list of an index: (a, (lower(b)) DESC, …).
func indexParts(parts []schema.IndexPart) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		s := quote(p.Column)
		if p.Column == "" {
			s = "(" + p.Expr + ")"
		}
		if p.Collation != "" {
			s += " COLLATE " + quote(p.Collation)
		}
		if p.OpClass != "" {
			s += " " + p.OpClass
		}
		if p.Desc {
			s += " DESC"
		}
		if p.Nulls != "" {
			s += " NULLS " + strings.ToUpper(p.Nulls)
		}
		out[i] = s
	}
	return strings.Join(out, ", ")
}

// createIndex returns CREATE INDEX for a (non-constraint) index on table.
func createIndex(table string, ix *schema.Index, concurrently bool) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	if concurrently {
		b.WriteString("CONCURRENTLY ")
	}
	b.WriteString(quote(ix.Name) + " ON " + quote(table))
	if ix.Method != "" {
		b.WriteString(" USING " + ix.Method)
	}
	b.WriteString(" (" + indexParts(ix.Parts) + ")")
	if len(ix.Include) > 0 {
		b.WriteString(" INCLUDE (" + quoteList(ix.Include) + ")")
	}
	if ix.NullsNotDistinct {
		b.WriteString(" NULLS NOT DISTINCT")
	}
	if ix.Where != "" {
		b.WriteString(" WHERE " + ix.Where)
	}
	return b.String()
}

func createEnum(e *schema.Enum) string {
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		vals[i] = literal(v)
	}
	return "CREATE TYPE " + quote(qkey(e.Schema, e.Name)) + " AS ENUM (" + strings.Join(vals, ", ") + ")"
}

func sequenceOptions(q *schema.Sequence) string {
	s := fmt.Sprintf("AS %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START WITH %d CACHE %d",
		q.Type, q.Increment, q.Min, q.Max, q.Start, q.Cache)
	if q.Cycle {
		s += " CYCLE"
	} else {
		s += " NO CYCLE"
	}
	return s
}

func createSequence(q *schema.Sequence) string {
	return "CREATE SEQUENCE " + quote(qkey(q.Schema, q.Name)) + " " + sequenceOptions(q)
}

func commentOn(kind, object, comment string) string {
	if comment == "" {
		return "COMMENT ON " + kind + " " + object + " IS NULL"
	}
	return "COMMENT ON " + kind + " " + object + " IS " + literal(comment)
}

// dropView returns DROP VIEW (or DROP MATERIALIZED VIEW) for v.
func dropView(v *schema.View) string {
	if isMaterialized(v) {
		return "DROP MATERIALIZED VIEW " + quote(qkey(v.Schema, v.Name))
	}
	return "DROP VIEW " + quote(qkey(v.Schema, v.Name))
}

func isMaterialized(v *schema.View) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v.Def)), "CREATE MATERIALIZED")
}

// SQL returns s as a PostgreSQL script that creates it in an empty schema:
// enum types and sequences, tables (foreign keys inline when the table
// they reference comes earlier, else added after the last table), indexes,
// comments and views. Loading the script and inspecting gives s back.
func (d *Dialect) SQL(s *schema.Schema) string {
	var stmts []string
	// Several schemas: each is created, and the script works in the first,
	// as the inspected connection did (views and column types name the
	// objects of the first schema unqualified).
	for _, n := range s.Schemas {
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+quote(n))
	}
	if len(s.Schemas) > 0 {
		stmts = append(stmts, "SET search_path TO "+quote(s.Schemas[0]))
	}
	managed := func(fk *schema.ForeignKey) bool {
		return fk.RefSchema == "" || slices.Contains(s.Schemas, fk.RefSchema)
	}
	for _, e := range s.Enums {
		stmts = append(stmts, createEnum(e))
	}
	for _, q := range s.Sequences {
		stmts = append(stmts, createSequence(q))
	}
	n := namer{d: d}
	created := map[string]bool{}
	var later []string
	for _, t := range parentsFirst(s.Tables) {
		t = n.named(t)
		stmts = append(stmts, createTable(t, func(fk *schema.ForeignKey) bool {
			ref := qkey(fk.RefSchema, fk.RefTable)
			if !managed(fk) {
				ref = ""
			} else if len(s.Schemas) == 0 {
				ref = fk.RefTable
			}
			if !fk.NotValid && (ref == "" || created[ref] || ref == tkey(t)) {
				return true
			}
			add := "ALTER TABLE " + quote(tkey(t)) + " ADD " + constraintFK(fk)
			if fk.NotValid {
				add += " NOT VALID"
			}
			later = append(later, add)
			return false
		}))
		created[tkey(t)] = true
		for _, ix := range t.Indexes {
			if !ix.Constraint {
				stmts = append(stmts, createIndex(tkey(t), ix, false))
			}
		}
		if t.Comment != "" {
			stmts = append(stmts, commentOn("TABLE", quote(tkey(t)), t.Comment))
		}
		for _, c := range t.Columns {
			if c.Comment != "" {
				stmts = append(stmts, commentOn("COLUMN", quote(tkey(t))+"."+quote(c.Name), c.Comment))
			}
		}
	}
	stmts = append(stmts, later...)
	for _, v := range s.Views {
		stmts = append(stmts, v.Def)
	}
	for _, tr := range s.Triggers {
		stmts = append(stmts, tr.Def)
	}
	if len(stmts) == 0 {
		return ""
	}
	return strings.Join(stmts, ";\n") + ";\n"
}

// parentsFirst orders tables so that a table comes after the tables it
// references (cycles broken by the input order).
func parentsFirst(ts []*schema.Table) []*schema.Table {
	byName := make(map[string]*schema.Table, len(ts))
	for _, t := range ts {
		byName[tkey(t)] = t
	}
	state := map[*schema.Table]int{}
	out := make([]*schema.Table, 0, len(ts))
	var visit func(t *schema.Table)
	visit = func(t *schema.Table) {
		if state[t] != 0 {
			return
		}
		state[t] = 1
		for _, fk := range t.ForeignKeys {
			ref := fk.RefTable
			if t.Schema != "" { // several schemas: every key names its schema
				ref = qkey(fk.RefSchema, fk.RefTable)
			} else if fk.RefSchema != "" {
				continue
			}
			if p, ok := byName[ref]; ok && p != t {
				visit(p)
			}
		}
		state[t] = 2
		out = append(out, t)
	}
	for _, t := range ts {
		visit(t)
	}
	return out
}
