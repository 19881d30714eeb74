package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// LoadSchema loads the schema script src (named file in errors) into a
// scratch database and returns the schema it creates. The script is split
// the MySQL way (backslash escapes, # comments) and runs on one connection
// with foreign_key_checks off, so that tables may be created before the
// tables they reference, as mysqldump writes them; a foreign key to a table
// the script never creates is an error. Statements that could reach
// another database or the server (see classify) are refused before any
// statement runs; statements that describe the server (GRANT, users,
// roles) are skipped and reported in one warning.
//
// The names the server makes up for constraints the script leaves unnamed
// (t_ibfk_1 or, on MariaDB 12.1+, 1 for foreign keys; CONSTRAINT_1 or
// t_chk_1 for checks; the column's name for a MariaDB column CHECK) are
// cleared: an unnamed constraint matches the database's constraint of the
// same definition whatever its name, and is named by the naming
// convention when retort creates it.
func (d *Dialect) LoadSchema(ctx context.Context, file, src string) (*schema.Schema, error) {
	stmts, err := Split(src)
	if err != nil {
		var se *sqlsplit.Error
		if errors.As(err, &se) {
			return nil, &dialect.LoadError{File: file, Line: se.Line, Err: errors.New(se.Msg)}
		}
		return nil, &dialect.LoadError{File: file, Line: 1, Err: err}
	}
	db, drop, err := d.scratch(ctx, url.Values{"foreign_key_checks": {"0"}})
	if err != nil {
		return nil, err
	}
	defer drop()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql: scratch database: %w", err)
	}
	defer conn.Close()
	screen, err := d.Screen(ctx, conn)
	if err != nil {
		return nil, err
	}
	if stmts, err = screen.Statements(file, stmts); err != nil {
		return nil, err
	}
	screen.Report()
	// The mode the session starts in: a SET sql_mode in the script must
	// not become the mode Plan takes for the target's sessions.
	var mode string
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("mysql: scratch database: %w", err)
	}
	if err := load(ctx, db, conn, file, stmts); err != nil {
		return nil, err
	}
	in := &inspector{q: conn}
	sch, err := in.run(ctx)
	if err != nil {
		return nil, err
	}
	in.srv.SQLMode = mode
	d.remember(in.srv)
	for _, t := range sch.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefSchema == "" {
				if _, ok := sch.Table(fk.RefTable); !ok {
					return nil, &dialect.LoadError{File: file, Line: lineOf(stmts, t.Name, sch.Case.Tables),
						Err: fmt.Errorf("foreign key %s of %s references table %s, which the schema does not create", fk.Name, t.Name, fk.RefTable)}
				}
			}
		}
		if err := checkKeyTypes(sch, t); err != nil {
			return nil, &dialect.LoadError{File: file, Line: lineOf(stmts, t.Name, sch.Case.Tables), Err: err}
		}
	}
	named := explicitNames(stmts)
	for _, t := range sch.Tables {
		clearGeneratedNames(t, named)
	}
	return sch, nil
}

// lineOf returns the line of the statement that creates table name (names
// compared by f), or 1.
func lineOf(stmts []sqlsplit.Stmt, name string, f schema.Fold) int {
	for _, s := range stmts {
		toks := sqltok.Significant(sqltok.Tokenize(s.SQL, lexMySQL))
		for i := 0; i+2 < len(toks) && i < 6; i++ {
			if toks[i].Is("TABLE") {
				if n, ok := toks[i+1].Ident(); ok && f.Equal(n, name) {
					return s.Line
				}
				if toks[i+1].Is("IF") && i+4 < len(toks) {
					if n, ok := toks[i+4].Ident(); ok && f.Equal(n, name) {
						return s.Line
					}
				}
			}
		}
	}
	return 1
}

var (
	generatedFK    = regexp.MustCompile(`(?i)^(.*)_ibfk_[0-9]+$`)
	generatedCheck = regexp.MustCompile(`(?i)^(CONSTRAINT_[0-9]+|(.*)_chk_[0-9]+)$`)
	allDigits      = regexp.MustCompile(`^[0-9]+$`)
)

