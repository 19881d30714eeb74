package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// Inspect reads the schema of q's current database (DATABASE()) from
// information_schema in nine queries, whatever the number of tables:
// server and defaults, tables, columns, index parts, foreign keys and
// their parts, checks, views and triggers. What it reports is normalized so that two
// inspections of equal schemas compare equal: integer display widths are
// dropped (int(11) is int; tinyint(1) stays), charsets, collations and
// engines equal to the database's defaults are left out, defaults are
// written as SQL (string literals quoted, CURRENT_TIMESTAMP for now() and
// current_timestamp(), other expressions in parentheses), RESTRICT is
// NO ACTION (MySQL treats them alike and reports an omitted action as
// RESTRICT), MariaDB's JSON (LONGTEXT with a json_valid check) is json,
// and the index the server made for a foreign key (named after the key or
// its first column) is marked Implicit, because the server creates and
// renames it by itself. Names are kept as the server reports
// them.
func (d *Dialect) Inspect(ctx context.Context, q dialect.Querier) (*schema.Schema, error) {
	in := &inspector{q: q}
	s, err := in.run(ctx)
	if err != nil {
		return nil, err
	}
	d.remember(in.srv)
	return s, nil
}

type inspector struct {
	q      dialect.Querier
	srv    *Server
	db     string
	dbColl string // the database's default collation
	engine string // the server's default storage engine
	tables map[string]*schema.Table
	coll   map[*schema.Table]string // each table's real collation
	order  []*schema.Table
	jsonCk map[string]bool // table\x00column of MariaDB JSON columns
	// skipped lists, per kind, the objects retort does not model
	// (Schema.Unmanaged).
	skipped map[string][]string
	rules   schema.CaseRules
}

func (in *inspector) run(ctx context.Context) (*schema.Schema, error) {
	var version string
	var db sql.NullString
	var mode string
	var lowerCase int
	err := in.q.QueryRowContext(ctx, "SELECT VERSION(), DATABASE(), @@collation_database, @@default_storage_engine, @@SESSION.sql_mode, @@lower_case_table_names").
		Scan(&version, &db, &in.dbColl, &in.engine, &mode, &lowerCase)
	if err != nil {
		return nil, fmt.Errorf("mysql: inspect: %w", err)
	}
	if !db.Valid {
		return nil, fmt.Errorf("mysql: inspect: no database selected (name one in the URL: mysql://user@host:3306/db)")
	}
	in.srv, in.db = parseServer(version), db.String
	in.srv.DBCollation = in.dbColl
	in.srv.SQLMode = mode
	in.tables = map[string]*schema.Table{}
	in.coll = map[*schema.Table]string{}
	in.jsonCk = map[string]bool{}
	in.skipped = map[string][]string{}
	in.rules = caseRules(lowerCase)
	s := &schema.Schema{}
	steps := []func(context.Context, *schema.Schema) error{
		in.readTables, in.readColumns, in.readIndexes, in.readForeignKeys, in.readChecks, in.readViews, in.readTriggers,
		in.readRoutines, in.readEvents, in.readPartitions, in.readUnmodelled,
	}
	for _, step := range steps {
		if err := step(ctx, s); err != nil {
			return nil, fmt.Errorf("mysql: inspect %s: %w", in.db, err)
		}
	}
	for _, t := range in.order {
		markImplicit(t)
		s.Tables = append(s.Tables, t)
	}
	for kind, names := range in.skipped {
		s.AddUnmanaged(kind, names...)
	}
	s.SetCase(in.rules)
	return s, nil
}

// caseRules returns the server's case rules (docs/case-rules.md): table,
// view and trigger names are compared as the server's
// lower_case_table_names says (exactly when 0, the default on Linux;
// ignoring case when 1 or 2), column, index and constraint names always
// ignoring case.
func caseRules(lowerCaseTableNames int) schema.CaseRules {
	r := schema.CaseRules{Tables: schema.FoldExact, Triggers: schema.FoldExact,
		Columns: schema.FoldUnicode, Indexes: schema.FoldUnicode, Constraints: schema.FoldUnicode,
		Routines: schema.FoldUnicode}
	if lowerCaseTableNames != 0 {
		r.Tables, r.Triggers = schema.FoldUnicode, schema.FoldUnicode
	}
	return r
}

