package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

// routines reads the functions, procedures and aggregates of the schema
// (one query), those of extensions left out. Functions and procedures are
// defined by pg_get_functiondef, unqualified, and identified by the types
// of their arguments (not their names, which CREATE OR REPLACE cannot
// change: a renamed parameter is the same function, redefined);
// aggregates by a CREATE AGGREGATE built from pg_aggregate and identified
// by pg_get_function_identity_arguments (which keeps ORDER BY). They are reported functions first,
// then procedures, then aggregates (which use functions), each by name and
// identity signature.
func (in *inspector) routines(ctx context.Context) error {
	return in.query(ctx, "routines", nsCTE+`
SELECT p.prokind::text, p.proname,
  CASE WHEN p.prokind = 'a' THEN pg_get_function_identity_arguments(p.oid) ELSE
    (SELECT coalesce(string_agg(format_type(u.t, NULL), ', ' ORDER BY u.n), '')
     FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY u(t, n)
     WHERE p.proargmodes IS NULL OR p.proargmodes[u.n] IN ('i', 'b', 'v') OR (p.prokind = 'p' AND p.proargmodes[u.n] = 'o'))
  END,
  CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE '' END,
  quote_ident(n.nspname) || '.' || quote_ident(p.proname), quote_ident(p.proname),
  CASE WHEN p.prokind = 'a' THEN array_to_json(array_remove(ARRAY[
    'SFUNC = ' || a.aggtransfn::regproc,
    'STYPE = ' || format_type(a.aggtranstype, NULL),
    'SSPACE = ' || nullif(a.aggtransspace, 0),
    'FINALFUNC = ' || nullif(a.aggfinalfn, 0)::regproc,
    CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
    CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END
      THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
    'COMBINEFUNC = ' || nullif(a.aggcombinefn, 0)::regproc,
    'SERIALFUNC = ' || nullif(a.aggserialfn, 0)::regproc,
    'DESERIALFUNC = ' || nullif(a.aggdeserialfn, 0)::regproc,
    'INITCOND = ' || quote_literal(a.agginitval),
    'MSFUNC = ' || nullif(a.aggmtransfn, 0)::regproc,
    'MINVFUNC = ' || nullif(a.aggminvtransfn, 0)::regproc,
    'MSTYPE = ' || format_type(nullif(a.aggmtranstype, 0), NULL),
    'MSSPACE = ' || nullif(a.aggmtransspace, 0),
    'MFINALFUNC = ' || nullif(a.aggmfinalfn, 0)::regproc,
    CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
    'MINITCOND = ' || quote_literal(a.aggminitval),
    'SORTOP = ' || (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop),
    CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
    CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END], NULL))
  ELSE '[]' END, coalesce(ds.description, '')
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
LEFT JOIN pg_description ds ON ds.objoid = p.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0
WHERE p.pronamespace = (SELECT oid FROM ns) AND p.prokind IN ('f', 'p', 'a')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY CASE p.prokind WHEN 'f' THEN 0 WHEN 'p' THEN 1 ELSE 2 END, p.proname, 3`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			kind, qualifiedName, quotedName string
			aggJSON                         []byte
			r                               = &schema.Routine{}
		)
		if err := rows.Scan(&kind, &r.Name, &r.Args, &r.Def, &qualifiedName, &quotedName, &aggJSON, &r.Comment); err != nil {
			return err
		}
		switch kind {
		case "f":
			r.Kind = schema.Function
		case "p":
			r.Kind = schema.Procedure
		case "a":
			r.Kind = schema.Aggregate
			var opts []string
			if err := json.Unmarshal(aggJSON, &opts); err != nil {
				return err
			}
			args := r.Args
			if args == "" {
				args = "*"
			}
			r.Def = "CREATE OR REPLACE AGGREGATE " + quotedName + "(" + args + ") (\n    " + strings.Join(opts, ",\n    ") + "\n)"
		}
		if kind != "a" {
			// The header names the function schema-qualified: the schema
			// is the inspected one (or a scratch one), so leave it out.
			r.Def = strings.Replace(r.Def, " "+qualifiedName+"(", " "+quotedName+"(", 1)
			r.Def = strings.TrimRight(r.Def, "\n")
		}
		in.s.Routines = append(in.s.Routines, r)
		return nil
	})
}