// serverFKName reports whether name is one the server makes up for an
// unnamed foreign key of table: <table>_ibfk_<n>, or <n> on MariaDB 12.1+.
func serverFKName(table, name string) bool {
	if allDigits.MatchString(name) {
		return true
	}
	m := generatedFK.FindStringSubmatch(name)
	return m != nil && strings.EqualFold(m[1], table)
}

// serverCheckName reports whether name is one the server makes up for an
// unnamed check of t: CONSTRAINT_<n> (MariaDB), <table>_chk_<n> (MySQL), or
// the column's name for a MariaDB column CHECK.
func serverCheckName(t *schema.Table, name string) bool {
	if m := generatedCheck.FindStringSubmatch(name); m != nil {
		return m[2] == "" || strings.EqualFold(m[2], t.Name)
	}
	_, isColumn := t.Column(name)
	return isColumn
}

// clearGeneratedNames clears the names of t's constraints that the server
// made up (see LoadSchema), unless the script spells them (named holds
// the names it gives after CONSTRAINT, KEY, INDEX or UNIQUE): a key the
// schema names notes_ibfk_1, or an index it names email, keeps its name.
// A UNIQUE index the server named after its first column is left unnamed,
// so that retort names it by the naming convention when it creates it.
func clearGeneratedNames(t *schema.Table, named map[string]bool) {
	for _, fk := range t.ForeignKeys {
		if serverFKName(t.Name, fk.Name) && !named[strings.ToLower(fk.Name)] {
			fk.Name = ""
		}
	}
	for _, ck := range t.Checks {
		if serverCheckName(t, ck.Name) && !named[strings.ToLower(ck.Name)] {
			ck.Name = ""
		}
	}
	for _, ix := range t.Indexes {
		if ix.Unique && ix.Constraint && serverIndexName(ix.Name, ix.Parts) && !named[strings.ToLower(ix.Name)] {
			ix.Name = ""
		}
	}
}

// explicitNames returns the lower-cased identifiers that the statements
// write right after CONSTRAINT, KEY, INDEX or UNIQUE: the names they give
// constraints and indexes.
func explicitNames(stmts []sqlsplit.Stmt) map[string]bool {
	out := map[string]bool{}
	for _, s := range stmts {
		toks := sqltok.Significant(sqltok.Tokenize(sqlsplit.ExpandExecutable(s.SQL, lexMySQL), lexMySQL))
		for i := 0; i+1 < len(toks); i++ {
			if !(toks[i].Is("CONSTRAINT") || toks[i].Is("KEY") || toks[i].Is("INDEX") || toks[i].Is("UNIQUE")) {
				continue
			}
			next := toks[i+1]
			if next.Is("KEY") || next.Is("INDEX") || next.Is("IF") {
				continue
			}
			if n, ok := next.Ident(); ok {
				out[strings.ToLower(n)] = true
			}
		}
	}
	return out
}

