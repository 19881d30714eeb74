package mysql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// orphanCheck returns one statement that counts the rows of table that fk
// would reject (child keys without NULLs that no parent row has) and, if
// there are any, fails with the count and up to five example keys.
//
// MySQL runs SIGNAL only inside stored programs, and a migration should not
// need the privilege to create one, so the statement fails the portable
// way: it sets sql_mode to the message, which the server refuses with
// "Variable 'sql_mode' can't be set to the value of 'retort: …'". When
// nothing is orphaned it sets sql_mode to its own value, which changes
// nothing. The message has no commas (sql_mode would split it there) and
// fits the 200 characters of the server's error.
func orphanCheck(table string, fk *schema.ForeignKey) string {
	var keys []string
	for _, c := range fk.Columns {
		keys = append(keys, "c."+quote(c))
	}
	where := orphanWhere(fk)
	from := quote(table) + " c"
	target := fkTarget(fk)
	head := fmt.Sprintf(" orphan row(s) in %s (%s) without a parent in %s (%s); e.g. ",
		noComma(table), noComma(strings.Join(fk.Columns, " ")), noComma(target), noComma(strings.Join(fk.RefColumns, " ")))
	tail := fmt.Sprintf("; cannot add foreign key %s", noComma(fk.Name))
	key := "CONCAT('(', CONCAT_WS(' ', " + strings.Join(keys, ", ") + "), ')')"
	if len(keys) == 1 {
		key = keys[0]
	}
	return fmt.Sprintf(`SET SESSION sql_mode = (
  SELECT IF(COUNT(*) = 0, @@SESSION.sql_mode, CONCAT('retort: ', COUNT(*), %s,
    (SELECT REPLACE(GROUP_CONCAT(k SEPARATOR ' '), ',', ' ') FROM (
      SELECT %s AS k FROM %s
      WHERE %s
      ORDER BY %s
      LIMIT 5) e), %s))
  FROM %s
  WHERE %s)`, literal(head), key, from, strings.ReplaceAll(where, "\n    ", "\n        "), strings.Join(keys, ", "), literal(tail), from, where)
}

// orphanWhere is the condition on the rows c of a table (the parent is
// p) that foreign key fk would reject: child keys without NULLs that no
// parent row has.
func orphanWhere(fk *schema.ForeignKey) string {
	var notNull, join []string
	for i, c := range fk.Columns {
		notNull = append(notNull, "c."+quote(c)+" IS NOT NULL")
		join = append(join, "p."+quote(fk.RefColumns[i])+" = c."+quote(c))
	}
	return strings.Join(notNull, " AND ") + "\n    AND NOT EXISTS (SELECT 1 FROM " + refTable(fk) + " p WHERE " + strings.Join(join, " AND ") + ")"
}

// orphanComment is the comment above an orphan check in a plan.
func orphanComment(table string, fk *schema.ForeignKey) string {
	target := fkTarget(fk)
	return fmt.Sprintf("%s: rows of %s without a parent in %s stop the migration here", fk.Name, table, target)
}

// duplicateCheck returns one statement that counts the keys of table that
// more than one row has in the columns of a unique index or primary key
// about to be added (what, e.g. "unique index users_email_key"), and, if
// there are any, fails the way orphanCheck does, with the count and up
// to five of them. Rows with a NULL in the key do not count (a unique
// index takes them) unless the key is the primary key; prefix parts are
// compared on their prefix.
func duplicateCheck(table, what string, parts []schema.IndexPart, primary bool) string {
	var keys, notNull, names []string
	for _, p := range parts {
		k := quote(p.Column)
		if p.Length > 0 {
			k = fmt.Sprintf("LEFT(%s, %d)", k, p.Length)
		}
		keys = append(keys, k)
		notNull = append(notNull, quote(p.Column)+" IS NOT NULL")
		names = append(names, p.Column)
	}
	where := ""
	if !primary {
		where = "\n    WHERE " + strings.Join(notNull, " AND ")
	}
	head := fmt.Sprintf(" duplicate key(s) in %s (%s); e.g. ", noComma(table), noComma(strings.Join(names, " ")))
	tail := fmt.Sprintf("; cannot add %s", noComma(what))
	key := "CONCAT('(', CONCAT_WS(' ', " + strings.Join(keys, ", ") + "), ')')"
	if len(keys) == 1 {
		key = "CONCAT(" + keys[0] + ")"
	}
	return fmt.Sprintf(`SET SESSION sql_mode = (
  SELECT IF(COUNT(*) = 0, @@SESSION.sql_mode, CONCAT('retort: ', COUNT(*), %s,
    REPLACE(REPLACE(SUBSTRING_INDEX(GROUP_CONCAT(COALESCE(k, 'NULL') ORDER BY k SEPARATOR '|'), '|', 5), '|', ' '), ',', ' '), %s))
  FROM (
    SELECT %s AS k FROM %s%s
    GROUP BY %s
    HAVING COUNT(*) > 1) d)`, literal(head), literal(tail), key, quote(table), where, strings.Join(keys, ", "))
}

