package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
)

// copyBatches is about how many batches a rebuild's row copy is cut into,
// so that progress moves in steps of 1 %; minBatch keeps small tables in
// one or a few statements.
const (
	copyBatches = 100
	minBatch    = 10_000
)

// rebuildCopy is the row copy of a table rebuild, as the planner writes it
// (and as people write it by hand): INSERT INTO "_retort_new_t" (a, b)
// SELECT a, b FROM "t", a plain projection of columns.
type rebuildCopy struct {
	target, source string
	// head is the statement up to and including "FROM source".
	head string
}

// parseRebuildCopy recognizes a rebuild's row copy: an INSERT … SELECT of
// bare columns, without WHERE, ORDER BY or anything else, into a table
// named with the rebuild prefix from another table.
func parseRebuildCopy(stmt string) (rebuildCopy, bool) {
	toks := sqltok.Lex(stmt, sqltok.Options{}, 0)
	if n := len(toks); n > 0 && toks[n-1].Text == ";" {
		toks = toks[:n-1]
	}
	var c rebuildCopy
	i := 0
	next := func() (sqltok.Token, bool) {
		if i >= len(toks) {
			return sqltok.Token{}, false
		}
		i++
		return toks[i-1], true
	}
	ident := func() (string, bool) {
		t, ok := next()
		if !ok || (t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent) {
			return "", false
		}
		return t.Ident()
	}
	keyword := func(kw string) bool {
		t, ok := next()
		return ok && t.Is(kw)
	}
	// list reads "a, b, c" up to (not including) a token that is not ",".
	list := func() bool {
		for {
			if _, ok := ident(); !ok {
				return false
			}
			if i < len(toks) && toks[i].Text == "," {
				i++
				continue
			}
			return true
		}
	}
	var ok bool
	if !keyword("INSERT") || !keyword("INTO") {
		return c, false
	}
	if c.target, ok = ident(); !ok || !strings.HasPrefix(strings.ToLower(c.target), rebuildPrefix) {
		return c, false
	}
	if i < len(toks) && toks[i].Text == "(" {
		i++
		if !list() {
			return c, false
		}
		if t, ok := next(); !ok || t.Text != ")" {
			return c, false
		}
	}
	if !keyword("SELECT") || !list() || !keyword("FROM") {
		return c, false
	}
	if c.source, ok = ident(); !ok || i != len(toks) || strings.EqualFold(c.source, c.target) {
		return c, false
	}
	last := toks[i-1]
	c.head = stmt[:last.Pos+len(last.Text)]
	return c, true
}

// ExecCopy runs the row copy of a table rebuild (see parseRebuildCopy) in
// batches of rowid ranges, in q's transaction, calling report after each
// with the rows copied so far and the table's row count. It returns false
// for any other statement, and for a table without rowid (copied in one
// statement by the caller). The batches copy exactly the rows, in the
// order, that the single statement would.
func (d *Dialect) ExecCopy(ctx context.Context, q dialect.Querier, stmt string, report func(dialect.Copied)) (bool, error) {
	c, ok := parseRebuildCopy(stmt)
	if !ok {
		return false, nil
	}
	rowid, err := rowidOf(ctx, q, c.source)
	if err != nil || rowid == "" {
		return false, err
	}
	// Three queries, not one: SQLite answers min(rowid) and max(rowid)
	// alone from the b-tree's ends and count(*) alone with its count
	// opcode, but together they make a full scan.
	var lo, hi sql.NullInt64
	var total int64
	for _, v := range []struct {
		query string
		dest  any
	}{{"SELECT min(" + rowid + ") FROM ", &lo}, {"SELECT max(" + rowid + ") FROM ", &hi}, {"SELECT count(*) FROM ", &total}} {
		if err := q.QueryRowContext(ctx, v.query+quote(c.source)).Scan(v.dest); err != nil {
			return true, fmt.Errorf("sqlite: count the rows of %s: %w", quote(c.source), err)
		}
	}
	progress := dialect.Copied{Table: c.source, Total: total}
	if total == 0 {
		report(progress)
		return true, nil
	}
	step := max((hi.Int64-lo.Int64)/copyBatches+1, minBatch)
	batch := c.head + " WHERE " + rowid + " BETWEEN ? AND ?"
	for from := lo.Int64; ; from += step {
		if err := ctx.Err(); err != nil {
			return true, err
		}
		to := hi.Int64
		if hi.Int64-from >= step {
			to = from + step - 1
		}
		res, err := q.ExecContext(ctx, batch, from, to)
		if err != nil {
			return true, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return true, err
		}
		progress.Rows += n
		report(progress)
		if to == hi.Int64 {
			return true, nil
		}
	}
}

// rowidOf returns a name that reads table's rowid (rowid, _rowid_ or oid,
// whichever no column is called), or "" for a table without rowid or one
// whose columns take all three names.
func rowidOf(ctx context.Context, q dialect.Querier, table string) (string, error) {
	var withoutRowID bool
	if err := q.QueryRowContext(ctx, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", table).Scan(&withoutRowID); err != nil {
		if err == sql.ErrNoRows {
			return "", nil // not a table of main: let the statement itself say what is wrong
		}
		return "", fmt.Errorf("sqlite: read %s: %w", quote(table), err)
	}
	if withoutRowID {
		return "", nil
	}
	rows, err := q.QueryContext(ctx, "SELECT lower(name) FROM pragma_table_xinfo(?)", table)
	if err != nil {
		return "", fmt.Errorf("sqlite: read the columns of %s: %w", quote(table), err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
		cols[name] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, name := range []string{"rowid", "_rowid_", "oid"} {
		if !cols[name] {
			return name, nil
		}
	}
	return "", nil
}

var _ dialect.Copier = (*Dialect)(nil)
