package sqlite

import (
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// createTable returns the CREATE TABLE statement for t under the name name
// (which differs from t.Name while a table is rebuilt). Every identifier is
// quoted; unnamed constraints must have been named by the caller where a
// name is wanted.
func createTable(t *schema.Table, name string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(quote(name))
	b.WriteString(" (\n")
	var items []string
	inlinePK := t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1
	for _, c := range t.Columns {
		var pk *schema.PrimaryKey
		if inlinePK && sameName(t.PrimaryKey.Columns[0], c.Name) {
			pk = t.PrimaryKey
		}
		items = append(items, columnDef(c, pk))
	}
	if pk := t.PrimaryKey; pk != nil && !inlinePK {
		cols := quoteList(pk.Columns)
		if len(pk.Parts) == len(pk.Columns) {
			cols = indexParts(pk.Parts)
		}
		items = append(items, constraintName(pk.Name)+"PRIMARY KEY ("+cols+")"+onConflict(pk))
	}
	for _, ix := range t.Indexes {
		if ix.Constraint {
			items = append(items, constraintName(ix.Name)+"UNIQUE ("+indexParts(ix.Parts)+")")
		}
	}
	for _, ck := range t.Checks {
		items = append(items, constraintName(ck.Name)+"CHECK ("+endLine(ck.Expr)+")")
	}
	for _, fk := range t.ForeignKeys {
		items = append(items, constraintName(fk.Name)+"FOREIGN KEY ("+quoteList(fk.Columns)+") "+references(fk))
	}
	b.WriteString("  ")
	b.WriteString(strings.Join(items, ",\n  "))
	b.WriteString("\n)")
	var opts []string
	if t.WithoutRowID {
		opts = append(opts, "WITHOUT ROWID")
	}
	if t.Strict {
		opts = append(opts, "STRICT")
	}
	if len(opts) > 0 {
		b.WriteString(" ")
		b.WriteString(strings.Join(opts, ", "))
	}
	return b.String()
}

// onConflict returns the key's " ON CONFLICT …" clause, or "".
func onConflict(pk *schema.PrimaryKey) string {
	switch r := strings.ToUpper(pk.OnConflict); r {
	case "ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE":
		return " ON CONFLICT " + r
	}
	return ""
}

// columnDef returns a column definition; pk is set when the column alone is
// the primary key, which is declared inline so that an INTEGER column stays
// the rowid alias and AUTOINCREMENT stays possible.
func columnDef(c *schema.Column, pk *schema.PrimaryKey) string {
	var b strings.Builder
	b.WriteString(quote(c.Name))
	if c.Type != "" {
		b.WriteString(" ")
		b.WriteString(typeSQL(c.Type))
	}
	if pk != nil {
		b.WriteString(" ")
		b.WriteString(constraintName(pk.Name))
		b.WriteString("PRIMARY KEY")
		if pk.Desc {
			b.WriteString(" DESC")
		}
		b.WriteString(onConflict(pk))
		if c.AutoIncrement {
			b.WriteString(" AUTOINCREMENT")
		}
	}
	if c.NotNull {
		b.WriteString(" NOT NULL")
	}
	if c.Default != "" && c.Generated == nil {
		b.WriteString(" DEFAULT ")
		b.WriteString(endLine(c.Default))
	}
	if c.Collation != "" {
		b.WriteString(" COLLATE ")
		b.WriteString(quote(c.Collation))
	}
	if c.Generated != nil {
		b.WriteString(" GENERATED ALWAYS AS (")
		b.WriteString(endLine(c.Generated.Expr))
		b.WriteString(")")
		if c.Generated.Stored {
			b.WriteString(" STORED")
		} else {
			b.WriteString(" VIRTUAL")
		}
	}
	return b.String()
}

// references returns the REFERENCES clause of fk.
func references(fk *schema.ForeignKey) string {
	var b strings.Builder
	b.WriteString("REFERENCES ")
	b.WriteString(quote(fk.RefTable))
	if len(fk.RefColumns) > 0 {
		b.WriteString(" (")
		b.WriteString(quoteList(fk.RefColumns))
		b.WriteString(")")
	}
	if fk.OnDelete != schema.NoAction {
		b.WriteString(" ON DELETE ")
		b.WriteString(fk.OnDelete.String())
	}
	if fk.OnUpdate != schema.NoAction {
		b.WriteString(" ON UPDATE ")
		b.WriteString(fk.OnUpdate.String())
	}
	if fk.Match != "" {
		b.WriteString(" MATCH ")
		b.WriteString(fk.Match)
	}
	if fk.Deferrable || fk.InitiallyDeferred {
		b.WriteString(" DEFERRABLE")
		if fk.InitiallyDeferred {
			b.WriteString(" INITIALLY DEFERRED")
		}
	}
	return b.String()
}

func constraintName(name string) string {
	if name == "" {
		return ""
	}
	return "CONSTRAINT " + quote(name) + " "
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

func indexParts(parts []schema.IndexPart) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		s := quote(p.Column)
		if p.Column == "" {
			s = endLine(p.Expr)
			if !strings.HasPrefix(s, "(") {
				s = "(" + s + ")"
			}
		}
		if p.Collation != "" {
			s += " COLLATE " + quote(p.Collation)
		}
		if p.Desc {
			s += " DESC"
		}
		out[i] = s
	}
	return strings.Join(out, ", ")
}

