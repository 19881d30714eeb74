package mysql

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

// readRoutines reads the stored procedures and functions (two queries:
// ROUTINES and PARAMETERS) and rebuilds each CREATE statement without its
// DEFINER, with the sql_mode and client character set it was created
// under.
func (in *inspector) readRoutines(ctx context.Context, s *schema.Schema) error {
	type param struct{ mode, name, typ, charset string }
	params := map[string][]param{} // kind\x00name → parameters; position 0 is a function's return type
	const qp = `SELECT ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION, COALESCE(PARAMETER_MODE, ''), COALESCE(PARAMETER_NAME, ''),
  DTD_IDENTIFIER, COALESCE(CHARACTER_SET_NAME, '')
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = DATABASE()
ORDER BY ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION`
	err := in.query(ctx, qp, func(r *sql.Rows) error {
		var kind, name string
		var pos int
		var p param
		if err := r.Scan(&kind, &name, &pos, &p.mode, &p.name, &p.typ, &p.charset); err != nil {
			return err
		}
		k := kind + "\x00" + strings.ToLower(name)
		if pos == 0 {
			p.mode = "RETURNS"
		}
		params[k] = append(params[k], p)
		return nil
	})
	if err != nil {
		return err
	}
	dbCharset := charsetOf(in.dbColl)
	typeOf := func(p param) string {
		t := p.typ
		if p.charset != "" && !strings.EqualFold(p.charset, dbCharset) && !strings.Contains(strings.ToLower(t), "charset") {
			t += " CHARSET " + p.charset
		}
		return t
	}
	const q = `SELECT ROUTINE_TYPE, ROUTINE_NAME, COALESCE(ROUTINE_DEFINITION, ''), IS_DETERMINISTIC, SQL_DATA_ACCESS,
  SECURITY_TYPE, COALESCE(ROUTINE_COMMENT, ''), SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')
ORDER BY ROUTINE_TYPE, ROUTINE_NAME`
	return in.query(ctx, q, func(r *sql.Rows) error {
		rt := &schema.Routine{}
		var body, deterministic, access, security, comment string
		if err := r.Scan(&rt.Kind, &rt.Name, &body, &deterministic, &access, &security, &comment,
			&rt.SQLMode, &rt.Charset, &rt.Collation); err != nil {
			return err
		}
		var args []string
		ret := ""
		for _, p := range params[rt.Kind+"\x00"+strings.ToLower(rt.Name)] {
			switch {
			case p.mode == "RETURNS":
				ret = " RETURNS " + typeOf(p)
			case rt.Kind == schema.Function:
				args = append(args, quote(p.name)+" "+typeOf(p))
			default:
				args = append(args, p.mode+" "+quote(p.name)+" "+typeOf(p))
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE %s %s(%s)%s", rt.Kind, quote(rt.Name), strings.Join(args, ", "), ret)
		if deterministic == "YES" {
			b.WriteString(" DETERMINISTIC")
		}
		if access != "" && access != "CONTAINS SQL" {
			b.WriteString(" " + access)
		}
		if security == "INVOKER" {
			b.WriteString(" SQL SECURITY INVOKER")
		}
		if comment != "" {
			b.WriteString(" COMMENT " + literal(comment))
		}
		b.WriteString("\n" + unqualify(stripComments(body), in.db))
		rt.Def = b.String()
		s.Routines = append(s.Routines, rt)
		return nil
	})
}

// readEvents reads the scheduled events. A STARTS equal to the event's
// creation time is the default one and is left out, so that an event
// loaded into a scratch database compares equal to the same event created
// earlier on the target. The event's time zone is not modelled.
func (in *inspector) readEvents(ctx context.Context, s *schema.Schema) error {
	const q = `SELECT EVENT_NAME, EVENT_DEFINITION, EVENT_TYPE, COALESCE(CAST(EXECUTE_AT AS CHAR), ''),
  COALESCE(INTERVAL_VALUE, ''), COALESCE(INTERVAL_FIELD, ''), COALESCE(CAST(STARTS AS CHAR), ''),
  COALESCE(CAST(ENDS AS CHAR), ''), STATUS, ON_COMPLETION, COALESCE(EVENT_COMMENT, ''),
  COALESCE(CAST(CREATED AS CHAR), ''), SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION
FROM information_schema.EVENTS
WHERE EVENT_SCHEMA = DATABASE()
ORDER BY EVENT_NAME`
	return in.query(ctx, q, func(r *sql.Rows) error {
		ev := &schema.Routine{Kind: schema.Event}
		var body, typ, at, every, field, starts, ends, status, completion, comment, created string
		if err := r.Scan(&ev.Name, &body, &typ, &at, &every, &field, &starts, &ends, &status, &completion, &comment,
			&created, &ev.SQLMode, &ev.Charset, &ev.Collation); err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("CREATE EVENT " + quote(ev.Name) + " ON SCHEDULE ")
		if typ == "ONE TIME" {
			b.WriteString("AT " + literal(at))
		} else {
			if strings.Trim(every, "0123456789") != "" && !strings.HasPrefix(every, "'") {
				every = literal(every) // MariaDB quotes '1:30' itself, MySQL does not
			}
			b.WriteString("EVERY " + every + " " + field)
			if starts != "" && starts != created {
				b.WriteString(" STARTS " + literal(starts))
			}
			if ends != "" {
				b.WriteString(" ENDS " + literal(ends))
			}
		}
		b.WriteString(" ON COMPLETION " + completion)
		switch status {
		case "DISABLED":
			b.WriteString(" DISABLE")
		case "SLAVESIDE_DISABLED", "REPLICA_SIDE_DISABLED":
			b.WriteString(" DISABLE ON SLAVE")
		}
		if comment != "" {
			b.WriteString(" COMMENT " + literal(comment))
		}
		b.WriteString("\nDO " + unqualify(stripComments(body), in.db))
		ev.Def = b.String()
		s.Routines = append(s.Routines, ev)
		return nil
	})
}

// readPartitions reads each partitioned table's partitioning (one query)
// into Table.Partition, as the clause CREATE TABLE takes. Subpartitioned
// tables are not modelled: Schema.Unmanaged lists them, and the table is
// left as if unpartitioned.
func (in *inspector) readPartitions(ctx context.Context, _ *schema.Schema) error {
	const q = `SELECT TABLE_NAME, PARTITION_NAME, PARTITION_METHOD, COALESCE(PARTITION_EXPRESSION, ''),
  COALESCE(PARTITION_DESCRIPTION, ''), COALESCE(SUBPARTITION_METHOD, ''), COALESCE(PARTITION_COMMENT, '')
FROM information_schema.PARTITIONS
WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL
  AND (SUBPARTITION_ORDINAL_POSITION IS NULL OR SUBPARTITION_ORDINAL_POSITION = 1)
ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION`
	var order []string
	parts := map[string][]partDef{}
	method := map[string][2]string{}
	sub := map[string]bool{}
	err := in.query(ctx, q, func(r *sql.Rows) error {
		var table, m, expr, subMethod string
		var p partDef
		if err := r.Scan(&table, &p.name, &m, &expr, &p.desc, &subMethod, &p.comment); err != nil {
			return err
		}
		k := strings.ToLower(table)
		if subMethod != "" && !sub[k] {
			sub[k] = true
			in.skipped["subpartitioned table"] = append(in.skipped["subpartitioned table"], table)
		}
		if _, ok := parts[k]; !ok {
			order = append(order, k)
			method[k] = [2]string{m, expr}
		}
		parts[k] = append(parts[k], p)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range order {
		if t := in.table(k); t != nil && !sub[k] {
			t.Partition = partitionClause(method[k][0], method[k][1], parts[k])
		}
	}
	return nil
}

// partDef is one partition: its name, bound (PARTITION_DESCRIPTION) and
// comment.
type partDef struct{ name, desc, comment string }

// partitionClause writes PARTITION BY for a method (RANGE, LIST, HASH,
// KEY, LINEAR HASH, LINEAR KEY, RANGE COLUMNS, LIST COLUMNS), its
// expression or column list, and its partitions: HASH and KEY by count,
// RANGE and LIST each with its bound.
func partitionClause(method, expr string, parts []partDef) string {
	method = strings.ToUpper(strings.Join(strings.Fields(method), " "))
	var b strings.Builder
	b.WriteString("PARTITION BY " + method + " (" + expr + ")")
	if strings.HasSuffix(method, "HASH") || strings.HasSuffix(method, "KEY") {
		fmt.Fprintf(&b, " PARTITIONS %d", len(parts))
		return b.String()
	}
	defs := make([]string, len(parts))
	for i, p := range parts {
		d := "PARTITION " + quote(p.name)
		switch {
		case !strings.HasPrefix(method, "RANGE"):
			d += " VALUES IN (" + p.desc + ")"
		case strings.EqualFold(p.desc, "MAXVALUE"):
			d += " VALUES LESS THAN MAXVALUE"
		default:
			d += " VALUES LESS THAN (" + p.desc + ")"
		}
		if p.comment != "" {
			d += " COMMENT " + literal(p.comment)
		}
		defs[i] = d
	}
	b.WriteString(" (" + strings.Join(defs, ", ") + ")")
	return b.String()
}

// readUnmodelled notes the objects of kinds retort does not model: MariaDB
// sequences (CREATE SEQUENCE) and system-versioned tables, whatever else
// information_schema lists besides base tables and views, and indexes the
// optimizer is told to ignore (MariaDB 10.6+ IGNORED, MySQL 8 INVISIBLE),
// which retort would create as ordinary ones.
func (in *inspector) readUnmodelled(ctx context.Context, _ *schema.Schema) error {
	q := `SELECT TABLE_TYPE, TABLE_NAME
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE NOT IN ('BASE TABLE', 'VIEW')`
	hidden := ""
	switch {
	case in.srv.MariaDB && in.srv.AtLeast(10, 6, 0):
		hidden = "IGNORED = 'YES'"
	case !in.srv.MariaDB && in.srv.AtLeast(8, 0, 0):
		hidden = "IS_VISIBLE = 'NO'"
	}
	if hidden != "" {
		q += `
UNION ALL
SELECT DISTINCT 'ignored index', CONCAT(INDEX_NAME, ' on ', TABLE_NAME)
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND ` + hidden
	}
	q += "\nORDER BY 1, 2"
	return in.query(ctx, q, func(r *sql.Rows) error {
		var typ, name string
		if err := r.Scan(&typ, &name); err != nil {
			return err
		}
		kind := strings.ToLower(typ)
		if kind == "system versioned" || kind == "system-versioned" {
			kind = "system-versioned table"
		}
		in.skipped[kind] = append(in.skipped[kind], name)
		return nil
	})
}

// sessionSteps wraps the CREATE statement of a trigger or routine in the
// session it must be created under, when its sql_mode differs from
// current's (the mode of the session that inspected the server; nil: not
// known): its sql_mode and client character set are set before it, and
// the connection's own restored after it, as mysqldump does.
func sessionSteps(create string, s schema.Session, current *Server) []dialect.Step {
	if s.SQLMode == "" || (current != nil && sameMode(s.SQLMode, current.SQLMode)) {
		return []dialect.Step{{SQL: create}}
	}
	set := []string{"@retort_sql_mode = @@SESSION.sql_mode", "@retort_cs_client = @@SESSION.character_set_client",
		"@retort_coll_conn = @@SESSION.collation_connection", "SESSION sql_mode = " + literal(s.SQLMode)}
	if s.Charset != "" {
		set = append(set, "SESSION character_set_client = "+literal(s.Charset))
	}
	if s.Collation != "" {
		set = append(set, "SESSION collation_connection = "+literal(s.Collation))
	}
	return []dialect.Step{
		{SQL: "SET " + strings.Join(set, ", "), Comment: "created under the sql_mode and character set it was defined with"},
		{SQL: create},
		{SQL: "SET SESSION sql_mode = @retort_sql_mode, SESSION character_set_client = @retort_cs_client, " +
			"SESSION collation_connection = @retort_coll_conn"},
	}
}

// dropRoutine returns DROP PROCEDURE, FUNCTION or EVENT.
func dropRoutine(r *schema.Routine) string {
	return "DROP " + r.Kind + " " + quote(r.Name)
}

// routineSQL writes r for inspect --format sql: between DELIMITER lines,
// so that the mysql client keeps its body whole, and under its session.
func routineSQL(b *strings.Builder, r *schema.Routine, current *Server) {
	for _, st := range sessionSteps(r.Def, r.Session, current) {
		if st.SQL == r.Def {
			b.WriteString("DELIMITER ;;\n" + r.Def + ";;\nDELIMITER ;\n")
			continue
		}
		b.WriteString(st.SQL + ";\n")
	}
	b.WriteString("\n")
}

// sameMode reports whether two sql_mode values hold the same flags.
func sameMode(a, b string) bool {
	fa, fb := strings.Split(strings.ToUpper(a), ","), strings.Split(strings.ToUpper(b), ",")
	slices.Sort(fa)
	slices.Sort(fb)
	return slices.Equal(fa, fb)
}

// stripComments removes the comments (not the executable /*! … */ ones)
// from the body of a trigger, routine or event as the server keeps it: the
// mysql client strips them before it sends a statement and retort does
// not, so the same file loaded either way must compare equal.
func stripComments(body string) string {
	var b strings.Builder
	for _, t := range sqltok.Tokenize(body, lexMySQL) {
		if t.Kind == sqltok.Comment && !sqlsplit.Executable(t.Text) {
			if strings.HasPrefix(t.Text, "/*") {
				b.WriteByte(' ')
			}
			continue
		}
		b.WriteString(t.Text)
	}
	return b.String()
}
