package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// The inspector issues a fixed number of queries whatever the number of
// tables: the pragma table-valued functions are joined to sqlite_schema.
const (
	// pragma_table_list is read on its own: joined to sqlite_schema it
	// lists every table again for each row (quadratic in the table count).
	queryTableList = `SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'`

	queryObjects = `SELECT s.type, s.name, s.tbl_name, coalesce(s.sql, '')
FROM sqlite_schema AS s
WHERE s.type IN ('table', 'view', 'trigger', 'index') AND s.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY s.rowid`

	queryColumns = `SELECT s.name, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c
WHERE s.type = 'table' AND s.rootpage > 0 AND s.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY s.name, c.cid`

	queryForeignKeys = `SELECT s.name, f.id, f."table", f."from", f."to", f.on_update, f.on_delete, f."match"
FROM sqlite_schema AS s JOIN pragma_foreign_key_list(s.name) AS f
WHERE s.type = 'table' AND s.rootpage > 0 AND s.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY s.name, f.id, f.seq`

	queryIndexes = `SELECT s.name, i.name, i."unique", i.origin, i.partial, k.cid, k.name, k."desc", k.coll
FROM sqlite_schema AS s JOIN pragma_index_list(s.name) AS i JOIN pragma_index_xinfo(i.name) AS k
WHERE s.type = 'table' AND s.rootpage > 0 AND s.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND k.key = 1
ORDER BY s.name, i.name, k.seqno`
)

// Inspect reads the main database's schema. Virtual tables and their shadow
// tables are left out: retort does not manage them, and lists them in
// Schema.Unmanaged (kind "<module> virtual table", and "shadow table").
func (d *Dialect) Inspect(ctx context.Context, q dialect.Querier) (*schema.Schema, error) {
	in := &inspection{s: &schema.Schema{}, tables: map[string]*schema.Table{}, defs: map[string]*tableDef{},
		indexSQL: map[string]string{}, list: map[string]listed{}}
	objects, err := in.readObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	in.sortObjects(objects)
	in.un.record(in.s)
	if err := in.readColumns(ctx, q); err != nil {
		return nil, err
	}
	if err := d.inspectIndexes(ctx, q, in.tables, in.defs, in.indexSQL); err != nil {
		return nil, err
	}
	if err := inspectForeignKeys(ctx, q, in.tables, in.defs); err != nil {
		return nil, err
	}
	for _, t := range in.s.Tables {
		t.Checks = in.defs[fold(t.Name)].checks
	}
	return in.s, nil
}

// inspection is what Inspect has read so far.
type inspection struct {
	s        *schema.Schema
	tables   map[string]*schema.Table // by folded name
	defs     map[string]*tableDef     // parsed CREATE TABLE, by folded name
	indexSQL map[string]string        // CREATE INDEX text, by folded name
	list     map[string]listed        // pragma_table_list, by name
	un       unmanaged
}

// listed is a table's row of pragma_table_list.
type listed struct {
	typ        string
	wr, strict bool
}

// object is a row of sqlite_schema.
type object struct{ typ, name, tbl, text string }