// createIndex returns the CREATE INDEX statement for a non-constraint index.
func createIndex(table string, ix *schema.Index) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(quote(ix.Name))
	b.WriteString(" ON ")
	b.WriteString(quote(table))
	b.WriteString(" (")
	b.WriteString(indexParts(ix.Parts))
	b.WriteString(")")
	if ix.Where != "" {
		b.WriteString(" WHERE ")
		b.WriteString(endLine(ix.Where))
	}
	return b.String()
}

// SQL returns the schema as a SQL script of CREATE statements that, loaded
// into an empty database, gives the same schema back (inspect --format sql).
func (d *Dialect) SQL(s *schema.Schema) string {
	var b strings.Builder
	for _, t := range s.Tables {
		b.WriteString(createTable(t, t.Name))
		b.WriteString(";\n")
		for _, ix := range t.Indexes {
			if !ix.Constraint {
				b.WriteString(createIndex(t.Name, ix))
				b.WriteString(";\n")
			}
		}
		b.WriteString("\n")
	}
	for _, v := range s.Views {
		b.WriteString(endLine(v.Def))
		b.WriteString(";\n\n")
	}
	for _, tr := range s.Triggers {
		b.WriteString(endLine(tr.Def))
		b.WriteString(";\n\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// typeSQL returns a declared type as it can be written after a column name.
// SQLite reports the type dequoted ("0000" and "TEXT NOT NULL" are valid
// quoted types), so a type that would not read back as the same words
// is written as a quoted identifier, which SQLite stores dequoted again.
func typeSQL(typ string) string {
	if plainType(typ) {
		return typ
	}
	return quote(typ)
}

// plainType reports whether typ has the shape of SQLite's typetoken:
// identifiers, then optionally one or two signed numbers in parentheses.
func plainType(typ string) bool {
	var toks []sqltok.Token
	for _, t := range sqltok.Tokenize(typ, sqltok.Options{}) {
		switch t.Kind {
		case sqltok.Comment:
			return false
		case sqltok.Space:
		default:
			toks = append(toks, t)
		}
	}
	i := 0
	for i < len(toks) && toks[i].Kind == sqltok.Word && !typeStop[strings.ToUpper(toks[i].Text)] {
		i++
	}
	if i == 0 {
		return false
	}
	if i == len(toks) {
		return true
	}
	is := func(s string) bool { return i < len(toks) && toks[i].Kind == sqltok.Punct && toks[i].Text == s }
	signed := func() bool {
		if is("+") || is("-") {
			i++
		}
		if i < len(toks) && toks[i].Kind == sqltok.Number {
			i++
			return true
		}
		return false
	}
	if !is("(") {
		return false
	}
	i++
	if !signed() {
		return false
	}
	if is(",") {
		i++
		if !signed() {
			return false
		}
	}
	return is(")") && i == len(toks)-1
}

// typeStop holds the words that cannot be part of a bare type name: SQLite's
// reserved words (those that do not fall back to identifiers), and
// GENERATED ALWAYS, which SQLite cuts from the end of a type.
var typeStop = map[string]bool{
	"ADD": true, "ALL": true, "ALTER": true, "ALWAYS": true, "AND": true, "AS": true,
	"AUTOINCREMENT": true, "BETWEEN": true, "CASE": true, "CHECK": true, "COLLATE": true,
	"COMMIT": true, "CONSTRAINT": true, "CREATE": true, "CROSS": true, "DEFAULT": true,
	"DEFERRABLE": true, "DELETE": true, "DISTINCT": true, "DROP": true, "ELSE": true,
	"ESCAPE": true, "EXCEPT": true, "EXISTS": true, "FILTER": true, "FOREIGN": true,
	"FROM": true, "FULL": true, "GENERATED": true, "GROUP": true, "HAVING": true, "IN": true,
	"INDEX": true, "INDEXED": true, "INNER": true, "INSERT": true, "INTERSECT": true,
	"INTO": true, "IS": true, "ISNULL": true, "JOIN": true, "LEFT": true, "LIMIT": true,
	"NATURAL": true, "NOT": true, "NOTHING": true, "NOTNULL": true, "NULL": true, "ON": true,
	"OR": true, "ORDER": true, "OUTER": true, "OVER": true, "PRIMARY": true,
	"REFERENCES": true, "RETURNING": true, "RIGHT": true, "ROLLBACK": true, "SELECT": true,
	"SET": true, "TABLE": true, "THEN": true, "TO": true, "TRANSACTION": true, "UNION": true,
	"UNIQUE": true, "UPDATE": true, "USING": true, "VALUES": true, "WHEN": true,
	"WHERE": true, "WINDOW": true,
}

// endLine returns SQL text that is written inside or before other text
// followed by a newline when it ends in a -- comment, which would otherwise
// swallow what comes after it: a closing parenthesis, the next column, the
// statement's semicolon. SQLite keeps such comments in the text it stores.
func endLine(s string) string {
	toks := sqltok.Tokenize(s, sqltok.Options{})
	if n := len(toks); n > 0 && toks[n-1].Kind == sqltok.Comment && strings.HasPrefix(toks[n-1].Text, "--") {
		return s + "\n"
	}
	return s
}