func (in *inspector) query(ctx context.Context, query string, scan func(*sql.Rows) error) error {
	rows, err := in.q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (in *inspector) table(name string) *schema.Table { return in.tables[in.rules.Tables.Key(name)] }

// columnKey is the key of column col of table t in jsonCk.
func (in *inspector) columnKey(t *schema.Table, col string) string {
	return in.rules.Tables.Key(t.Name) + "\x00" + in.rules.Columns.Key(col)
}

// readTables reads the tables in name order. information_schema compares
// names case-insensitively, so on a server where Users and users are two
// tables the byte order breaks the tie: without it their order changed
// from one inspection to the next.
func (in *inspector) readTables(ctx context.Context, s *schema.Schema) error {
	const q = `SELECT TABLE_NAME, COALESCE(ENGINE, ''), COALESCE(TABLE_COLLATION, ''), COALESCE(TABLE_COMMENT, ''),
  COALESCE(CREATE_OPTIONS, '')
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME, CAST(TABLE_NAME AS BINARY)`
	return in.query(ctx, q, func(r *sql.Rows) error {
		t := &schema.Table{}
		var engine, coll, options string
		if err := r.Scan(&t.Name, &engine, &coll, &t.Comment, &options); err != nil {
			return err
		}
		// ROW_FORMAT and KEY_BLOCK_SIZE as given when the table was
		// created (CREATE_OPTIONS), not the format the engine chose.
		for _, opt := range strings.Fields(options) {
			k, v, _ := strings.Cut(opt, "=")
			switch strings.ToLower(k) {
			case "row_format":
				t.RowFormat = strings.ToUpper(v)
			case "key_block_size":
				t.KeyBlockSize, _ = strconv.Atoi(v)
			}
		}
		if !strings.EqualFold(engine, in.engine) {
			t.Engine = engine
		}
		if coll != "" && !strings.EqualFold(coll, in.dbColl) {
			t.Collation = coll
			t.Charset = charsetOf(coll)
		}
		in.coll[t] = coll
		in.tables[in.rules.Tables.Key(t.Name)] = t
		in.order = append(in.order, t)
		return nil
	})
}

func (in *inspector) readColumns(ctx context.Context, _ *schema.Schema) error {
	const q = `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE,
  COLLATION_NAME, EXTRA, COALESCE(GENERATION_EXPRESSION, ''), COALESCE(COLUMN_COMMENT, '')
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION`
	return in.query(ctx, q, func(r *sql.Rows) error {
		var table, nullable, dataType, colType, extra, genExpr string
		var def, coll sql.NullString
		c := &schema.Column{}
		if err := r.Scan(&table, &c.Name, &def, &nullable, &dataType, &colType, &coll, &extra, &genExpr, &c.Comment); err != nil {
			return err
		}
		t := in.table(table)
		if t == nil {
			return nil // a view's column
		}
		lextra := strings.ToLower(extra)
		if strings.Contains(lextra, "invisible") && strings.Contains(lextra, "generated") && strings.HasPrefix(c.Name, "DB_ROW_HASH_") {
			return nil // MariaDB's hidden column behind a long UNIQUE
		}
		c.NotNull = nullable == "NO"
		c.Type = normType(colType)
		c.AutoIncrement = strings.Contains(lextra, "auto_increment")
		c.Invisible = strings.Contains(lextra, "invisible")
		switch {
		case strings.Contains(lextra, "stored generated"), strings.Contains(lextra, "persistent generated"):
			c.Generated = &schema.Generated{Expr: in.unescape(genExpr), Stored: true}
		case strings.Contains(lextra, "virtual generated"):
			c.Generated = &schema.Generated{Expr: in.unescape(genExpr)}
		}
		if c.Generated == nil {
			c.Default = in.normDefault(def, dataType, lextra)
		}
		if i := strings.Index(lextra, "on update "); i >= 0 {
			c.OnUpdate = normTimestamp(extra[i+len("on update "):])
		}
		if coll.Valid && !strings.EqualFold(coll.String, in.coll[t]) {
			c.Collation = coll.String
		}
		// MariaDB's JSON is LONGTEXT COLLATE utf8mb4_bin with a CHECK
		// (json_valid(col)) named after the column; readChecks confirms.
		if in.srv.MariaDB && dataType == "longtext" && coll.String == "utf8mb4_bin" {
			in.jsonCk[in.columnKey(t, c.Name)] = true
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
}

func (in *inspector) readIndexes(ctx context.Context, _ *schema.Schema) error {
	expr := "NULL"
	if !in.srv.MariaDB && in.srv.AtLeast(8, 0, 13) {
		expr = "EXPRESSION" // functional key parts
	}
	q := `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, ` + expr + `, COLLATION, SUB_PART, INDEX_TYPE,
  COALESCE(INDEX_COMMENT, '')
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`
	var cur *schema.Index
	var curTable *schema.Table
	return in.query(ctx, q, func(r *sql.Rows) error {
		var table, name, typ, comment string
		var nonUnique int
		var col, exprText, collation sql.NullString
		var sub sql.NullInt64
		if err := r.Scan(&table, &name, &nonUnique, &col, &exprText, &collation, &sub, &typ, &comment); err != nil {
			return err
		}
		t := in.table(table)
		if t == nil {
			return nil
		}
		part := schema.IndexPart{Column: col.String, Desc: collation.String == "D", Length: int(sub.Int64)}
		if strings.EqualFold(typ, "SPATIAL") {
			// The server reports a SUB_PART (32) for a spatial key that
			// cannot be written with one (error 1089).
			part.Length = 0
		}
		if !col.Valid && exprText.Valid {
			part.Expr = "(" + in.unescape(exprText.String) + ")"
		}
		if name == "PRIMARY" {
			if t.PrimaryKey == nil {
				t.PrimaryKey = &schema.PrimaryKey{Comment: comment}
			}
			t.PrimaryKey.Columns = append(t.PrimaryKey.Columns, part.Column)
			return nil
		}
		if cur == nil || curTable != t || cur.Name != name {
			// A unique index is MySQL's UNIQUE constraint: one left
			// unnamed is known by its key (see clearGeneratedNames).
			cur = &schema.Index{Name: name, Unique: nonUnique == 0, Constraint: nonUnique == 0, Comment: comment}
			switch strings.ToUpper(typ) {
			case "FULLTEXT", "SPATIAL":
				cur.Method = strings.ToUpper(typ)
			case "HASH":
				cur.Method = "HASH"
			}
			curTable = t
			t.Indexes = append(t.Indexes, cur)
		}
		cur.Parts = append(cur.Parts, part)
		return nil
	})
}

func (in *inspector) readForeignKeys(ctx context.Context, _ *schema.Schema) error {
	// Two scans joined here: MariaDB joins these two views by scanning one
	// per row of the other (0.5 s for 2,000 keys, against 20 ms each).
	type rules struct{ onUpdate, onDelete string }
	actions := map[string]rules{}
	const qr = `SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()`
	err := in.query(ctx, qr, func(r *sql.Rows) error {
		var table, name string
		var a rules
		if err := r.Scan(&table, &name, &a.onUpdate, &a.onDelete); err != nil {
			return err
		}
		actions[table+"\x00"+name] = a
		return nil
	})
	if err != nil {
		return err
	}
	const q = `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`
	var cur *schema.ForeignKey
	var curTable *schema.Table
	return in.query(ctx, q, func(r *sql.Rows) error {
		var table, name, refSchema, refTable, col, refCol string
		if err := r.Scan(&table, &name, &col, &refSchema, &refTable, &refCol); err != nil {
			return err
		}
		t := in.table(table)
		a, ok := actions[table+"\x00"+name]
		if t == nil || !ok {
			return nil
		}
		if cur == nil || curTable != t || cur.Name != name {
			cur = &schema.ForeignKey{Name: name, RefTable: refTable, OnUpdate: action(a.onUpdate), OnDelete: action(a.onDelete)}
			if refSchema != in.db {
				cur.RefSchema = refSchema
			}
			curTable = t
			t.ForeignKeys = append(t.ForeignKeys, cur)
		}
		cur.Columns = append(cur.Columns, col)
		cur.RefColumns = append(cur.RefColumns, refCol)
		return nil
	})
}

// action maps a REFERENTIAL_CONSTRAINTS rule to an Action. RESTRICT is NO
// ACTION: InnoDB checks both at once, and reports an omitted action as
// RESTRICT.
func action(rule string) schema.Action {
	a, _ := schema.ParseAction(rule)
	if a == schema.Restrict {
		return schema.NoAction
	}
	return a
}

func (in *inspector) readChecks(ctx context.Context, _ *schema.Schema) error {
	var q string
	switch {
	case in.srv.MariaDB && in.srv.AtLeast(10, 2, 22):
		q = `SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL = 'Column'
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, CONSTRAINT_NAME`
	case !in.srv.MariaDB && in.srv.AtLeast(8, 0, 16):
		q = `SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE, 0
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME`
	default:
		return nil // no CHECK constraints before MySQL 8.0.16
	}
	return in.query(ctx, q, func(r *sql.Rows) error {
		var table, name, clause string
		var columnLevel bool
		if err := r.Scan(&table, &name, &clause, &columnLevel); err != nil {
			return err
		}
		t := in.table(table)
		if t == nil {
			return nil
		}
		clause = in.unescape(clause)
		if columnLevel && in.jsonCk[in.columnKey(t, name)] &&
			strings.EqualFold(strings.ReplaceAll(clause, " ", ""), "json_valid("+quote(name)+")") {
			if c, ok := t.Column(name); ok {
				c.Type = "json"
				c.Collation = ""
				return nil
			}
		}
		t.Checks = append(t.Checks, &schema.Check{Name: name, Expr: clause})
		return nil
	})
}

func (in *inspector) readViews(ctx context.Context, s *schema.Schema) error {
	// MySQL 8 does not show a view's ALGORITHM in information_schema
	// (only SHOW CREATE VIEW, one query per view): there it is not read.
	algorithm := "''"
	if in.srv.MariaDB {
		algorithm = "ALGORITHM"
	}
	q := `SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ` + algorithm + `
FROM information_schema.VIEWS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, CAST(TABLE_NAME AS BINARY)`
	err := in.query(ctx, q, func(r *sql.Rows) error {
		var name, def, check, security, algorithm string
		if err := r.Scan(&name, &def, &check, &security, &algorithm); err != nil {
			return err
		}
		s.Views = append(s.Views, &schema.View{Name: name, Def: viewDef(name, unqualify(def, in.db), algorithm, security, check)})
		return nil
	})
	if err != nil {
		return err
	}
	s.Views = viewsInOrder(s.Views)
	return nil
}

// viewDef returns the CREATE VIEW statement of a view with its ALGORITHM,
// SQL SECURITY and CHECK OPTION, each written only when it is not the
// default (UNDEFINED, DEFINER, none), so that they take part in the
// comparison of definitions. The DEFINER account is left out: it names a
// user of one server, not a property of the schema.
func viewDef(name, query, algorithm, security, check string) string {
	text := "CREATE "
	if a := strings.ToUpper(algorithm); a != "" && a != "UNDEFINED" {
		text += "ALGORITHM=" + a + " "
	}
	if strings.EqualFold(security, "INVOKER") {
		text += "SQL SECURITY INVOKER "
	}
	text += "VIEW " + quote(name) + " AS " + query
	if check != "" && !strings.EqualFold(check, "NONE") {
		text += " WITH " + strings.ToUpper(check) + " CHECK OPTION"
	}
	return text
}

func (in *inspector) readTriggers(ctx context.Context, s *schema.Schema) error {
	const q = `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT,
  SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA = DATABASE()
ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`
	return in.query(ctx, q, func(r *sql.Rows) error {
		var name, table, timing, event, stmt string
		var ses schema.Session
		if err := r.Scan(&name, &table, &timing, &event, &stmt, &ses.SQLMode, &ses.Charset, &ses.Collation); err != nil {
			return err
		}
		def := fmt.Sprintf("CREATE TRIGGER %s %s %s ON %s FOR EACH ROW %s", quote(name), timing, event, quote(table), stripComments(stmt))
		s.Triggers = append(s.Triggers, &schema.Trigger{Name: name, Table: table, Def: def, Session: ses})
		return nil
	})
}

// markImplicit marks the indexes of t that the server made for a foreign
// key by itself: plain indexes on exactly a foreign key's columns, named
// as the server names them, after the constraint (also after it renamed
// the index when the key was added again or swapped) or, for a key
// created without a constraint name, after its first column (with _2, …
// when that name was taken). Such an index is created, dropped and renamed
// by the server with its key. An index the schema declares under another
// name is an index of its own, even when a key uses it.
func markImplicit(t *schema.Table) {
	for _, ix := range t.Indexes {
		if ix.Unique || ix.Method != "" {
			continue
		}
		cols, ok := ix.Columns()
		if !ok || slices.ContainsFunc(ix.Parts, func(p schema.IndexPart) bool { return p.Desc || p.Length > 0 }) {
			continue
		}
		for _, fk := range t.ForeignKeys {
			// The server names an FK's index after the key, or after its
			// first column when the key is unnamed; RENAME TABLE renames a
			// key named <old>_ibfk_N to <new>_ibfk_N but not its index.
			if slices.EqualFunc(cols, fk.Columns, strings.EqualFold) &&
				(strings.EqualFold(ix.Name, fk.Name) || serverIndexName(ix.Name, ix.Parts) || ibfkName.MatchString(ix.Name)) {
				ix.Implicit = true
				break
			}
		}
	}
}

// ibfkName matches the names the server gives foreign keys (<table>_ibfk_N).
var ibfkName = regexp.MustCompile(`(?i)_ibfk_[0-9]+$`)

// serverIndexName reports whether name is one the server gives an index
// of parts that the statement creating it left unnamed: its first column,
// with _2, _3, … when that name was taken.
func serverIndexName(name string, parts []schema.IndexPart) bool {
	if len(parts) == 0 || parts[0].Column == "" {
		return false
	}
	first := parts[0].Column
	if strings.EqualFold(name, first) {
		return true
	}
	rest, ok := strings.CutPrefix(strings.ToLower(name), strings.ToLower(first)+"_")
	return ok && allDigits.MatchString(rest)
}

// viewsInOrder sorts views so that each comes after the views it reads;
// otherwise by name.
func viewsInOrder(views []*schema.View) []*schema.View {
	sort.SliceStable(views, func(i, j int) bool { return strings.ToLower(views[i].Name) < strings.ToLower(views[j].Name) })
	placed := map[*schema.View]bool{}
	var out []*schema.View
	for len(out) < len(views) {
		progress := false
		for _, v := range views {
			if placed[v] {
				continue
			}
			ready := true
			for _, o := range views {
				if o != v && !placed[o] && mentionsName(v.Def, o.Name) {
					ready = false
					break
				}
			}
			if ready {
				placed[v] = true
				out = append(out, v)
				progress = true
			}
		}
		if !progress { // a cycle cannot happen in MySQL; keep the rest as is
			for _, v := range views {
				if !placed[v] {
					placed[v] = true
					out = append(out, v)
				}
			}
		}
	}
	return out
}