// readObjects reads the table list and every object of sqlite_schema, and
// the modules the driver has when there are virtual tables. Every object
// is read first: a virtual table whose module the driver lacks must be
// known before its shadow tables, which SQLite then reports as plain
// tables, are.
func (in *inspection) readObjects(ctx context.Context, q dialect.Querier) ([]object, error) {
	err := queryEach(ctx, q, queryTableList, func(rows *sql.Rows) error {
		var name string
		var l listed
		if err := rows.Scan(&name, &l.typ, &l.wr, &l.strict); err != nil {
			return err
		}
		in.list[name] = l
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: inspect tables: %w", err)
	}
	var objects []object
	err = queryEach(ctx, q, queryObjects, func(rows *sql.Rows) error {
		var o object
		if err := rows.Scan(&o.typ, &o.name, &o.tbl, &o.text); err != nil {
			return err
		}
		if o.typ == "table" && in.list[o.name].typ == "virtual" {
			module, _ := virtualModule(o.text)
			in.un.virtual = append(in.un.virtual, virtualTable{name: o.name, module: module})
		}
		objects = append(objects, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: inspect objects: %w", err)
	}
	if len(in.un.virtual) > 0 {
		known, err := modules(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("sqlite: inspect modules: %w", err)
		}
		in.un.missing = map[string]bool{}
		for _, v := range in.un.virtual {
			if !known[v.module] {
				in.un.missing[v.module] = true
			}
		}
	}
	return objects, nil
}

// sortObjects files the objects read as tables (their CREATE TABLE
// parsed), views, triggers and index texts; virtual and shadow tables are
// left out.
func (in *inspection) sortObjects(objects []object) {
	for _, o := range objects {
		switch o.typ {
		case "table":
			l := in.list[o.name]
			if l.typ != "table" || in.un.isShadow(o.name) {
				if l.typ != "virtual" {
					in.un.shadows = append(in.un.shadows, o.name)
				}
				continue // virtual or shadow table
			}
			def := parseCreateTable(o.text)
			t := &schema.Table{Name: o.name, WithoutRowID: l.wr || def.withoutRowID, Strict: l.strict || def.strict}
			in.s.Tables = append(in.s.Tables, t)
			in.tables[fold(o.name)] = t
			in.defs[fold(o.name)] = def
		case "view":
			in.s.Views = append(in.s.Views, &schema.View{Name: o.name, Def: o.text})
		case "trigger":
			in.s.Triggers = append(in.s.Triggers, &schema.Trigger{Name: o.name, Table: o.tbl, Def: o.text})
		case "index":
			in.indexSQL[fold(o.name)] = o.text
		}
	}
}

// pkColumn is a column of a primary key and its position in the key.
type pkColumn struct {
	pos  int
	name string
}

// readColumns reads every table's columns, then sets the primary keys.
func (in *inspection) readColumns(ctx context.Context, q dialect.Querier) error {
	pkCols := map[*schema.Table][]pkColumn{}
	err := queryEach(ctx, q, queryColumns, func(rows *sql.Rows) error {
		var tbl, name, typ string
		var notNull bool
		var dflt sql.NullString
		var pk, hidden int
		if err := rows.Scan(&tbl, &name, &typ, &notNull, &dflt, &pk, &hidden); err != nil {
			return err
		}
		t, ok := in.tables[fold(tbl)]
		if !ok {
			return nil
		}
		c := &schema.Column{Name: name, Type: typ, NotNull: notNull}
		if dflt.Valid {
			c.Default = normalizeDefault(dflt.String)
		}
		if cd, ok := findColDef(in.defs[fold(tbl)], name); ok {
			if !strings.EqualFold(cd.collation, "BINARY") {
				c.Collation = cd.collation
			}
			c.AutoIncrement = cd.autoincrement
			if hidden == 2 || hidden == 3 {
				c.Generated = &schema.Generated{Expr: cd.generated, Stored: hidden == 3}
			}
		}
		if pk > 0 {
			pkCols[t] = append(pkCols[t], pkColumn{pk, name})
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: inspect columns: %w", err)
	}
	for t, cols := range pkCols {
		slices.SortFunc(cols, func(a, b pkColumn) int { return a.pos - b.pos })
		def := in.defs[fold(t.Name)]
		pk := &schema.PrimaryKey{Name: def.pkName, OnConflict: def.pkConflict}
		for _, c := range cols {
			pk.Columns = append(pk.Columns, c.name)
		}
		if len(cols) == 1 {
			if cd, ok := findColDef(def, cols[0].name); ok {
				pk.Desc = cd.pkDesc
			}
		}
		t.PrimaryKey = pk
	}
	return nil
}

func (d *Dialect) inspectIndexes(ctx context.Context, q dialect.Querier, tables map[string]*schema.Table, defs map[string]*tableDef, indexSQL map[string]string) error {
	type key struct{ table, index string }
	byKey := map[key]*schema.Index{}
	parsed := map[key]*indexDef{}
	pkParts := map[*schema.Table][]schema.IndexPart{}
	err := queryEach(ctx, q, queryIndexes, func(rows *sql.Rows) error {
		var tbl, name, origin string
		var unique, partial, desc bool
		var cid int
		var col, coll sql.NullString
		if err := rows.Scan(&tbl, &name, &unique, &origin, &partial, &cid, &col, &desc, &coll); err != nil {
			return err
		}
		t, ok := tables[fold(tbl)]
		if !ok {
			return nil
		}
		if origin == "pk" {
			pkParts[t] = append(pkParts[t], pkPart(t, col.String, desc, coll))
			return nil
		}
		k := key{fold(tbl), name}
		ix, ok := byKey[k]
		if !ok {
			ix = &schema.Index{Name: name, Unique: unique, Constraint: origin == "u"}
			if origin == "c" {
				def := parseCreateIndex(indexSQL[fold(name)])
				parsed[k] = def
				if partial {
					ix.Where = def.where
				}
			}
			byKey[k] = ix
			t.Indexes = append(t.Indexes, ix)
		}
		part := schema.IndexPart{Column: col.String, Desc: desc}
		if cid == -2 {
			part.Column = ""
			if def := parsed[k]; def != nil && len(ix.Parts) < len(def.exprs) {
				part.Expr = def.exprs[len(ix.Parts)]
			}
		}
		// The collation is worth recording only where it differs from the
		// one the key would get anyway.
		implied := "BINARY"
		if c, ok := t.Column(part.Column); ok && c.Collation != "" {
			implied = c.Collation
		}
		if coll.Valid && !strings.EqualFold(coll.String, implied) {
			part.Collation = coll.String
		}
		ix.Parts = append(ix.Parts, part)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: inspect indexes: %w", err)
	}
	setPKParts(pkParts)
	// UNIQUE constraints are autoindexes: take their names from the table SQL.
	for tk, t := range tables {
		def := defs[tk]
		used := make([]bool, len(def.uniques))
		for _, ix := range t.Indexes {
			if !ix.Constraint {
				continue
			}
			cols, _ := ix.Columns()
			ix.Name = ""
			for i, u := range def.uniques {
				if !used[i] && slices.EqualFunc(u.cols, cols, sameName) {
					used[i] = true
					ix.Name = u.name
					break
				}
			}
		}
		slices.SortStableFunc(t.Indexes, func(a, b *schema.Index) int {
			if a.Constraint != b.Constraint {
				if a.Constraint {
					return -1
				}
				return 1
			}
			if a.Constraint {
				return 0
			}
			return strings.Compare(fold(a.Name), fold(b.Name))
		})
	}
	return nil
}

func inspectForeignKeys(ctx context.Context, q dialect.Querier, tables map[string]*schema.Table, defs map[string]*tableDef) error {
	type key struct {
		table string
		id    int
	}
	byKey := map[key]*schema.ForeignKey{}
	var order []key
	err := queryEach(ctx, q, queryForeignKeys, func(rows *sql.Rows) error {
		var tbl, ref, from, onUpdate, onDelete, match string
		var to sql.NullString
		var id int
		if err := rows.Scan(&tbl, &id, &ref, &from, &to, &onUpdate, &onDelete, &match); err != nil {
			return err
		}
		if _, ok := tables[fold(tbl)]; !ok {
			return nil
		}
		k := key{fold(tbl), id}
		fk, ok := byKey[k]
		if !ok {
			fk = &schema.ForeignKey{RefTable: ref}
			fk.OnDelete, _ = schema.ParseAction(onDelete)
			fk.OnUpdate, _ = schema.ParseAction(onUpdate)
			if m := strings.ToUpper(match); m != "NONE" && m != "SIMPLE" {
				fk.Match = m
			}
			byKey[k] = fk
			order = append(order, k)
		}
		fk.Columns = append(fk.Columns, from)
		if to.Valid {
			fk.RefColumns = append(fk.RefColumns, to.String)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: inspect foreign keys: %w", err)
	}
	// pragma_foreign_key_list numbers keys in reverse order of declaration.
	slices.SortStableFunc(order, func(a, b key) int {
		if a.table != b.table {
			return strings.Compare(a.table, b.table)
		}
		return b.id - a.id
	})
	used := map[string][]bool{}
	for _, k := range order {
		fk := byKey[k]
		t := tables[k.table]
		def := defs[k.table]
		if used[k.table] == nil {
			used[k.table] = make([]bool, len(def.fks))
		}
		for i, fd := range def.fks {
			if !used[k.table][i] && sameName(fd.refTable, fk.RefTable) && slices.EqualFunc(fd.cols, fk.Columns, sameName) {
				used[k.table][i] = true
				fk.Name = fd.name
				fk.Deferrable = fd.deferrable
				fk.InitiallyDeferred = fd.initiallyDeferred
				// SQLite parses MATCH but ignores it, and the pragma
				// always reports NONE: the declared clause tells.
				if m := fd.match; fk.Match == "" && m != "" && m != "NONE" && m != "SIMPLE" {
					fk.Match = m
				}
				break
			}
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	resolveRefColumns(tables)
	return nil
}

func findColDef(def *tableDef, name string) (colDef, bool) {
	if def == nil {
		return colDef{}, false
	}
	for _, c := range def.columns {
		if sameName(c.name, name) {
			return c, true
		}
	}
	return colDef{}, false
}

// normalizeDefault turns the default as pragma_table_xinfo reports it (the
// text as written, outer parentheses removed) into SQL that can be written
// after DEFAULT again: comments and redundant parentheses removed, literals
// as they are, anything else in one pair of parentheses.
func normalizeDefault(s string) string {
	// Comments go: they are no part of the value, and a -- comment would
	// swallow what follows DEFAULT x when the column is written out.
	var b strings.Builder
	for _, t := range sqltok.Tokenize(s, sqltok.Options{}) {
		if t.Kind == sqltok.Comment {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(t.Text)
	}
	s = strings.TrimSpace(b.String())
	toks := sqltok.Lex(s, sqltok.Options{}, 0)
	// Redundant parentheses go: DEFAULT (('x')) and DEFAULT 'x' are the
	// same default, and pragma_table_xinfo removes only one pair.
	for len(toks) >= 2 && toks[0].Text == "(" && toks[len(toks)-1].Text == ")" && balancedOuter(toks) {
		s = strings.TrimSpace(s[toks[0].Pos+1 : toks[len(toks)-1].Pos])
		toks = sqltok.Lex(s, sqltok.Options{}, 0)
	}
	literal := false
	switch {
	case len(toks) == 1:
		// A lone identifier is a literal too: SQLite reads DEFAULT abc as
		// the string 'abc', while DEFAULT (abc) is refused.
		t := toks[0]
		literal = t.Kind == sqltok.String || t.Kind == sqltok.Number ||
			t.Kind == sqltok.Word || t.Kind == sqltok.QuotedIdent
	case len(toks) == 2:
		literal = toks[0].Kind == sqltok.Punct && (toks[0].Text == "-" || toks[0].Text == "+") && toks[1].Kind == sqltok.Number
	}
	if literal || len(toks) == 0 {
		return s
	}
	return "(" + s + ")"
}

// balancedOuter reports whether the first "(" closes at the last token.
func balancedOuter(toks []sqltok.Token) bool {
	depth := 0
	for i, t := range toks {
		if t.Kind != sqltok.Punct {
			continue
		}
		switch t.Text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 && i != len(toks)-1 {
				return false
			}
		}
	}
	return true
}

func queryEach(ctx context.Context, q dialect.Querier, query string, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pkPart returns one column of a primary key as its index reports it: its
// order, and its collation where it differs from the column's own.
func pkPart(t *schema.Table, col string, desc bool, coll sql.NullString) schema.IndexPart {
	part := schema.IndexPart{Column: col, Desc: desc}
	implied := "BINARY"
	if c, ok := t.Column(col); ok && c.Collation != "" {
		implied = c.Collation
	}
	if coll.Valid && !strings.EqualFold(coll.String, implied) {
		part.Collation = coll.String
	}
	return part
}

// setPKParts gives each primary key of several columns declared with DESC
// or COLLATE its Parts, read from the key's index.
func setPKParts(parts map[*schema.Table][]schema.IndexPart) {
	for t, ps := range parts {
		pk := t.PrimaryKey
		if pk == nil || len(pk.Columns) < 2 || len(ps) != len(pk.Columns) {
			continue
		}
		if slices.ContainsFunc(ps, func(p schema.IndexPart) bool { return p.Desc || p.Collation != "" }) {
			pk.Parts = ps
		}
	}
}
