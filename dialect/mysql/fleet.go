package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
)

// systemDatabases are the server's own databases, never a fleet target.
var systemDatabases = map[string]bool{"mysql": true, "information_schema": true, "performance_schema": true, "sys": true}

// MatchDatabases returns, sorted, the databases of the server whose names
// match the SQL LIKE pattern (e.g. "tenant\_%"): the targets of a
// database-per-tenant fleet. The server's system databases and retort's
// own scratch databases are never returned.
func MatchDatabases(ctx context.Context, q dialect.Querier, pattern string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
		WHERE SCHEMA_NAME LIKE ? ORDER BY CAST(SCHEMA_NAME AS BINARY)`, pattern)
	if err != nil {
		return nil, fmt.Errorf("mysql: list databases like %q: %w", pattern, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if !systemDatabases[strings.ToLower(name)] && !strings.HasPrefix(name, ScratchPrefix) {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}