// otherDatabases returns the lower-cased names of the server's databases
// other than the current one, which a schema script must not name.
func otherDatabases(ctx context.Context, conn dialect.Querier) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME <> DATABASE()")
	if err != nil {
		return nil, fmt.Errorf("mysql: list databases: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

// checkKeyTypes reports a foreign key of t whose columns differ in type
// from the columns they reference: with foreign_key_checks off the server
// takes such a key when the child is created before its parent, and the
// target database would refuse it.
func checkKeyTypes(s *schema.Schema, t *schema.Table) error {
	for _, fk := range t.ForeignKeys {
		parent, ok := s.Table(fk.RefTable)
		if !ok || fk.RefSchema != "" {
			continue
		}
		for i, name := range fk.Columns {
			c, ok1 := t.Column(name)
			if i >= len(fk.RefColumns) {
				break
			}
			r, ok2 := parent.Column(fk.RefColumns[i])
			if !ok1 || !ok2 {
				return fmt.Errorf("foreign key %s of %s: column %s or %s.%s does not exist", fk.Name, t.Name, name, fk.RefTable, fk.RefColumns[i])
			}
			if keyType(c.Type) != keyType(r.Type) {
				return fmt.Errorf("foreign key %s of %s: column %s is %s but %s.%s is %s (MySQL requires the same type)",
					fk.Name, t.Name, c.Name, c.Type, parent.Name, r.Name, r.Type)
			}
		}
	}
	return nil
}

// keyType is the part of a column type that must agree on both sides of a
// foreign key: integers in size and sign; strings only in kind (lengths may
// differ).
func keyType(typ string) string {
	base := typ
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "char", "varchar":
		return "string"
	case "binary", "varbinary":
		return "binary"
	}
	if intTypes[base] {
		if base == "integer" {
			base = "int"
		}
		if strings.Contains(typ, "unsigned") {
			return base + " unsigned"
		}
		return base
	}
	return typ
}

// parallelMin is the number of tables from which a schema script is loaded
// over several connections.
const parallelMin = 32

// load runs a schema script's statements in the scratch database. A script
// made only of CREATE TABLE, CREATE INDEX, ALTER TABLE, CREATE VIEW,
// CREATE TRIGGER and SET statements creates its tables over several
// connections at once (foreign key checks are off, so the order of tables
// does not matter) and runs the rest in order afterwards; anything else
// runs in order on one connection. Errors name the earliest failing line.
func load(ctx context.Context, db *sql.DB, conn *sql.Conn, file string, stmts []sqlsplit.Stmt) error {
	var tables, rest, sets []sqlsplit.Stmt
	parallel := true
	for _, s := range stmts {
		switch kind := stmtKind(s.SQL); kind {
		case "table":
			tables = append(tables, s)
		case "set":
			sets = append(sets, s)
			rest = append(rest, s)
		case "later":
			rest = append(rest, s)
		default:
			parallel = false
		}
	}
	if !parallel || len(tables) < parallelMin {
		for _, s := range stmts {
			if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
				return &dialect.LoadError{File: file, Line: s.Line, Err: err}
			}
		}
		return nil
	}
	workers := min(4, len(tables)/(parallelMin/4))
	var (
		mu    sync.Mutex
		first *dialect.LoadError
		next  int
		wg    sync.WaitGroup
	)
	fail := func(line int, err error) {
		mu.Lock()
		if first == nil || line < first.Line {
			first = &dialect.LoadError{File: file, Line: line, Err: err}
		}
		mu.Unlock()
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.Conn(ctx)
			if err != nil {
				fail(1, err)
				return
			}
			defer c.Close()
			for _, s := range sets {
				if _, err := c.ExecContext(ctx, s.SQL); err != nil {
					fail(s.Line, err)
					return
				}
			}
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(tables) {
					return
				}
				if _, err := c.ExecContext(ctx, tables[i].SQL); err != nil {
					fail(tables[i].Line, err)
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range rest {
		if first != nil && s.Line > first.Line {
			break
		}
		if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
			fail(s.Line, err)
			break
		}
	}
	if first != nil {
		return first
	}
	return nil
}

// stmtKind classifies a schema statement for load: "table" for a plain
// CREATE TABLE, "set" for SET (and executable comments), "later" for
// statements that only need the tables to exist, "" for anything else.
func stmtKind(stmt string) string {
	toks := sqltok.Significant(sqltok.Tokenize(stmt, lexMySQL))
	if len(toks) == 0 {
		if sqlsplit.Executable(strings.TrimSpace(stmt)) {
			return "set"
		}
		return ""
	}
	word := func(i int) string {
		if i < len(toks) && toks[i].Kind == sqltok.Word {
			return strings.ToUpper(toks[i].Text)
		}
		return ""
	}
	switch word(0) {
	case "SET":
		return "set"
	case "ALTER":
		if word(1) == "TABLE" {
			return "later"
		}
	case "CREATE":
		switch word(1) {
		case "TABLE":
			for _, t := range toks {
				if t.Is("SELECT") || t.Is("LIKE") || t.Is("AS") {
					return "later" // CREATE TABLE … LIKE / AS SELECT needs its source
				}
			}
			return "table"
		case "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "VIEW", "TRIGGER", "OR", "ALGORITHM", "DEFINER", "SQL":
			return "later"
		}
	}
	return ""
}
