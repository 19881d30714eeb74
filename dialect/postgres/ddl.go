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
		if c.IdentityOptions != nil {
			b.WriteString(" (" + identityOptions(c.IdentityOptions, "") + ")")
		}
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
	return s + indexParameters(ix.Include, ix.StorageParams) + deferClause(ix.Deferrable, ix.InitiallyDeferred)
}

// indexParameters returns the INCLUDE and WITH clauses of a key's index.
func indexParameters(include, params []string) string {
	var s string
	if len(include) > 0 {
		s += " INCLUDE (" + quoteList(include) + ")"
	}
	if len(params) > 0 {
		s += " WITH (" + storageParams(params) + ")"
	}
	return s
}

// storageParams returns name=value storage parameters as a WITH list,
// each value a literal.
func storageParams(params []string) string {
	out := make([]string, len(params))
	for i, p := range params {
		k, v, _ := strings.Cut(p, "=")
		name := strings.Split(k, ".") // toast.autovacuum_enabled
		for j, n := range name {
			name[j] = quote(n)
		}
		out[i] = strings.Join(name, ".") + " = " + literal(v)
	}
	return strings.Join(out, ", ")
}

func pkClause(pk *schema.PrimaryKey) string {
	return "CONSTRAINT " + quote(pk.Name) + " PRIMARY KEY (" + quoteList(pk.Columns) + ")" +
		indexParameters(pk.Include, pk.StorageParams) + deferClause(pk.Deferrable, pk.InitiallyDeferred)
}

// checkClause returns CHECK (expr) with NO INHERIT; NOT VALID is added by
// the callers that may (ALTER TABLE … ADD).
func checkClause(ck *schema.Check) string {
	s := "CHECK (" + ck.Expr + ")"
	if ck.NoInherit {
		s += " NO INHERIT"
	}
	return s
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
		if !ck.NotValid {
			lines = append(lines, "CONSTRAINT "+quote(ck.Name)+" "+checkClause(ck))
		}
	}
	for _, x := range t.Exclusions {
		lines = append(lines, "CONSTRAINT "+quote(x.Name)+" "+x.Def)
	}
	for _, fk := range t.ForeignKeys {
		if inline(fk) {
			lines = append(lines, constraintFK(fk))
		}
	}
	s := "CREATE TABLE " + quote(tkey(t))
	if t.Unlogged {
		s = "CREATE UNLOGGED TABLE " + quote(tkey(t))
	}
	if t.PartitionOf != "" {
		// A partition: its columns come from its parent (in its schema).
		s += " PARTITION OF " + quote(qkey(t.Schema, t.PartitionOf))
		if len(lines) > len(t.Columns) {
			s += " (\n  " + strings.Join(lines[len(t.Columns):], ",\n  ") + "\n)"
		}
		s += " " + t.PartitionBound
	} else {
		s += " (\n  " + strings.Join(lines, ",\n  ") + "\n)"
	}
	if t.PartitionBy != "" {
		s += " PARTITION BY " + t.PartitionBy
	}
	return s
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
	if len(ix.StorageParams) > 0 {
		b.WriteString(" WITH (" + storageParams(ix.StorageParams) + ")")
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

// identityOptions returns an identity sequence's options (the type is
// the column's), each preceded by set ("SET " for ALTER COLUMN, "" for a
// column definition).
func identityOptions(q *schema.Sequence, set string) string {
	cycle := "NO CYCLE"
	if q.Cycle {
		cycle = "CYCLE"
	}
	opts := []string{
		fmt.Sprintf("START WITH %d", q.Start), fmt.Sprintf("INCREMENT BY %d", q.Increment),
		fmt.Sprintf("MINVALUE %d", q.Min), fmt.Sprintf("MAXVALUE %d", q.Max), fmt.Sprintf("CACHE %d", q.Cache), cycle,
	}
	return set + strings.Join(opts, " "+set)
}

func createSequence(q *schema.Sequence) string {
	return "CREATE SEQUENCE " + quote(qkey(q.Schema, q.Name)) + " " + sequenceOptions(q)
}

// addNotValidCheck returns ALTER TABLE … ADD CONSTRAINT … NOT VALID for a
// check that CREATE TABLE would create validated.
func addNotValidCheck(table string, ck *schema.Check) string {
	return "ALTER TABLE " + quote(table) + " ADD CONSTRAINT " + quote(ck.Name) + " " + checkClause(ck) + " NOT VALID"
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
// enum types and sequences, functions, procedures and aggregates (function
// bodies not checked, as pg_dump does), tables (foreign keys inline when the table
// they reference comes earlier, else added after the last table), indexes,
// comments, views, triggers, and row-level security. Loading the script and inspecting gives s back.
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
	extensions, types := typeStatements(s)
	stmts = append(stmts, extensions...)
	for _, e := range s.Enums {
		stmts = append(stmts, createEnum(e))
	}
	stmts = append(stmts, types...)
	for _, q := range s.Sequences {
		stmts = append(stmts, createSequence(q))
	}
	stmts = append(stmts, routinesSQL(s, routineFirst)...)
	n := namer{d: d}
	created := map[string]bool{}
	var later []string
	for _, q := range s.Sequences {
		if q.OwnerTable != "" {
			later = append(later, "ALTER SEQUENCE "+quote(qkey(q.Schema, q.Name))+" OWNED BY "+quote(qkey(q.Schema, q.OwnerTable))+"."+quote(q.OwnerColumn))
		}
	}
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
		for _, ck := range t.Checks {
			if ck.NotValid {
				later = append(later, addNotValidCheck(tkey(t), ck))
			}
		}
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
		stmts = append(stmts, columnOptions(t)...)
		stmts = append(stmts, tableComments(t)...)
	}
	stmts = append(stmts, later...)
	for _, t := range s.Tables {
		stmts = append(stmts, fkComments(n.named(t))...)
	}
	stmts = append(stmts, routinesSQL(s, routineAfterTables)...)
	for _, v := range s.Views {
		stmts = append(stmts, viewStatements(v)...)
	}
	for _, q := range s.Sequences {
		if q.Comment != "" {
			stmts = append(stmts, commentOn("SEQUENCE", quote(qkey(q.Schema, q.Name)), q.Comment))
		}
	}
	stmts = append(stmts, routinesSQL(s, routineAfterViews)...)
	for _, tr := range s.Triggers {
		stmts = append(stmts, triggerSteps(tr)...)
	}
	stmts = append(stmts, rowSecuritySQL(s)...)
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
		if p, ok := byName[t.PartitionOf]; ok && p != t {
			visit(p)
		}
		state[t] = 2
		out = append(out, t)
	}
	for _, t := range ts {
		visit(t)
	}
	return out
}
