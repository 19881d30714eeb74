package mysql

import (
	"context"
	"fmt"

	"github.com/retortdb/retort/dialect"
)

// MatchDatabases returns, sorted, the databases of the server whose names
// match the SQL LIKE pattern (e.g. "tenant\_%"): the targets of a
// database-per-tenant fleet. The server's system databases and retort's
// own scratch databases are never returned.
func MatchDatabases(ctx context.Context, q dialect.Querier, pattern string) ([]string, error) {
	names, err := dialect.Names(ctx, q, ScratchPrefix, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
		WHERE SCHEMA_NAME LIKE ? AND LOWER(SCHEMA_NAME) NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
		ORDER BY CAST(SCHEMA_NAME AS BINARY)`, pattern)
	if err != nil {
		return nil, fmt.Errorf("mysql: list databases like %q: %w", pattern, err)
	}
	return names, nil
}
