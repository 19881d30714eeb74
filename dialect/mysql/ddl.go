package mysql

import (
	"slices"
	"strconv"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// columnDef returns a column definition: name, type, character set and
// collation, generation, nullability, default, ON UPDATE, AUTO_INCREMENT,
// comment, and check (a MariaDB column CHECK kept with its column).
func columnDef(c *schema.Column, check string) string {
	var b strings.Builder
	b.WriteString(quote(c.Name) + " " + c.Type)
	if c.Collation != "" && c.Type != "json" {
		b.WriteString(" CHARACTER SET " + charsetOf(c.Collation) + " COLLATE " + c.Collation)
	}
	if g := c.Generated; g != nil {
		b.WriteString(" AS " + parenthesize(g.Expr))
		if g.Stored {
			b.WriteString(" STORED")
		} else {
			b.WriteString(" VIRTUAL")
		}
	}
	switch {
	case c.NotNull:
		b.WriteString(" NOT NULL")
	case strings.HasPrefix(c.Type, "timestamp") && c.Generated == nil:
		// Without explicit_defaults_for_timestamp a bare TIMESTAMP is
		// NOT NULL DEFAULT CURRENT_TIMESTAMP; say NULL.
		b.WriteString(" NULL")
	}
	if c.Default != "" && c.Generated == nil {
		b.WriteString(" DEFAULT " + c.Default)
	}
	if c.OnUpdate != "" {
		b.WriteString(" ON UPDATE " + c.OnUpdate)
	}
	if c.AutoIncrement {
		b.WriteString(" AUTO_INCREMENT")
	}
	if c.Invisible {
		b.WriteString(" INVISIBLE")
	}
	if c.Comment != "" {
		b.WriteString(" COMMENT " + literal(c.Comment))
	}
	if check != "" {
		b.WriteString(" CHECK " + parenthesize(check))
	}
	return b.String()
}

// partsSQL returns the key parts of an index: `col`(n) DESC or (expr).
func partsSQL(parts []schema.IndexPart) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		s := parenthesize(p.Expr)
		if p.Column != "" {
			s = quote(p.Column)
			if p.Length > 0 {
				s += "(" + strconv.Itoa(p.Length) + ")"
			}
		}
		if p.Desc {
			s += " DESC"
		}
		out[i] = s
	}
	return strings.Join(out, ", ")
}

func quoteList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quote(n)
	}
	return strings.Join(out, ", ")
}

// indexKind returns the keyword before KEY or INDEX: UNIQUE, FULLTEXT,
// SPATIAL or nothing.
func indexKind(ix *schema.Index) string {
	switch {
	case ix.Method == "FULLTEXT" || ix.Method == "SPATIAL":
		return ix.Method + " "
	case ix.Unique:
		return "UNIQUE "
	}
	return ""
}

func indexUsing(ix *schema.Index) string {
	if ix.Method == "HASH" {
		return " USING HASH"
	}
	return ""
}

// indexClause returns the index as it is written inside CREATE TABLE or
// after ALTER TABLE … ADD.
func indexClause(ix *schema.Index) string {
	return indexKind(ix) + "KEY " + quote(ix.Name) + " (" + partsSQL(ix.Parts) + ")" + indexUsing(ix) + commentClause(ix.Comment)
}

func createIndex(table string, ix *schema.Index) string {
	return "CREATE " + indexKind(ix) + "INDEX " + quote(ix.Name) + " ON " + quote(table) + " (" + partsSQL(ix.Parts) + ")" +
		indexUsing(ix) + commentClause(ix.Comment)
}

// commentClause returns " COMMENT '…'" for a key's comment, "" for none.
func commentClause(comment string) string {
	if comment == "" {
		return ""
	}
	return " COMMENT " + literal(comment)
}

// primaryKeyClause returns PRIMARY KEY (…) with its comment.
func primaryKeyClause(pk *schema.PrimaryKey) string {
	return "PRIMARY KEY (" + quoteList(pk.Columns) + ")" + commentClause(pk.Comment)
}

func refTable(fk *schema.ForeignKey) string {
	if fk.RefSchema != "" {
		return quote(fk.RefSchema) + "." + quote(fk.RefTable)
	}
	return quote(fk.RefTable)
}

// fkClause returns CONSTRAINT name FOREIGN KEY (…) REFERENCES t (…) with
// the actions that are not NO ACTION (RESTRICT is written as NO ACTION is:
// not at all).
func fkClause(fk *schema.ForeignKey) string {
	s := "CONSTRAINT " + quote(fk.Name) + " FOREIGN KEY (" + quoteList(fk.Columns) + ") REFERENCES " +
		refTable(fk) + " (" + quoteList(fk.RefColumns) + ")"
	if a := fk.OnDelete; a != schema.NoAction && a != schema.Restrict {
		s += " ON DELETE " + a.String()
	}
	if a := fk.OnUpdate; a != schema.NoAction && a != schema.Restrict {
		s += " ON UPDATE " + a.String()
	}
	return s
}

func checkClause(c *schema.Check) string {
	return "CONSTRAINT " + quote(c.Name) + " CHECK " + parenthesize(c.Expr)
}

