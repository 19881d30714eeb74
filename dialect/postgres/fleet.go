package postgres

import (
	"context"
	"fmt"

	"github.com/retortdb/retort/dialect"
)

// MatchSchemas returns, sorted, the schemas of the connected database whose
// names match the SQL LIKE pattern (e.g. "tenant_%"): the targets of a
// schema-per-tenant fleet. The system schemas (pg_*, information_schema)
// and retort's own scratch schemas are never returned.
func MatchSchemas(ctx context.Context, q dialect.Querier, pattern string) ([]string, error) {
	names, err := dialect.Names(ctx, q, ScratchPrefix, `SELECT nspname FROM pg_catalog.pg_namespace
		WHERE nspname LIKE $1 AND nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
		ORDER BY nspname COLLATE "C"`, pattern)
	if err != nil {
		return nil, fmt.Errorf("postgres: list schemas like %q: %w", pattern, err)
	}
	return names, nil
}