// dropRoutine returns DROP FUNCTION, PROCEDURE or AGGREGATE for r, named
// with its identity signature.
func dropRoutine(r *schema.Routine) string {
	return "DROP " + r.Kind + " " + routineSignature(r)
}

// routineSignature returns r's name quoted with its identity signature,
// (*) for an aggregate of no argument.
func routineSignature(r *schema.Routine) string {
	args := r.Args
	if r.Kind == schema.Aggregate && args == "" {
		args = "*"
	}
	return quote(r.Name) + "(" + args + ")"
}

// replaceable reports whether CREATE OR REPLACE can turn routine old into
// r: same kind, and the same header (the parameters' names, modes and
// defaults) and RETURNS line for a function or procedure, the same STYPE
// and FINALFUNC (which give the result type) for an aggregate.
func replaceable(old, r *schema.Routine) bool {
	if old.Kind != r.Kind {
		return false
	}
	a, b := strings.Split(old.Def, "\n"), strings.Split(r.Def, "\n")
	if a[0] != b[0] {
		return false
	}
	keep := func(line string) bool {
		line = strings.TrimSpace(line)
		return strings.HasPrefix(line, "RETURNS ") || strings.HasPrefix(line, "STYPE = ") || strings.HasPrefix(line, "FINALFUNC = ")
	}
	return slices.Equal(slices.DeleteFunc(a, func(l string) bool { return !keep(l) }),
		slices.DeleteFunc(b, func(l string) bool { return !keep(l) }))
}