// createTable returns CREATE TABLE for t (whose constraints are named).
// Foreign keys for which inline reports false are left out (the planner
// adds them later), and so are the indexes the server creates for foreign
// keys by itself.
func createTable(t *schema.Table, inline func(*schema.ForeignKey) bool) string {
	var lines []string
	for _, c := range t.Columns {
		lines = append(lines, columnDef(c, ""))
	}
	if t.PrimaryKey != nil && len(t.PrimaryKey.Columns) > 0 {
		lines = append(lines, primaryKeyClause(t.PrimaryKey))
	}
	for _, ix := range t.Indexes {
		if !ix.Implicit || !serverMakes(t, ix) {
			lines = append(lines, indexClause(ix))
		}
	}
	for _, fk := range t.ForeignKeys {
		if inline == nil || inline(fk) {
			lines = append(lines, fkClause(fk))
		}
	}
	for _, ck := range t.Checks {
		lines = append(lines, checkClause(ck))
	}
	create := "CREATE TABLE " + quote(t.Name) + " (\n  " + strings.Join(lines, ",\n  ") + "\n)" + tableOptions(t)
	if t.Partition != "" {
		create += "\n" + t.Partition
	}
	return create
}

// serverMakes reports whether the server creates an index like the
// implicit index ix by itself when t is created: when no other index, nor
// the primary key, starts with the columns of the foreign key it serves.
func serverMakes(t *schema.Table, ix *schema.Index) bool {
	cols, _ := ix.Columns()
	if t.PrimaryKey != nil && prefixOf(cols, t.PrimaryKey.Columns) {
		return false
	}
	for _, o := range t.Indexes {
		if o == ix {
			continue
		}
		if oc, ok := o.Columns(); ok && prefixOf(cols, oc) && (!o.Implicit || slices.Index(t.Indexes, o) < slices.Index(t.Indexes, ix)) {
			return false
		}
	}
	return true
}

func tableOptions(t *schema.Table) string {
	var opts []string
	if t.Engine != "" {
		opts = append(opts, "ENGINE="+t.Engine)
	}
	if t.Collation != "" {
		opts = append(opts, "DEFAULT CHARSET="+charsetOf(t.Collation), "COLLATE="+t.Collation)
	}
	if t.Comment != "" {
		opts = append(opts, "COMMENT="+literal(t.Comment))
	}
	if t.RowFormat != "" {
		opts = append(opts, "ROW_FORMAT="+rowFormat(t.RowFormat))
	}
	if t.KeyBlockSize != 0 {
		opts = append(opts, "KEY_BLOCK_SIZE="+strconv.Itoa(t.KeyBlockSize))
	}
	if len(opts) == 0 {
		return ""
	}
	return " " + strings.Join(opts, " ")
}

// SQL returns the schema as MySQL statements (retort inspect --format sql),
// after SET NAMES utf8mb4 (the character set of retort's own sessions):
// tables parents first, each with its indexes, checks and the foreign keys
// to tables already created (the others follow as ALTER TABLE … ADD
// CONSTRAINT), then views and triggers (those with a BEGIN … END body
// between DELIMITER lines). Routines come first, between DELIMITER lines,
// each under the sql_mode it was created with. The mysql client loads it
// as it is.
func (d *Dialect) SQL(s *schema.Schema) string {
	var b strings.Builder
	// The connection character set retort's own sessions use: string
	// literals in views and defaults take it, so that the mysql client,
	// whose default may differ, builds what retort would.
	b.WriteString("SET NAMES utf8mb4;\n\n")
	for _, r := range s.Routines {
		routineSQL(&b, r, d.Server())
	}
	created := map[string]bool{}
	var later []string
	tk := s.Case.Tables.Key
	for _, t := range parentsFirst(s.Tables, s.Case.Tables) {
		t = d.naming.NameConstraints(t)
		b.WriteString(createTable(t, func(fk *schema.ForeignKey) bool {
			if fk.RefSchema != "" || created[tk(fk.RefTable)] || tk(fk.RefTable) == tk(t.Name) {
				return true
			}
			later = append(later, "ALTER TABLE "+quote(t.Name)+" ADD "+fkClause(fk))
			return false
		}))
		b.WriteString(";\n\n")
		created[tk(t.Name)] = true
	}
	for _, l := range later {
		b.WriteString(l + ";\n\n")
	}
	for _, v := range s.Views {
		b.WriteString(v.Def + ";\n\n")
	}
	for _, tr := range s.Triggers {
		for _, st := range sessionSteps(tr.Def, tr.Session, d.Server()) {
			if st.SQL == tr.Def && compound(tr.Def) {
				// The mysql client ends a statement at the first ";": a
				// body with statements of its own goes between DELIMITER
				// lines, as mysqldump writes it.
				b.WriteString("DELIMITER ;;\n" + tr.Def + ";;\nDELIMITER ;\n")
				continue
			}
			b.WriteString(st.SQL + ";\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// compound reports whether stmt has a ";" of its own (a BEGIN … END body).
func compound(stmt string) bool {
	for _, t := range sqltok.Significant(sqltok.Tokenize(stmt, lexMySQL)) {
		if t.Kind == sqltok.Punct && t.Text == ";" {
			return true
		}
	}
	return false
}

// parentsFirst orders tables so that each comes after the tables its
// foreign keys reference (cycles broken by name order); table names are
// matched by f.
func parentsFirst(ts []*schema.Table, f schema.Fold) []*schema.Table {
	byName := make(map[string]*schema.Table, len(ts))
	for _, t := range ts {
		byName[f.Key(t.Name)] = t
	}
	state := map[*schema.Table]int{}
	var out []*schema.Table
	var visit func(t *schema.Table)
	visit = func(t *schema.Table) {
		if state[t] != 0 {
			return
		}
		state[t] = 1
		for _, fk := range t.ForeignKeys {
			if p, ok := byName[f.Key(fk.RefTable)]; ok && p != t && fk.RefSchema == "" {
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

// rowFormat returns a ROW_FORMAT value as a keyword (DEFAULT for none).
func rowFormat(f string) string {
	f = strings.ToUpper(f)
	if f == "" || strings.Trim(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" {
		return "DEFAULT"
	}
	return f
}
