package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Each CREATE makes SQLite rescan sqlite_schema (OP_ParseSchema looks the
// new object up by tbl_name, which has no index), so loading n tables into
// one database costs O(n²). A script made only of tables, their indexes
// and triggers, and views is therefore split by table into several
// in-memory databases that load at once; their schemas are merged. SQLite
// checks neither foreign key targets nor view bodies when they are created,
// so splitting changes nothing that inspection sees. Any other statement
// (INSERT, ALTER, CREATE TABLE … AS SELECT, PRAGMA …) makes the script load
// in one database, in order.

// tablesPerPart is how many tables a part of a split load holds.
const tablesPerPart = 50

// LoadSchema loads the schema script src (named file in errors) into
// scratch databases and returns the schema it creates. It implements
// dialect.SchemaLoader. Every statement is screened before any runs (see
// screenStmt): one that would reach outside the scratch database is
// refused with its file and line. SQLite takes a foreign key to a table or
// column that does not exist, or to columns that are not a key of the
// parent, and fails only later, at the first write ("foreign key
// mismatch"); such a key is refused here with the line of its CREATE TABLE,
// as PostgreSQL and MySQL refuse it while loading.
func (d *Dialect) LoadSchema(ctx context.Context, file, src string) (*schema.Schema, error) {
	stmts, err := dialect.SplitFor(d.Name(), file, src)
	if err != nil {
		return nil, err
	}
	screen, _ := d.Screen(ctx, nil)
	if stmts, err = screen.Statements(file, stmts); err != nil {
		return nil, err
	}
	sch, err := d.loadStatements(ctx, file, stmts)
	if err != nil {
		return nil, err
	}
	if err := checkForeignKeys(sch); err != nil {
		return nil, &dialect.LoadError{File: file, Line: lineOf(stmts, err.table), Err: err}
	}
	return sch, nil
}

// loadStatements loads stmts in parts when the script allows it (see
// partition), else in one database.
func (d *Dialect) loadStatements(ctx context.Context, file string, stmts []sqlsplit.Stmt) (*schema.Schema, error) {
	parts, order, ok := partition(stmts)
	if !ok || len(parts) < 2 {
		return d.loadOne(ctx, file, stmts)
	}
	schemas := make([]*schema.Schema, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			schemas[i], errs[i] = d.loadOne(ctx, file, p)
		}()
	}
	wg.Wait()
	// Report the error of the earliest statement, as a sequential load would.
	var first error
	firstLine := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		line := 0
		if le, ok := err.(*dialect.LoadError); ok {
			line = le.Line
		}
		if first == nil || (line > 0 && line < firstLine) {
			first, firstLine = err, line
		}
	}
	if first != nil {
		return nil, first
	}
	return merge(schemas, order), nil
}

func (d *Dialect) loadOne(ctx context.Context, file string, stmts []sqlsplit.Stmt) (*schema.Schema, error) {
	db, drop, err := d.Scratch(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	stmts, skipped, err := d.skipMissingModules(ctx, db, file, stmts)
	if err != nil {
		return nil, err
	}
	if err := dialect.LoadStatements(ctx, db, file, stmts); err != nil {
		return nil, err
	}
	s, err := d.Inspect(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, v := range skipped {
		s.AddUnmanaged(virtualKind(v.module), v.name)
	}
	return s, nil
}

// partition groups the statements by table: a table with its indexes and
// triggers stays together, views go with the first part. ok is false when
// a statement of another kind requires loading in one database.
// order gives each table's position in the script.
func partition(stmts []sqlsplit.Stmt) (parts [][]sqlsplit.Stmt, order map[string]int, ok bool) {
	owner := make([]string, len(stmts)) // table each statement belongs to; "" for views
	var tables []string
	order = map[string]int{}
	for i, s := range stmts {
		kind, table := classify(s.SQL)
		switch kind {
		case "table":
			tables = append(tables, table)
			owner[i] = table
			if _, seen := order[table]; !seen {
				order[table] = i
			}
		case "index", "trigger":
			owner[i] = table
		case "view":
		default:
			return nil, nil, false
		}
	}
	n := (len(tables) + tablesPerPart - 1) / tablesPerPart
	if n < 2 {
		return nil, order, true
	}
	partOf := map[string]int{}
	for i, t := range tables {
		partOf[t] = i * n / len(tables)
	}
	parts = make([][]sqlsplit.Stmt, n)
	for i, s := range stmts {
		p := 0
		if owner[i] != "" {
			var known bool
			if p, known = partOf[owner[i]]; !known {
				return nil, nil, false // an index on a table the script does not create
			}
		}
		parts[p] = append(parts[p], s)
	}
	return parts, order, true
}

// classify returns the kind of a CREATE statement ("table", "index",
// "trigger", "view", or "" for anything else) and the table it belongs to
// (lower case).
func classify(sql string) (kind, table string) {
	// The kind and the table are in the statement's first tokens.
	p := &parser{src: sql, toks: sqltok.Lex(sql, sqltok.Options{}, 48)}
	if !p.accept("CREATE") {
		return "", ""
	}
	if p.accept("TEMP") || p.accept("TEMPORARY") {
		return "", ""
	}
	switch {
	case p.accept("TABLE"):
		if p.accept("IF") {
			p.accept("NOT")
			p.accept("EXISTS")
		}
		if p.i+1 < len(p.toks) && p.toks[p.i+1].Text == "." {
			return "", "" // another schema
		}
		name := p.ident()
		if !p.punct("(") {
			return "", "" // CREATE TABLE … AS SELECT
		}
		return "table", fold(name)
	case p.accept("UNIQUE"), p.is("INDEX"):
		if !p.accept("INDEX") {
			return "", ""
		}
		for !p.done() && !p.is("ON") {
			p.i++
		}
		p.accept("ON")
		return "index", fold(p.ident())
	case p.accept("TRIGGER"):
		for !p.done() && !p.is("ON") {
			p.i++
		}
		p.accept("ON")
		return "trigger", fold(p.ident())
	case p.accept("VIEW"):
		return "view", ""
	}
	return "", ""
}

// merge joins the parts' schemas, keeping the script's order of tables,
// views and triggers, and resolves foreign keys that name a parent in
// another part without columns.
func merge(parts []*schema.Schema, order map[string]int) *schema.Schema {
	out := &schema.Schema{}
	for _, p := range parts {
		out.Tables = append(out.Tables, p.Tables...)
		out.Views = append(out.Views, p.Views...)
		out.Triggers = append(out.Triggers, p.Triggers...)
	}
	slices.SortStableFunc(out.Tables, func(a, b *schema.Table) int {
		return order[fold(a.Name)] - order[fold(b.Name)]
	})
	tables := map[string]*schema.Table{}
	for _, t := range out.Tables {
		tables[fold(t.Name)] = t
	}
	resolveRefColumns(tables)
	return out
}

// resolveRefColumns gives a foreign key declared as REFERENCES parent
// (without columns) the parent's primary key columns.
func resolveRefColumns(tables map[string]*schema.Table) {
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			if len(fk.RefColumns) > 0 {
				continue
			}
			if p, ok := tables[fold(fk.RefTable)]; ok && p.PrimaryKey != nil {
				fk.RefColumns = slices.Clone(p.PrimaryKey.Columns)
			}
		}
	}
}

