package dialecttest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// rowSet is the rows of one table, each value as Rows prints it.
type rowSet struct {
	cols []string // nil for a table without columns of its own: rows is its count
	rows [][]string
}

var snapshots atomic.Int64

// qualified returns t's name as the engine quotes it, with its schema.
func qualified(d dialect.Dialect, t *schema.Table) string {
	if t.Schema != "" {
		return d.Quote(t.Schema) + "." + d.Quote(t.Name)
	}
	return d.Quote(t.Name)
}

func tableKey(t *schema.Table) string { return t.Schema + "." + t.Name }

// snapshot reads every row of every table of s.
func snapshot(t testing.TB, ctx context.Context, d dialect.Dialect, q dialect.Querier, s *schema.Schema) map[string]*rowSet {
	t.Helper()
	out := map[string]*rowSet{}
	for _, tb := range s.Tables {
		rs := &rowSet{}
		query := "SELECT count(*) FROM " + qualified(d, tb)
		if len(tb.Columns) > 0 {
			cols := make([]string, len(tb.Columns))
			for i, c := range tb.Columns {
				rs.cols = append(rs.cols, c.Name)
				cols[i] = d.Quote(c.Name)
			}
			query = "SELECT " + strings.Join(cols, ", ") + " FROM " + qualified(d, tb)
		}
		// A query text of its own each time: a driver that caches prepared
		// statements by text (pgx) fails one whose column types changed.
		query += fmt.Sprintf(" /* snapshot %d */", snapshots.Add(1))
		for _, line := range RowsSep(t, q, "\x00", query) {
			rs.rows = append(rs.rows, strings.Split(line, "\x00"))
		}
		out[tableKey(tb)] = rs
	}
	return out
}

// compareRows fails the test when a table of both schemas holds other
// rows after than before, in the columns it has on both sides under the
// same name and type and computed alike (a table without columns of its own, a partition, is
// compared by its count).
func compareRows(t testing.TB, what string, before map[string]*rowSet, from *schema.Schema, after map[string]*rowSet, to *schema.Schema) {
	t.Helper()
	for _, ft := range from.Tables {
		tt, ok := findTable(to, ft)
		if !ok || !samePartitions(from, ft, to, tt) {
			continue
		}
		b, a := before[tableKey(ft)], after[tableKey(tt)]
		if b == nil || a == nil {
			continue
		}
		var bi, ai []int
		for i, name := range b.cols {
			fc, _ := ft.Column(name)
			if tc, ok := tt.Column(name); ok && tc.Type == fc.Type && sameGenerated(fc.Generated, tc.Generated) &&
				typeDef(from, fc.Type) == typeDef(to, tc.Type) {
				j := slices.IndexFunc(a.cols, func(n string) bool { return tt.Case.Columns.Equal(n, name) })
				bi, ai = append(bi, i), append(ai, j)
			}
		}
		bs, as := project(b, bi), project(a, ai)
		if !slices.Equal(bs, as) {
			t.Errorf("%s changed the rows of table %s (columns kept: %d):\n  before: %s\n  after:  %s",
				what, ft.Name, len(bi), clip(bs), clip(as))
		}
	}
}

// samePartitions reports whether a table is a partition of the same table
// on both sides and, if partitioned, has the same partitions: otherwise
// its rows move (ATTACH, DETACH) and are not compared.
func samePartitions(from *schema.Schema, ft *schema.Table, to *schema.Schema, tt *schema.Table) bool {
	if ft.PartitionOf != tt.PartitionOf {
		return false
	}
	parts := func(s *schema.Schema, parent *schema.Table) []string {
		var out []string
		for _, t := range s.Tables {
			if t.PartitionOf != "" && t.Schema == parent.Schema && s.Case.Tables.Equal(t.PartitionOf, parent.Name) {
				out = append(out, t.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(parts(from, ft), parts(to, tt))
}

// typeDef returns the definition of the type a column of s is declared
// with when s defines it (an enum, domain or composite type), "" for a
// built-in type: a column whose type is redefined (a composite type loses
// an attribute) may change its values legitimately.
func typeDef(s *schema.Schema, typ string) string {
	name := strings.ToLower(strings.Trim(typ, `"`))
	var def any
	for _, e := range s.Enums {
		if strings.EqualFold(e.Name, name) {
			def = e
		}
	}
	for _, d := range s.Domains {
		if strings.EqualFold(d.Name, name) {
			def = d
		}
	}
	for _, c := range s.Composites {
		if strings.EqualFold(c.Name, name) {
			def = c
		}
	}
	if def == nil {
		return ""
	}
	b, _ := json.Marshal(def)
	return string(b)
}

// sameGenerated reports whether two columns are computed alike (or both
// stored plainly): a changed expression changes the values.
func sameGenerated(a, b *schema.Generated) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Expr == b.Expr
}

// findTable returns the table of s with the schema and name of t.
func findTable(s *schema.Schema, t *schema.Table) (*schema.Table, bool) {
	for _, x := range s.Tables {
		if x.Schema == t.Schema && s.Case.Tables.Equal(x.Name, t.Name) {
			return x, true
		}
	}
	return nil, false
}

// project returns rs's rows cut to the columns idx, sorted; a table
// without columns gives its count, and a table without a column kept its
// number of rows.
func project(rs *rowSet, idx []int) []string {
	if rs.cols == nil {
		return []string{"count " + strings.Join(rs.rows[0], "")}
	}
	if len(idx) == 0 {
		return []string{fmt.Sprintf("%d rows", len(rs.rows))}
	}
	out := make([]string, len(rs.rows))
	for i, row := range rs.rows {
		vals := make([]string, len(idx))
		for k, j := range idx {
			vals[k] = row[j]
		}
		out[i] = strings.Join(vals, " | ")
	}
	slices.Sort(out)
	return out
}

func clip(rows []string) string {
	if len(rows) > 8 {
		return strings.Join(rows[:8], "; ") + fmt.Sprintf("; … (%d rows)", len(rows))
	}
	return strings.Join(rows, "; ")
}

// orphans returns one line for each foreign key of s that has rows in its
// table with a complete key that no row of the referenced table has: what
// the engine should have refused or checked.
func orphans(ctx context.Context, d dialect.Dialect, q dialect.Querier, s *schema.Schema) ([]string, error) {
	var out []string
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			var notNull, join []string
			for i, c := range fk.Columns {
				notNull = append(notNull, "c."+d.Quote(c)+" IS NOT NULL")
				join = append(join, "p."+d.Quote(fk.RefColumns[i])+" = c."+d.Quote(c))
			}
			ref := d.Quote(fk.RefTable)
			if fk.RefSchema != "" {
				ref = d.Quote(fk.RefSchema) + "." + ref
			} else if t.Schema != "" {
				ref = d.Quote(t.Schema) + "." + ref
			}
			query := fmt.Sprintf("SELECT count(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)",
				qualified(d, t), strings.Join(notNull, " AND "), ref, strings.Join(join, " AND "))
			var n int
			if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
				return nil, fmt.Errorf("%s: %w", query, err)
			}
			if n > 0 {
				out = append(out, fmt.Sprintf("%d row(s) of %s orphaned under foreign key %s (%s) → %s",
					n, t.Name, fk.Name, strings.Join(fk.Columns, ", "), fk.RefTable))
			}
		}
	}
	return out, nil
}
