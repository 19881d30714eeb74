package postgres

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// orphanCheck returns a DO block that counts the rows of table that fk
// would reject (child values with no parent row; under MATCH FULL also
// keys that are only partly NULL) and, if there are any, raises
// foreign_key_violation with the count and up to five example keys. It is
// plain SQL, so it works in migration files and in offline scripts.
func orphanCheck(table string, fk *schema.ForeignKey) string {
	var notNull, join, keys []string
	for i, c := range fk.Columns {
		notNull = append(notNull, "c."+quote(c)+" IS NOT NULL")
		join = append(join, "p."+quote(fk.RefColumns[i])+" = c."+quote(c))
		keys = append(keys, "c."+quote(c)+"::text")
	}
	missing := fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s p WHERE %s)", qualified(fk.RefSchema, fk.RefTable), strings.Join(join, " AND "))
	cond := strings.Join(notNull, " AND ") + "\n      AND " + missing
	if strings.EqualFold(fk.Match, "FULL") && len(fk.Columns) > 1 {
		cols := make([]string, len(fk.Columns))
		for i, c := range fk.Columns {
			cols[i] = "c." + quote(c)
		}
		cond = fmt.Sprintf("(%s)\n      OR num_nulls(%s) NOT IN (0, %d)", strings.Replace(cond, "\n      AND ", " AND ", 1),
			strings.Join(cols, ", "), len(cols))
	}
	from := qualified("", table) + " c"
	target := fk.RefTable
	if fk.RefSchema != "" {
		target = fk.RefSchema + "." + fk.RefTable
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	cols := esc(strings.Join(fk.Columns, ", "))
	msg := "retort: % row(s) of " + esc(display(table)) + " reference no row of " + esc(target) +
		", so foreign key " + esc(fk.Name) + " (" + cols + ") cannot be added; e.g. (" + cols + ") = %"
	body := fmt.Sprintf(`DECLARE
  n bigint;
  examples text;
BEGIN
  SELECT count(*) INTO n FROM %[1]s
    WHERE %[2]s;
  IF n > 0 THEN
    SELECT string_agg('(' || k || ')', ', ') INTO examples FROM (
      SELECT concat_ws(', ', %[3]s) AS k FROM %[1]s
      WHERE %[2]s
      LIMIT 5) e;
    RAISE EXCEPTION %[4]s, n, examples
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'delete those rows or add their parents, then run the migration again';
  END IF;
END`, from, cond, strings.Join(keys, ", "), literal(msg))
	tag := dollarTag(body)
	return "DO " + tag + "\n" + body + "\n" + tag
}

// orphanComment is the comment above an orphan check in a plan.
func orphanComment(table string, fk *schema.ForeignKey) string {
	target := fk.RefTable
	if fk.RefSchema != "" {
		target = fk.RefSchema + "." + target
	}
	return fmt.Sprintf("%s: rows of %s without a parent in %s stop the migration here", fk.Name, display(table), target)
}

// orphanMessage matches the message orphanCheck raises: count, table,
// parent, constraint, columns and the examples.
var orphanMessage = regexp.MustCompile(`retort: (\d+) row\(s\) of (.+?) reference no row of (.+?), so foreign key (.+?) \((.*?)\) cannot be added; e\.g\. \(.*?\) = (.*)$`)

// TranslateError returns the error of orphanCheck's exception (SQLSTATE
// 23503 with retort's message) as a *dialect.OrphanRowsError wrapping it,
// and any other error as it is.
func (d *Dialect) TranslateError(err error) error {
	if SQLState(err) != "23503" {
		return err
	}
	msg := strings.TrimSuffix(err.Error(), " (SQLSTATE 23503)")
	m := orphanMessage.FindStringSubmatch(msg)
	if m == nil {
		return err
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	e := &dialect.OrphanRowsError{Table: m[2], Parent: m[3], Constraint: m[4], Columns: strings.Split(m[5], ", "), Count: n, Err: err}
	// The examples are "(k1), (k2)": a key of one column is its value.
	for _, ex := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(m[6], "("), ")"), "), (") {
		if len(e.Columns) > 1 {
			ex = "(" + ex + ")"
		}
		e.Examples = append(e.Examples, ex)
	}
	return e
}
