package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/retortdb/retort/dialect"
)

// ident matches one PostgreSQL identifier, double-quoted or plain.
const ident = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`

// createConcurrently matches the head of CREATE [UNIQUE] INDEX CONCURRENTLY
// [IF NOT EXISTS] name ON [ONLY] table.
var createConcurrently = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(` +
	ident + `)\s+ON\s+(?:ONLY\s+)?(` + ident + `(?:\s*\.\s*` + ident + `)?)`)

// PrepareNoTx implements dialect.NoTxPreparer: before a CREATE INDEX
// CONCURRENTLY it drops an INVALID index of the same name on the same table,
// the leftover of an earlier attempt that failed (on duplicates, say), which
// would otherwise make the retry fail with "relation already exists". DROP
// INDEX CONCURRENTLY cannot run inside a DO block, so the check is a query
// of pg_index and the drop a statement of its own. A valid index of that
// name is left alone.
func (d *Dialect) PrepareNoTx(ctx context.Context, q dialect.Querier, stmt string) ([]string, error) {
	m := createConcurrently.FindStringSubmatch(stripComments(stmt))
	if m == nil {
		return nil, nil
	}
	var sch, name string
	err := q.QueryRowContext(ctx, `SELECT n.nspname, c.relname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND c.relname = $1 AND i.indrelid = to_regclass($2)`, unquoteIdent(m[1]), m[2]).Scan(&sch, &name)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("look for an invalid index %s: %w", m[1], err)
	}
	drop := "DROP INDEX CONCURRENTLY IF EXISTS " + qualified(sch, name)
	if _, err := q.ExecContext(ctx, drop); err != nil {
		return []string{drop}, fmt.Errorf("drop the invalid index %s.%s left by a failed CREATE INDEX CONCURRENTLY: %w", sch, name, err)
	}
	return []string{"dropped the invalid index a failed CREATE INDEX CONCURRENTLY left: " + drop}, nil
}

// stripComments drops the "--" comment lines above a statement.
func stripComments(stmt string) string {
	for {
		s := strings.TrimLeft(stmt, " \t\r\n")
		if !strings.HasPrefix(s, "--") {
			return s
		}
		_, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return ""
		}
		stmt = rest
	}
}

// unquoteIdent returns the name a written identifier stands for: a quoted
// one as written, a plain one folded to lower case.
func unquoteIdent(s string) string {
	if strings.HasPrefix(s, `"`) {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}
