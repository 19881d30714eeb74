package sqlite

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// affinity is a column's type affinity (sqlite.org/datatype3.html, 3.1),
// which decides how a stored value is converted.
type affinity int

const (
	affBlob    affinity = iota // BLOB, no type, and STRICT ANY: values kept as they are
	affText                    // numbers become text
	affNumeric                 // well-formed numeric text becomes a number; integral reals integers
	affInteger                 // as NUMERIC (they differ only in CAST)
	affReal                    // numbers and numeric text become reals
)

// affinityOf returns the affinity of a declared type by SQLite's rules; in
// a STRICT table ANY keeps every value as it is.
func affinityOf(typ string, strict bool) affinity {
	t := strings.ToUpper(typ)
	switch {
	case strict && strings.TrimSpace(t) == "ANY":
		return affBlob
	case strings.Contains(t, "INT"):
		return affInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return affText
	case strings.Contains(t, "BLOB"), strings.TrimSpace(t) == "":
		return affBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return affReal
	}
	return affNumeric
}

// Narrows reports whether the column's new type has an affinity that may
// change a value the old one stores: TEXT → INTEGER turns '007' into 7,
// REAL → TEXT keeps 15 significant digits, INTEGER → REAL rounds integers
// above 2^53. Declared lengths (VARCHAR(10)) mean nothing to SQLite, so a
// change that keeps the affinity keeps every value; so do BLOB (no
// conversion), INTEGER ↔ NUMERIC (the same conversion) and REAL → INTEGER
// or NUMERIC (only reals that are integers become integers, and read back
// as the same real).
func (d *Dialect) Narrows(mt *diff.ModifyTable, c *diff.ModifyColumn) bool {
	if c.To.Generated != nil {
		return false // computed, not copied
	}
	from, to := affinityOf(c.From.Type, mt.From.Strict), affinityOf(c.To.Type, mt.To.Strict)
	numeric := func(a affinity) bool { return a == affInteger || a == affNumeric }
	switch {
	case from == to, to == affBlob, numeric(from) && numeric(to), from == affReal && numeric(to):
		return false
	}
	return true
}

// stored returns the SQL value v becomes when stored in a column of
// affinity a: the conversion the affinity applies, written with CAST. A
// comparison with a CAST(… AS NUMERIC) applies NUMERIC affinity to the
// other side, so "v = CAST(v AS NUMERIC)" holds exactly for the text that
// the affinity converts (a well-formed number).
func stored(a affinity, v string) string {
	switch a {
	case affText:
		return "CASE WHEN typeof(" + v + ") IN ('integer', 'real') THEN CAST(" + v + " AS TEXT) ELSE " + v + " END"
	case affNumeric, affInteger:
		return "CASE WHEN typeof(" + v + ") = 'text' AND " + v + " = CAST(" + v + " AS NUMERIC) THEN CAST(" + v + " AS NUMERIC)" +
			" WHEN typeof(" + v + ") = 'real' AND " + v + " = CAST(" + v + " AS INTEGER) THEN CAST(" + v + " AS INTEGER) ELSE " + v + " END"
	case affReal:
		return "CASE WHEN typeof(" + v + ") = 'text' AND " + v + " = CAST(" + v + " AS NUMERIC) THEN CAST(" + v + " AS REAL)" +
			" WHEN typeof(" + v + ") = 'integer' THEN CAST(" + v + " AS REAL) ELSE " + v + " END"
	}
	return v
}

// narrowCheck returns a statement that counts the rows of table whose
// value of column c would not survive the change to c.To's type — stored
// under the new affinity and read back under the old one, it is not the
// same value of the same type ('007' → 7 → '7') — and, if there are any,
// fails with the count and up to five values (text in double quotes: the
// error quotes the message in single ones).
//
// SQLite has no statement that raises an error of one's own outside a
// trigger, so the check fails the way a plain SELECT can: json_extract
// with the message as its path, which SQLite refuses with "bad JSON path:
// 'retort: …'". When no row would change, it selects nothing and
// json_extract is never called.
func narrowCheck(mt *diff.ModifyTable, c *diff.ModifyColumn) string {
	from, to := affinityOf(c.From.Type, mt.From.Strict), affinityOf(c.To.Type, mt.To.Strict)
	msg := fmt.Sprintf("retort: %%d row(s) of %s would lose data in column %s changed from %s to %s; e.g. %%s",
		mt.From.Name, c.From.Name, orNoType(c.From.Type), orNoType(c.To.Type))
	head, tail, _ := strings.Cut(msg, "%d")
	mid, _, _ := strings.Cut(tail, "%s")
	return fmt.Sprintf(`WITH "lost" AS (
  SELECT "v" FROM (
    SELECT "v", %[1]s AS "r" FROM (
      SELECT %[2]s AS "v", %[3]s AS "n" FROM %[4]s WHERE %[2]s IS NOT NULL))
  WHERE typeof("r") <> typeof("v") OR "r" IS NOT "v")
SELECT json_extract('{}', %[5]s || (SELECT count(*) FROM "lost") || %[6]s ||
  (SELECT group_concat("e", ', ') FROM (
    SELECT CASE typeof("v") WHEN 'text' THEN '"' || substr("v", 1, 40) || '"' ELSE substr(quote("v"), 1, 40) END AS "e"
    FROM "lost" LIMIT 5)))
WHERE EXISTS (SELECT 1 FROM "lost")`,
		stored(from, `"n"`), quote(c.From.Name), stored(to, quote(c.From.Name)), quote(mt.From.Name),
		quoteString(head), quoteString(mid))
}

func orNoType(t string) string {
	if strings.TrimSpace(t) == "" {
		return "(no type)"
	}
	return t
}

// narrowComment is the comment above a narrowing check in a plan.
func narrowComment(table string, c *schema.Column, from string) string {
	return fmt.Sprintf("%s.%s: %s → %s may change stored values; rows whose value would change stop the migration here",
		table, c.Name, orNoType(from), orNoType(c.Type))
}

// narrowChecks adds a check step for every column whose type the changes
// narrow, before anything changes, and reports the tables narrowed.
func (p *planner) narrowChecks(changes []diff.Change) map[string]bool {
	tables := map[string]bool{}
	for _, n := range dialect.Narrowed(p.d, changes) {
		p.add(dialect.Step{SQL: narrowCheck(n.Table, n.Column), Comment: narrowComment(n.Table.From.Name, n.Column.To, n.Column.From.Type)})
		tables[strings.ToLower(n.Table.To.Name)] = true
	}
	return tables
}