// checkViolations returns one statement that counts the rows of table for
// which CHECK expr is false (a NULL result passes, as it does for the
// server), and, if there are any, fails the way orphanCheck does, with
// the count and up to five of their primary keys (or nothing to show
// without one).
func checkViolations(table, name, expr string, pk []string) string {
	example := "''"
	if len(pk) > 0 {
		var keys []string
		for _, c := range pk {
			keys = append(keys, quote(c))
		}
		k := "CONCAT(" + keys[0] + ")"
		if len(keys) > 1 {
			k = "CONCAT('(', CONCAT_WS(' ', " + strings.Join(keys, ", ") + "), ')')"
		}
		example = fmt.Sprintf("(SELECT REPLACE(GROUP_CONCAT(k SEPARATOR ' '), ',', ' ') FROM (\n      SELECT %s AS k FROM %s WHERE NOT %s ORDER BY %s LIMIT 5) e)",
			k, quote(table), parenthesize(expr), strings.Join(keys, ", "))
	}
	head := fmt.Sprintf(" row(s) of %s fail check %s; e.g. ", noComma(table), noComma(name))
	return fmt.Sprintf(`SET SESSION sql_mode = (
  SELECT IF(COUNT(*) = 0, @@SESSION.sql_mode, CONCAT('retort: ', COUNT(*), %s,
    %s, '; cannot add the check'))
  FROM %s
  WHERE NOT %s)`, literal(head), example, quote(table), parenthesize(expr))
}

// noComma replaces the commas of s, which a message carried in sql_mode
// cannot hold (the server splits the mode there), by spaces.
func noComma(s string) string { return strings.ReplaceAll(s, ",", " ") }

// fkTarget names the table fk points to as messages write it, with its
// database when it is in another one.
func fkTarget(fk *schema.ForeignKey) string {
	if fk.RefSchema != "" {
		return fk.RefSchema + "." + fk.RefTable
	}
	return fk.RefTable
}

// orphanMessage matches the sql_mode value orphanCheck sets when rows are
// orphaned, as the server's error 1231 quotes it (cut at 200 characters,
// so the constraint may be missing).
var orphanMessage = regexp.MustCompile(`'retort: (\d+) orphan row\(s\) in (.+?) \((.*?)\) without a parent in (.+?) \((.*?)\); e\.g\. (.*?)(?:; cannot add foreign key (.*?)'?)?$`)

// TranslateError returns the error 1231 of orphanCheck as a
// *dialect.OrphanRowsError wrapping it, and any other error as it is.
func (d *Dialect) TranslateError(err error) error {
	if ErrorNumber(err) != 1231 {
		return err
	}
	m := orphanMessage.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	e := &dialect.OrphanRowsError{Table: m[2], Columns: strings.Fields(m[3]), Parent: m[4], Constraint: m[7], Count: n, Err: err}
	// The examples are separated by spaces: "7 8", or "(1 a) (2 b)" for a
	// key of several columns.
	ex := strings.TrimSpace(m[6])
	if len(e.Columns) > 1 {
		for _, k := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(ex, "("), ")"), ") (") {
			e.Examples = append(e.Examples, "("+k+")")
		}
	} else {
		e.Examples = strings.Fields(ex)
	}
	return e
}
