package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// LoadSchema loads the schema script src (named file in errors) into a
// scratch database (Scratch) and inspects the schema the engine manages
// there. The script runs statement by statement on one connection, so
// that its session settings (SET, set_config) hold for the statements
// that follow them, as under psql.
//
// Scripts written by pg_dump --schema-only (and Rails' structure.sql)
// load as they are: they empty the search_path and qualify every name,
// so the managed schema is inspected by name afterwards, with the
// search_path set back to it (names in defaults and view definitions
// then come back unqualified, as they do from the target database); and
// a CREATE SCHEMA of the managed schema, which the scratch database has
// already, is run as CREATE SCHEMA IF NOT EXISTS.
func (d *Dialect) LoadSchema(ctx context.Context, file, src string) (*schema.Schema, error) {
	// Every statement is screened before the scratch database exists, and
	// so before any of them runs: one that reaches outside the scratch
	// database is refused with its file and line (see screen.go).
	stmts, err := dialect.SplitFor(d.Name(), file, src)
	if err != nil {
		return nil, err
	}
	screen, _ := d.Screen(ctx, nil)
	if stmts, err = screen.Statements(file, stmts); err != nil {
		return nil, err
	}
	screen.Report()
	db, drop, err := d.Scratch(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: scratch connection: %w", err)
	}
	defer conn.Close()
	var managed string
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(current_schema(), 'public')`).Scan(&managed); err != nil {
		return nil, fmt.Errorf("postgres: scratch schema: %w", err)
	}
	if err := dialect.LoadStatements(ctx, managedSchemaQuerier{Querier: conn, managed: managed}, file, stmts); err != nil {
		return nil, err
	}
	// The script may have emptied or changed the search_path: point it
	// back at the managed schema (a query, not a statement the scratch
	// schema's guard would refuse: it is the engine's own).
	var sp string
	if err := conn.QueryRowContext(ctx, `SELECT set_config('search_path', quote_ident($1), false)`, managed).Scan(&sp); err != nil {
		return nil, fmt.Errorf("postgres: reset the scratch search_path: %w", err)
	}
	return d.Inspect(ctx, conn)
}

// managedSchemaQuerier runs the statements of a schema script on a
// scratch connection, with every CREATE SCHEMA of the schema named
// managed (which the scratch database has already) run as CREATE SCHEMA
// IF NOT EXISTS.
type managedSchemaQuerier struct {
	dialect.Querier
	managed string
}

func (q managedSchemaQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.Querier.ExecContext(ctx, createManagedIfNotExists(query, q.managed), args...)
}

// createManagedIfNotExists returns stmt, made CREATE SCHEMA IF NOT EXISTS
// when it is a CREATE SCHEMA of the schema named managed. A CREATE SCHEMA
// that also creates objects in it (schema elements) is left alone:
// PostgreSQL accepts IF NOT EXISTS only without them.
func createManagedIfNotExists(stmt, managed string) string {
	toks := sqltok.Significant(sqltok.Tokenize(stmt, sqltok.Options{DollarQuotes: true}))
	if len(toks) < 3 || !toks[0].Is("CREATE") || !toks[1].Is("SCHEMA") || toks[2].Is("IF") {
		return stmt
	}
	name, ok := toks[2].Ident()
	if !ok {
		return stmt
	}
	if toks[2].Kind == sqltok.Word {
		name = strings.ToLower(name)
	}
	if name != managed || hasSchemaElements(toks[3:]) {
		return stmt
	}
	return stmt[:toks[2].Pos] + "IF NOT EXISTS " + stmt[toks[2].Pos:]
}

// hasSchemaElements reports whether the tokens after CREATE SCHEMA name
// hold a CREATE or GRANT (schema elements).
func hasSchemaElements(toks []sqltok.Token) bool {
	for _, t := range toks {
		if t.Is("CREATE") || t.Is("GRANT") {
			return true
		}
	}
	return false
}

var _ dialect.SchemaLoader = (*Dialect)(nil)