// triggers reads the triggers of the schema's tables and views (one
// query), those PostgreSQL makes for foreign keys, the clones on
// partitions and those on tables the inspection leaves out left out: the definition as pg_get_triggerdef gives it
// (constraint triggers, WHEN, transition tables and all) with the table
// unqualified, and the firing state when not the default.
func (in *inspector) triggers(ctx context.Context) error {
	parent := "true"
	if in.version >= 130000 {
		parent = "t.tgparentid = 0"
	}
	return in.query(ctx, "triggers", nsCTE+`
SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), t.tgenabled::text,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(c.relname), c.oid, c.relkind = 'v',
  coalesce(ds.description, '')
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v') AND NOT t.tgisinternal AND `+parent+`
  AND `+notExtension+`
ORDER BY c.relname, t.tgname`, []any{in.schema}, func(rows *sql.Rows) error {
		tr := &schema.Trigger{}
		var (
			state, qualifiedTable, quotedTable string
			oid                                int64
			onView                             bool
		)
		if err := rows.Scan(&tr.Name, &tr.Table, &tr.Def, &state, &qualifiedTable, &quotedTable, &oid, &onView, &tr.Comment); err != nil {
			return err
		}
		if _, ok := in.byOID[oid]; !ok && !onView {
			return nil // a table the inspection leaves out
		}
		// pg_get_triggerdef names the table schema-qualified: leave the
		// (inspected or scratch) schema out.
		tr.Def = strings.Replace(tr.Def, " ON "+qualifiedTable+" ", " ON "+quotedTable+" ", 1)
		tr.State = map[string]string{"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}[state]
		in.s.Triggers = append(in.s.Triggers, tr)
		return nil
	})
}

// triggerSteps returns the statements that create tr: its definition,
// its firing state when not the default, its comment.
func triggerSteps(tr *schema.Trigger) []string {
	out := []string{tr.Def}
	if st := triggerState(tr); st != "" {
		out = append(out, st)
	}
	if tr.Comment != "" {
		out = append(out, commentOn("TRIGGER", quote(tr.Name)+" ON "+quote(tr.Table), tr.Comment))
	}
	return out
}

// dropTrigger returns DROP TRIGGER for tr.
func dropTrigger(tr *schema.Trigger) string {
	return "DROP TRIGGER " + quote(tr.Name) + " ON " + quote(tr.Table)
}

// routineComment returns COMMENT ON FUNCTION, PROCEDURE or AGGREGATE
// giving r its comment ("" removes it), named with its identity
// signature.
func routineComment(r *schema.Routine) string {
	return commentOn(r.Kind, routineSignature(r), r.Comment)
}

// triggerState returns the ALTER TABLE that gives tr its firing state, ""
// for the default.
func triggerState(tr *schema.Trigger) string {
	if tr.State == "" {
		return ""
	}
	return alter(tr.Table) + tr.State + " TRIGGER " + quote(tr.Name)
}

// routinesSQL returns the statements of SQL() for the routines created in
// phase (routinePhase): function bodies unchecked (a body may call a
// function defined after it), then each routine, aggregates last.
func routinesSQL(s *schema.Schema, phase int) []string {
	if len(s.Routines) == 0 {
		return nil
	}
	var out []string
	if phase == routineFirst {
		out = append(out, "SET check_function_bodies = false")
	}
	for _, aggregates := range []bool{false, true} {
		for _, r := range s.Routines {
			if (r.Kind == schema.Aggregate) == aggregates && routinePhase(r, s) == phase {
				out = append(out, r.Def)
				if r.Comment != "" {
					out = append(out, routineComment(r))
				}
			}
		}
	}
	return out
}

// Where a routine is created: before the tables (their defaults, checks
// and indexes may call it), after them when its signature names a
// table's row type (RETURNS SETOF customer), after the views when it
// names a view's.
const (
	routineFirst = iota
	routineAfterTables
	routineAfterViews
)

// routinePhase returns where r is created in a schema s.
func routinePhase(r *schema.Routine, s *schema.Schema) int {
	phase := routineFirst
	for _, name := range signatureTypes(r) {
		if _, ok := s.View(name); ok {
			return routineAfterViews
		}
		if _, ok := s.Table(name); ok {
			phase = routineAfterTables
		}
	}
	return phase
}

// signatureTypes returns the names that may be types in r's signature:
// each parameter (OUT ones too) and TABLE result column, with and without
// its first word (its name, when it has one), the result type without
// SETOF, and an aggregate's state types; unquoted, array brackets taken
// off. Callers match them against relation names.
func signatureTypes(r *schema.Routine) []string {
	header, _, _ := strings.Cut(r.Def, "\n")
	var items []string
	if open, close := strings.IndexByte(header, '('), strings.LastIndexByte(header, ')'); open >= 0 && close > open {
		items = splitTopLevel(header[open+1 : close])
	}
	for _, line := range strings.Split(r.Def, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "RETURNS "):
			ret := strings.TrimPrefix(strings.TrimPrefix(line, "RETURNS "), "SETOF ")
			if strings.HasPrefix(ret, "TABLE(") && strings.HasSuffix(ret, ")") {
				items = append(items, splitTopLevel(ret[len("TABLE("):len(ret)-1])...)
			} else {
				items = append(items, ret)
			}
		case r.Kind == schema.Aggregate && (strings.HasPrefix(line, "STYPE = ") || strings.HasPrefix(line, "MSTYPE = ")):
			_, typ, _ := strings.Cut(line, " = ")
			items = append(items, strings.TrimSuffix(typ, ","))
		}
	}
	var out []string
	for _, item := range items {
		item, _, _ = strings.Cut(strings.TrimSpace(item), " DEFAULT ")
		for _, mode := range []string{"IN ", "OUT ", "INOUT ", "VARIADIC "} {
			item = strings.TrimPrefix(item, mode)
		}
		out = append(out, typeName(item))
		if _, rest, ok := strings.Cut(item, " "); ok {
			out = append(out, typeName(rest))
		}
	}
	return out
}

// splitTopLevel splits s at the commas outside parentheses and quotes.
func splitTopLevel(s string) []string {
	var (
		out          []string
		depth, start int
		quoted       bool
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// typeName returns a type as format_type writes it without array
// brackets and quotes.
func typeName(t string) string {
	t = strings.TrimSpace(t)
	for strings.HasSuffix(t, "[]") {
		t = strings.TrimSuffix(t, "[]")
	}
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		t = unquoteIdent(t)
	}
	return t
}
