package benchkit

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CatalogFloor times the floor of an inspection through driver: open a
// pool on dsn, run query (one catalog query reading what an inspection
// reads, as raw text), scan every row to the end, close. It returns the
// time and the number of rows, and fails when the query returns none.
func CatalogFloor(ctx context.Context, driver, dsn, query string) (time.Duration, int, error) {
	start := time.Now()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, 0, fmt.Errorf("catalog floor: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, 0, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	rows.Close()
	db.Close()
	if n == 0 {
		return 0, 0, fmt.Errorf("catalog floor: the query returned no rows")
	}
	return time.Since(start), n, nil
}
