package postgres

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

// The DDL of extensions, domains, composite types, exclusion constraints,
// column options and comments (see kinds_inspect.go).

func createExtension(e *schema.Extension) string {
	s := "CREATE EXTENSION IF NOT EXISTS " + quote(e.Name)
	if e.Schema != "" {
		s += " SCHEMA " + quote(e.Schema)
	}
	if e.Version != "" {
		s += " VERSION " + literal(e.Version)
	}
	return s
}

func checkDef(c *schema.Check) string {
	return "CONSTRAINT " + quote(c.Name) + " CHECK (" + c.Expr + ")"
}

func createDomain(d *schema.Domain) string {
	var b strings.Builder
	b.WriteString("CREATE DOMAIN " + quote(qkey(d.Schema, d.Name)) + " AS " + d.Type)
	if d.Collation != "" {
		b.WriteString(" COLLATE " + quote(d.Collation))
	}
	if d.Default != "" {
		b.WriteString(" DEFAULT " + d.Default)
	}
	if d.NotNull {
		b.WriteString(" NOT NULL")
	}
	for _, c := range d.Checks {
		b.WriteString(" " + checkDef(c))
	}
	return b.String()
}

func attributeDef(a *schema.Column) string {
	s := quote(a.Name) + " " + a.Type
	if a.Collation != "" {
		s += " COLLATE " + quote(a.Collation)
	}
	return s
}

func createComposite(c *schema.Composite) string {
	attrs := make([]string, len(c.Attributes))
	for i, a := range c.Attributes {
		attrs[i] = attributeDef(a)
	}
	return "CREATE TYPE " + quote(qkey(c.Schema, c.Name)) + " AS (" + strings.Join(attrs, ", ") + ")"
}

// deferClause returns the deferral of a key: "", " DEFERRABLE" or
// " DEFERRABLE INITIALLY DEFERRED".
func deferClause(deferrable, deferred bool) string {
	switch {
	case deferred:
		return " DEFERRABLE INITIALLY DEFERRED"
	case deferrable:
		return " DEFERRABLE"
	}
	return ""
}

// columnOptions returns the statements that give the columns of a new
// table the storage and statistics options CREATE TABLE cannot.
func columnOptions(t *schema.Table) []string {
	var out []string
	for _, c := range t.Columns {
		ac := alter(tkey(t)) + "ALTER COLUMN " + quote(c.Name) + " "
		if c.Storage != "" {
			out = append(out, ac+"SET STORAGE "+c.Storage)
		}
		if c.Statistics != nil {
			out = append(out, fmt.Sprintf("%sSET STATISTICS %d", ac, *c.Statistics))
		}
	}
	return out
}

// resetStorage returns a statement that gives a column its type's storage
// again (PostgreSQL 15 has no SET STORAGE DEFAULT).
func resetStorage(table, column string) string {
	return doBlock("EXECUTE " + literal("ALTER TABLE "+quote(table)+" ALTER COLUMN "+quote(column)+" SET STORAGE ") + " || " +
		"(SELECT CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END " +
		"FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = " + literal(quote(table)) +
		"::regclass AND a.attname = " + literal(column) + ");")
}

// constraintCommentOn returns COMMENT ON CONSTRAINT for a constraint of
// table.
func constraintCommentOn(table, name, comment string) string {
	return commentOn("CONSTRAINT", quote(name)+" ON "+quote(table), comment)
}

// tableComments returns the comments of a new table's keys, checks,
// exclusion constraints and indexes (its foreign keys' are fkComments).
func tableComments(t *schema.Table) []string {
	var out []string
	if pk := t.PrimaryKey; pk != nil && pk.Comment != "" {
		out = append(out, constraintCommentOn(tkey(t), pk.Name, pk.Comment))
	}
	for _, ix := range t.Indexes {
		switch {
		case ix.Comment == "":
		case ix.Constraint:
			out = append(out, constraintCommentOn(tkey(t), ix.Name, ix.Comment))
		default:
			out = append(out, commentOn("INDEX", quote(qkey(t.Schema, ix.Name)), ix.Comment))
		}
	}
	for _, c := range t.Checks {
		if c.Comment != "" {
			out = append(out, constraintCommentOn(tkey(t), c.Name, c.Comment))
		}
	}
	for _, x := range t.Exclusions {
		if x.Comment != "" {
			out = append(out, constraintCommentOn(tkey(t), x.Name, x.Comment))
		}
	}
	return out
}

// fkComments returns the comments of a table's foreign keys.
func fkComments(t *schema.Table) []string {
	var out []string
	for _, fk := range t.ForeignKeys {
		if fk.Comment != "" {
			out = append(out, constraintCommentOn(tkey(t), fk.Name, fk.Comment))
		}
	}
	return out
}

func viewKind(v *schema.View) string {
	if isMaterialized(v) {
		return "MATERIALIZED VIEW"
	}
	return "VIEW"
}

// viewStatements returns the CREATE statement of a view, the indexes of a
// materialized view and its comments.
func viewStatements(v *schema.View) []string {
	out := []string{v.Def}
	for _, ix := range v.Indexes { // a materialized view's
		out = append(out, createIndex(vkey(v), ix, false))
	}
	if v.Comment != "" {
		out = append(out, commentOn(viewKind(v), quote(vkey(v)), v.Comment))
	}
	for _, c := range slices.Sorted(maps.Keys(v.ColumnComments)) {
		out = append(out, commentOn("COLUMN", quote(vkey(v))+"."+quote(c), v.ColumnComments[c]))
	}
	return out
}

// typeStatements returns the statements that create the extensions,
// domains and composite types of s, with their comments, and the
// comments of its enum types (created before them).
func typeStatements(s *schema.Schema) (extensions, types []string) {
	for _, e := range s.Extensions {
		extensions = append(extensions, createExtension(e))
	}
	for _, e := range s.Enums {
		if e.Comment != "" {
			types = append(types, commentOn("TYPE", quote(qkey(e.Schema, e.Name)), e.Comment))
		}
	}
	for _, d := range s.Domains {
		types = append(types, domainStatements(d)...)
	}
	for _, c := range s.Composites {
		types = append(types, compositeStatements(c)...)
	}
	return extensions, types
}

func compositeStatements(c *schema.Composite) []string {
	out := []string{createComposite(c)}
	if c.Comment != "" {
		out = append(out, commentOn("TYPE", quote(qkey(c.Schema, c.Name)), c.Comment))
	}
	for _, a := range c.Attributes {
		if a.Comment != "" {
			out = append(out, commentOn("COLUMN", quote(qkey(c.Schema, c.Name))+"."+quote(a.Name), a.Comment))
		}
	}
	return out
}

func domainStatements(d *schema.Domain) []string {
	out := []string{createDomain(d)}
	if d.Comment != "" {
		out = append(out, commentOn("DOMAIN", quote(qkey(d.Schema, d.Name)), d.Comment))
	}
	for _, c := range d.Checks {
		if c.Comment != "" {
			out = append(out, commentOn("CONSTRAINT", quote(c.Name)+" ON DOMAIN "+quote(qkey(d.Schema, d.Name)), c.Comment))
		}
	}
	return out
}