// fkError is a foreign key of a loaded schema that SQLite would not be
// able to enforce.
type fkError struct {
	table string // the child
	msg   string
}

func (e *fkError) Error() string { return e.msg }

// checkForeignKeys returns an *fkError for the first foreign key of s whose
// parent table or columns do not exist, or whose parent columns are neither
// the parent's primary key nor a UNIQUE constraint or index (SQLite needs
// one to look the parent row up).
func checkForeignKeys(s *schema.Schema) *fkError {
	tables := map[string]*schema.Table{}
	for _, t := range s.Tables {
		tables[fold(t.Name)] = t
	}
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			what := "foreign key (" + strings.Join(fk.Columns, ", ") + ") of " + t.Name
			if fk.Name != "" {
				what = "foreign key " + fk.Name + " of " + t.Name
			}
			fail := func(format string, args ...any) *fkError {
				return &fkError{table: t.Name, msg: what + " " + fmt.Sprintf(format, args...)}
			}
			parent, ok := tables[fold(fk.RefTable)]
			if !ok {
				return fail("references table %s, which the schema does not create", fk.RefTable)
			}
			if len(fk.RefColumns) == 0 {
				return fail("references %s without naming columns, and %s has no primary key", parent.Name, parent.Name)
			}
			for _, c := range fk.RefColumns {
				if _, ok := parent.Column(c); !ok {
					return fail("references column %s.%s, which does not exist", parent.Name, c)
				}
			}
			if !isKey(parent, fk.RefColumns) {
				return fail("references %s (%s), which is neither the primary key of %s nor UNIQUE: SQLite would refuse every write to either table with \"foreign key mismatch\"",
					parent.Name, strings.Join(fk.RefColumns, ", "), parent.Name)
			}
		}
	}
	return nil
}

// isKey reports whether cols are, in any order, the columns of t's primary
// key or of one of its unique indexes that is not partial.
func isKey(t *schema.Table, cols []string) bool {
	same := func(key []string) bool {
		if len(key) != len(cols) {
			return false
		}
		for _, c := range cols {
			if !slices.ContainsFunc(key, func(k string) bool { return sameName(k, c) }) {
				return false
			}
		}
		return true
	}
	if t.PrimaryKey != nil && same(t.PrimaryKey.Columns) {
		return true
	}
	for _, ix := range t.Indexes {
		if !ix.Unique || ix.Where != "" {
			continue
		}
		key := make([]string, 0, len(ix.Parts))
		for _, p := range ix.Parts {
			if p.Column == "" {
				key = nil // an expression
				break
			}
			key = append(key, p.Column)
		}
		if key != nil && same(key) {
			return true
		}
	}
	return false
}

// lineOf returns the line of the statement that creates table name, or 1.
func lineOf(stmts []sqlsplit.Stmt, name string) int {
	for _, s := range stmts {
		if kind, table := classify(s.SQL); kind == "table" && table == fold(name) {
			return s.Line
		}
	}
	return 1
}
