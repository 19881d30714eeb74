package lint

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/retortdb/retort/schema"
)

// probeKind says which rows a data-dependent finding counts.
type probeKind uint8

const (
	probeDuplicates probeKind = iota + 1 // keys held by more than one row
	probeNulls                           // NULLs in a column made NOT NULL
	probeRows                            // any row (a NOT NULL column added without default)
	probeCheck                           // rows a CHECK rejects
	probeOrphans                         // child rows without a parent
)

// probe is what to count for a data-dependent finding.
type probe struct {
	kind    probeKind
	table   string
	columns []string
	primary bool
	expr    string
	fk      *schema.ForeignKey
}

// query returns the SELECT COUNT(*) that counts the probe's rows, every
// name quoted by quote.
func (pr *probe) query(quote func(string) string) string {
	t := quote(pr.table)
	var notNull, cols []string
	for _, c := range pr.columns {
		notNull = append(notNull, quote(c)+" IS NOT NULL")
		cols = append(cols, quote(c))
	}
	switch pr.kind {
	case probeDuplicates:
		where := ""
		if !pr.primary {
			where = " WHERE " + strings.Join(notNull, " AND ")
		}
		return fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 AS k FROM %s%s GROUP BY %s HAVING COUNT(*) > 1) d", t, where, strings.Join(cols, ", "))
	case probeNulls:
		return fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s IS NULL", t, cols[0])
	case probeRows:
		return "SELECT COUNT(*) FROM " + t
	case probeCheck:
		return fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE NOT (%s)", t, pr.expr)
	case probeOrphans:
		var child, join []string
		for i, c := range pr.fk.Columns {
			child = append(child, "c."+quote(c)+" IS NOT NULL")
			join = append(join, "p."+quote(pr.fk.RefColumns[i])+" = c."+quote(c))
		}
		parent := quote(pr.fk.RefTable)
		if pr.fk.RefSchema != "" {
			parent = quote(pr.fk.RefSchema) + "." + parent
		}
		return fmt.Sprintf("SELECT COUNT(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)",
			t, strings.Join(child, " AND "), parent, strings.Join(join, " AND "))
	}
	return ""
}

// what names the counted rows.
func (pr *probe) what() string {
	switch pr.kind {
	case probeDuplicates:
		return "duplicate key(s)"
	case probeNulls:
		return "NULL(s)"
	case probeRows:
		return "row(s)"
	case probeCheck:
		return "row(s) failing the check"
	case probeOrphans:
		return "orphan row(s)"
	}
	return "row(s)"
}

// Measure counts, in the database db holds now, the rows that would make
// each data-dependent finding's migration fail (duplicates for a new
// UNIQUE key, NULLs for a NOT NULL, rows failing a new CHECK, orphans for a
// new foreign key). A finding with rows becomes an Error that says how
// many; one without becomes Info. The counts run in a read-only
// transaction that is rolled back. Counts that could not run (a table an
// earlier pending migration creates, say) leave the finding as it was and
// are returned as notes.
func Measure(ctx context.Context, db *sql.DB, quote func(string) string, ds []Diagnostic) (notes []string, err error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		// SQLite's driver refuses read-only transactions: nothing the
		// counts run can write there (no user functions).
		if tx, err = db.BeginTx(ctx, nil); err != nil {
			return nil, err
		}
	}
	defer tx.Rollback()
	for i := range ds {
		d := &ds[i]
		if d.probe == nil {
			continue
		}
		var n int64
		q := d.probe.query(quote)
		if _, err := tx.ExecContext(ctx, "SAVEPOINT retort_lint"); err != nil {
			return notes, err
		}
		if err := tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
			notes = append(notes, fmt.Sprintf("%s:%d: %s: not counted: %v", d.File, d.Line, d.Code, err))
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT retort_lint"); err != nil {
				return notes, err
			}
			continue
		}
		if n > 0 {
			d.Severity = Error
			d.Message += fmt.Sprintf(": the database has %d %s, so the migration will fail", n, d.probe.what())
			if d.probe.kind == probeRows {
				d.Message = strings.Replace(d.Message, "so the migration will fail", "which cannot take a NULL", 1)
			}
		} else {
			d.Severity = Info
			d.Message += fmt.Sprintf(": the database has no %s now", d.probe.what())
		}
	}
	return notes, nil
}
