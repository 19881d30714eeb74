package dialecttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

// Rows runs query on q and returns its rows as lines of " | "-separated
// values (NULL for null), failing the test on any error.
func Rows(t testing.TB, q dialect.Querier, query string, args ...any) []string {
	t.Helper()
	return RowsSep(t, q, " | ", query, args...)
}

// RowsSep is Rows with the columns separated by sep.
func RowsSep(t testing.TB, q dialect.Querier, sep, query string, args ...any) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(v)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, sep))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}
