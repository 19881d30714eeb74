package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Virtual tables (FTS, R-tree, …) are not managed: retort neither creates,
// alters nor drops them or their shadow tables, and says so. A module the
// driver lacks (modernc.org/sqlite has fts5 and rtree but not fts3/fts4)
// cannot even be opened: its table is left out of inspection, which only
// reads sqlite_schema for it, and SQLite cannot tell which tables are its
// shadow tables, so they are recognised by name here.

// shadowSuffixes are the shadow tables of the modules that SQLite ships,
// "<virtual table>_<suffix>". A module not listed here that the driver
// lacks is taken to own every "<virtual table>_…" table: leaving a table
// alone is the safe mistake.
var shadowSuffixes = map[string][]string{
	"fts3":    {"content", "segments", "segdir", "docsize", "stat"},
	"fts4":    {"content", "segments", "segdir", "docsize", "stat"},
	"fts5":    {"data", "idx", "content", "docsize", "config"},
	"rtree":   {"node", "parent", "rowid"},
	"geopoly": {"node", "parent", "rowid"},
}

// virtualTable is a virtual table found in sqlite_schema.
type virtualTable struct {
	name, module string
}

// virtualModule returns the module of a CREATE VIRTUAL TABLE statement
// (lower case) and whether sql is one.
func virtualModule(sql string) (module string, ok bool) {
	v, ok := parseVirtual(sql)
	return v.module, ok
}

// parseVirtual returns the table and module (lower case) of a CREATE
// VIRTUAL TABLE statement, and whether sql is one.
func parseVirtual(sql string) (v virtualTable, ok bool) {
	p := &parser{src: sql, toks: sqltok.Lex(sql, sqltok.Options{}, 32)}
	if !p.accept("CREATE") || !p.accept("VIRTUAL") || !p.accept("TABLE") {
		return v, false
	}
	if p.accept("IF") {
		p.accept("NOT")
		p.accept("EXISTS")
	}
	v.name = p.qualifiedIdent()
	if p.accept("USING") {
		v.module = strings.ToLower(p.ident())
	}
	return v, true
}

// modules returns the virtual table modules the connection knows.
func modules(ctx context.Context, q dialect.Querier) (map[string]bool, error) {
	known := map[string]bool{}
	err := queryEach(ctx, q, "SELECT name FROM pragma_module_list", func(rows *sql.Rows) error {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		known[strings.ToLower(name)] = true
		return nil
	})
	return known, err
}

// unmanaged is what an inspection leaves out: virtual tables and their
// shadow tables.
type unmanaged struct {
	virtual []virtualTable
	shadows []string
	missing map[string]bool // modules the driver lacks
}

// isShadow reports whether the plain table name belongs to a virtual table
// whose module the driver lacks (SQLite reports the shadow tables of the
// others itself).
func (u *unmanaged) isShadow(name string) bool {
	lower := strings.ToLower(name)
	for _, v := range u.virtual {
		if !u.missing[v.module] {
			continue
		}
		prefix := strings.ToLower(v.name) + "_"
		if !strings.HasPrefix(lower, prefix) {
			continue
		}
		suffixes, known := shadowSuffixes[v.module]
		if !known || slices.Contains(suffixes, lower[len(prefix):]) {
			return true
		}
	}
	return false
}

// record lists what the inspection left alone in s.Unmanaged: the virtual
// tables by module, and their shadow tables.
func (u *unmanaged) record(s *schema.Schema) {
	for _, v := range u.virtual {
		s.AddUnmanaged(virtualKind(v.module), v.name)
	}
	s.AddUnmanaged("shadow table", u.shadows...)
}

// virtualKind is the Unmanaged kind of a virtual table of module.
func virtualKind(module string) string {
	if module == "" {
		return "virtual table"
	}
	return module + " virtual table"
}

// skipMissingModules drops from stmts the CREATE VIRTUAL TABLE statements
// whose module the scratch database q lacks (they could not load, and
// retort does not manage virtual tables), with a warning naming them, and
// returns them too: the loaded schema lists them as unmanaged.
func (d *Dialect) skipMissingModules(ctx context.Context, q dialect.Querier, file string, stmts []sqlsplit.Stmt) ([]sqlsplit.Stmt, []virtualTable, error) {
	var known map[string]bool
	var skipped []virtualTable
	out := stmts[:0:0]
	for _, s := range stmts {
		v, ok := parseVirtual(s.SQL)
		module := v.module
		if !ok || module == "" {
			out = append(out, s)
			continue
		}
		if known == nil {
			var err error
			if known, err = modules(ctx, q); err != nil {
				return nil, nil, fmt.Errorf("sqlite: list modules: %w", err)
			}
		}
		if known[module] {
			out = append(out, s)
			continue
		}
		d.logger.Warn("sqlite: virtual table not loaded: this SQLite driver has no such module; retort does not manage virtual tables",
			"file", file, "line", s.Line, "module", module)
		skipped = append(skipped, v)
	}
	return out, skipped, nil
}
