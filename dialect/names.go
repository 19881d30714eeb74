package dialect

import (
	"context"
	"strings"
)

// Names runs query, whose rows hold one name each, and returns the names,
// in the order of the rows, leaving out those that start with skipPrefix
// (when it is not ""). It serves the catalog listings of the engines
// (schemas, databases).
func Names(ctx context.Context, q Querier, skipPrefix, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if skipPrefix == "" || !strings.HasPrefix(name, skipPrefix) {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}
