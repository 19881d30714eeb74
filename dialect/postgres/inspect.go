package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// Inspect reads the schema that q's connection works in (its
// current_schema(), or the one set by WithSchema) with eight catalog
// queries, whatever the number of tables: tables, columns, constraints,
// indexes, views, enums, sequences, and one for the schema itself.
//
// Objects of the inspected schema are reported unqualified (Table.Schema
// and ForeignKey.RefSchema are ""); a foreign key to another schema keeps
// that schema's name. With WithSchemas, each named schema is read and
// every object is qualified (see inspectSchemas). Everything is reported as PostgreSQL deparses it
// (format_type, pg_get_expr, pg_get_viewdef), so inspecting twice, or
// inspecting a schema loaded from the same SQL into a scratch database,
// gives equal results. Serial columns are reported with the type serial,
// bigserial or smallserial and no default; identity columns with Identity
// set; the sequences they own are part of them. Not reported: tables and
// types that belong to an extension, partitioned tables and their
// partitions, triggers, functions, domains, composite types and exclusion
// constraints.
func (d *Dialect) Inspect(ctx context.Context, q dialect.Querier) (*schema.Schema, error) {
	if len(d.schemas) > 1 {
		return d.inspectSchemas(ctx, q)
	}
	in := &inspector{q: q}
	if err := in.meta(ctx, d.schema); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{in.tables, in.columns, in.constraints, in.indexes, in.views, in.enums, in.sequences}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	s := in.finish()
	// The catalog holds every name as written or folded already: names
	// are compared exactly (docs/case-rules.md).
	s.SetCase(schema.ExactCase)
	return s, nil
}

type inspector struct {
	q       dialect.Querier
	schema  string
	version int

	s       *schema.Schema
	byOID   map[int64]*schema.Table
	attname map[int64]map[int]string // table oid → attnum → name
	attcoll map[int64]map[int]string // table oid → attnum → collation name
	indexOf map[int64]*indexInfo     // index oid → index (constraint-backed ones too)
	uniques []*uniqueRef
}

type indexInfo struct {
	ix    *schema.Index
	table int64
	backs bool
}

type uniqueRef struct {
	table int64
	ix    *schema.Index
	index int64
}

func (in *inspector) query(ctx context.Context, what, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := in.q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: inspect %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("postgres: inspect %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: inspect %s: %w", what, err)
	}
	return nil
}

func (in *inspector) meta(ctx context.Context, want string) error {
	var cur sql.NullString
	if err := in.q.QueryRowContext(ctx, `SELECT current_schema(), current_setting('server_version_num')::int`).Scan(&cur, &in.version); err != nil {
		return fmt.Errorf("postgres: inspect: %w", err)
	}
	switch {
	case !cur.Valid && want == "":
		return errors.New("postgres: inspect: the search_path names no existing schema (set ?search_path= in the URL)")
	case !cur.Valid:
		return fmt.Errorf("postgres: inspect: schema %s does not exist: create it first (CREATE SCHEMA %s); retort works in it and keeps its version table there", quote(want), quote(want))
	case want != "" && cur.String != want:
		return fmt.Errorf("postgres: inspect: the connection works in schema %q (its search_path), not %q: add search_path=%s to the URL", cur.String, want, want)
	}
	in.reset(cur.String)
	return nil
}

// reset makes in read the schema named name.
func (in *inspector) reset(name string) {
	in.schema = name
	in.s = &schema.Schema{Name: in.schema}
	in.byOID = map[int64]*schema.Table{}
	in.attname = map[int64]map[int]string{}
	in.attcoll = map[int64]map[int]string{}
	in.indexOf = map[int64]*indexInfo{}
	in.uniques = nil
}

// notExtension is a condition on a pg_class row c: it does not belong to
// an extension.
const notExtension = `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`

// nsCTE starts every query: ns is the inspected schema, named by $1.
const nsCTE = `WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1) `

func (in *inspector) tables(ctx context.Context) error {
	return in.query(ctx, "tables", nsCTE+`
SELECT c.oid, c.relname, coalesce(ds.description, '')
FROM pg_class c
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r' AND NOT c.relispartition
  AND `+notExtension+`
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var oid int64
		t := &schema.Table{}
		if err := rows.Scan(&oid, &t.Name, &t.Comment); err != nil {
			return err
		}
		in.byOID[oid] = t
		in.attname[oid] = map[int]string{}
		in.attcoll[oid] = map[int]string{}
		in.s.Tables = append(in.s.Tables, t)
		return nil
	})
}

func (in *inspector) columns(ctx context.Context) error {
	return in.query(ctx, "columns", nsCTE+`
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
  coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), a.attidentity::text, a.attgenerated::text,
  coalesce(co.collname, ''), a.attcollation <> t.typcollation,
  CASE WHEN ad.adbin IS NOT NULL AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN (
    SELECT s.oid::regclass::text FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'a' LIMIT 1) END,
  coalesce(ds.description, '')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			oid                 int64
			num                 int
			identity, generated string
			coll                string
			collDiffers         bool
			ownedSeq            sql.NullString
			c                   = &schema.Column{}
		)
		if err := rows.Scan(&oid, &num, &c.Name, &c.Type, &c.NotNull, &c.Default, &identity, &generated,
			&coll, &collDiffers, &ownedSeq, &c.Comment); err != nil {
			return err
		}
		t, ok := in.byOID[oid]
		if !ok {
			return nil // a partition or an extension's table
		}
		in.attname[oid][num] = c.Name
		in.attcoll[oid][num] = coll
		if collDiffers && coll != "" {
			c.Collation = coll
		}
		switch identity {
		case "a":
			c.Identity = "ALWAYS"
		case "d":
			c.Identity = "BY DEFAULT"
		}
		if generated == "s" {
			c.Generated = &schema.Generated{Expr: c.Default, Stored: true}
			c.Default = ""
		}
		// A serial column: its default takes the next value of the sequence
		// the column owns.
		if ownedSeq.Valid && c.Default == "nextval("+literal(ownedSeq.String)+"::regclass)" {
			c.Type = map[string]string{"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[c.Type]
			c.Default = ""
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
}

var actions = map[string]schema.Action{
	"a": schema.NoAction, "r": schema.Restrict, "c": schema.Cascade, "n": schema.SetNull, "d": schema.SetDefault,
}

func (in *inspector) constraints(ctx context.Context) error {
	return in.query(ctx, "constraints", nsCTE+`
SELECT co.conrelid, co.conname, co.contype::text, coalesce(array_to_json(co.conkey), '[]'),
  coalesce(rn.nspname, ''), coalesce(rc.relname, ''),
  coalesce((SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
    JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n), '[]'),
  co.confdeltype::text, co.confupdtype::text, co.confmatchtype::text, co.condeferrable, co.condeferred,
  co.convalidated, CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) ELSE '' END,
  co.conindid
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
LEFT JOIN pg_class rc ON rc.oid = co.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE c.relnamespace = (SELECT oid FROM ns) AND co.contype IN ('p', 'u', 'f', 'c')
ORDER BY co.conrelid, co.conname`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			oid, indid                      int64
			name, typ, refSchema, refTable  string
			keyJSON, refJSON                []byte
			del, upd, match                 string
			deferrable, deferred, validated bool
			expr                            string
		)
		if err := rows.Scan(&oid, &name, &typ, &keyJSON, &refSchema, &refTable, &refJSON, &del, &upd, &match,
			&deferrable, &deferred, &validated, &expr, &indid); err != nil {
			return err
		}
		t, ok := in.byOID[oid]
		if !ok {
			return nil
		}
		var keys []int
		if err := json.Unmarshal(keyJSON, &keys); err != nil {
			return err
		}
		cols := make([]string, len(keys))
		for i, k := range keys {
			cols[i] = in.attname[oid][k]
		}
		switch typ {
		case "p":
			t.PrimaryKey = &schema.PrimaryKey{Name: name, Columns: cols}
		case "u":
			ix := &schema.Index{Name: name, Unique: true, Constraint: true}
			for _, c := range cols {
				ix.Parts = append(ix.Parts, schema.IndexPart{Column: c})
			}
			t.Indexes = append(t.Indexes, ix)
			in.uniques = append(in.uniques, &uniqueRef{table: oid, ix: ix, index: indid})
		case "f":
			fk := &schema.ForeignKey{Name: name, Columns: cols, RefTable: refTable,
				OnDelete: actions[del], OnUpdate: actions[upd],
				Deferrable: deferrable, InitiallyDeferred: deferred, NotValid: !validated}
			if refSchema != in.schema {
				fk.RefSchema = refSchema
			}
			if err := json.Unmarshal(refJSON, &fk.RefColumns); err != nil {
				return err
			}
			switch match {
			case "f":
				fk.Match = "FULL"
			case "p":
				fk.Match = "PARTIAL"
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		case "c":
			t.Checks = append(t.Checks, &schema.Check{Name: name, Expr: expr})
		}
		return nil
	})
}

func (in *inspector) indexes(ctx context.Context) error {
	nnd := "false"
	if in.version >= 150000 {
		nnd = "i.indnullsnotdistinct"
	}
	// The details of every key are read only for the indexes that back no
	// constraint: those that do are reported with their constraint, which
	// takes only INCLUDE and NULLS NOT DISTINCT from its index.
	return in.query(ctx, "indexes", nsCTE+`
SELECT i.indrelid, i.indexrelid, ic.relname, i.indisunique, am.amname, i.indnkeyatts,
  array_to_json(i.indkey::int2[]), array_to_json(i.indoption::int2[]),
  CASE WHEN b.backs THEN '[]' ELSE coalesce((SELECT json_agg(CASE WHEN i.indkey[k - 1] = 0
    THEN pg_get_indexdef(i.indexrelid, k, true) ELSE '' END ORDER BY k) FROM generate_series(1, i.indnkeyatts) k), '[]') END,
  CASE WHEN b.backs THEN '[]' ELSE coalesce((SELECT json_agg(CASE WHEN o.opcdefault THEN '' ELSE o.opcname END ORDER BY u.n)
    FROM unnest(i.indclass::oid[]) WITH ORDINALITY u(oid, n) JOIN pg_opclass o ON o.oid = u.oid), '[]') END,
  CASE WHEN b.backs THEN '[]' ELSE coalesce((SELECT json_agg(coalesce(cl.collname, '') ORDER BY u.n)
    FROM unnest(i.indcollation::oid[]) WITH ORDINALITY u(oid, n) LEFT JOIN pg_collation cl ON cl.oid = u.oid), '[]') END,
  coalesce(pg_get_expr(i.indpred, i.indrelid, true), ''),
  b.backs,
  `+nnd+`
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid
  AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x')) AS backs) b
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r'
ORDER BY i.indrelid, ic.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			table, oid                                  int64
			method, pred                                string
			nkey                                        int
			keyJSON, optJSON, defJSON, opcJSON, colJSON []byte
			backs                                       bool
			ix                                          = &schema.Index{}
		)
		if err := rows.Scan(&table, &oid, &ix.Name, &ix.Unique, &method, &nkey, &keyJSON, &optJSON, &defJSON,
			&opcJSON, &colJSON, &pred, &backs, &ix.NullsNotDistinct); err != nil {
			return err
		}
		if _, ok := in.byOID[table]; !ok {
			return nil
		}
		var keys, opts []int
		var defs, opcs, colls []string
		for _, u := range []struct {
			b []byte
			v any
		}{{keyJSON, &keys}, {optJSON, &opts}, {defJSON, &defs}, {opcJSON, &opcs}, {colJSON, &colls}} {
			if err := json.Unmarshal(u.b, u.v); err != nil {
				return err
			}
		}
		if method != "btree" {
			ix.Method = method
		}
		ix.Where = pred
		for k := 0; k < len(keys); k++ {
			if k >= nkey {
				ix.Include = append(ix.Include, in.attname[table][keys[k]])
				continue
			}
			var p schema.IndexPart
			if keys[k] != 0 {
				p.Column = in.attname[table][keys[k]]
			} else if k < len(defs) {
				p.Expr = defs[k]
			}
			if k < len(opts) {
				p.Desc = opts[k]&1 != 0
				nullsFirst := opts[k]&2 != 0
				switch {
				case !p.Desc && nullsFirst:
					p.Nulls = "FIRST"
				case p.Desc && !nullsFirst:
					p.Nulls = "LAST"
				}
			}
			if k < len(opcs) {
				p.OpClass = opcs[k]
			}
			if k < len(colls) && colls[k] != "" {
				def := "default"
				if keys[k] != 0 {
					def = in.attcoll[table][keys[k]]
				}
				if colls[k] != def {
					p.Collation = colls[k]
				}
			}
			ix.Parts = append(ix.Parts, p)
		}
		in.indexOf[oid] = &indexInfo{ix: ix, table: table, backs: backs}
		return nil
	})
}

func (in *inspector) views(ctx context.Context) error {
	type view struct {
		v    *schema.View
		deps []string
	}
	var vs []*view
	err := in.query(ctx, "views", nsCTE+`
SELECT c.relname, c.relkind::text, pg_get_viewdef(c.oid, true), coalesce(array_to_json(c.reloptions), '[]'),
  coalesce((SELECT json_agg(DISTINCT r.relname) FROM pg_rewrite rw
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
    JOIN pg_class r ON r.oid = d.refobjid AND r.relkind IN ('v', 'm')
    WHERE rw.ev_class = c.oid AND r.oid <> c.oid AND r.relnamespace = c.relnamespace), '[]')
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('v', 'm') AND `+notExtension+`
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var name, kind, def string
		var optJSON, depJSON []byte
		if err := rows.Scan(&name, &kind, &def, &optJSON, &depJSON); err != nil {
			return err
		}
		var opts, deps []string
		if err := json.Unmarshal(optJSON, &opts); err != nil {
			return err
		}
		if err := json.Unmarshal(depJSON, &deps); err != nil {
			return err
		}
		vs = append(vs, &view{v: &schema.View{Name: name, Def: viewDef(name, kind == "m", opts, def)}, deps: deps})
		return nil
	})
	if err != nil {
		return err
	}
	// Views that read other views come after them.
	byName := map[string]*view{}
	for _, v := range vs {
		byName[v.v.Name] = v
	}
	done := map[*view]bool{}
	var visit func(v *view)
	visit = func(v *view) {
		if done[v] {
			return
		}
		done[v] = true
		for _, dep := range v.deps {
			if o, ok := byName[dep]; ok {
				visit(o)
			}
		}
		in.s.Views = append(in.s.Views, v.v)
	}
	for _, v := range vs {
		visit(v)
	}
	return nil
}

// viewDef returns the CREATE statement of a view from its parts.
func viewDef(name string, materialized bool, options []string, body string) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if materialized {
		b.WriteString("MATERIALIZED ")
	}
	b.WriteString("VIEW " + quote(name))
	var check string
	var with []string
	for _, o := range options {
		k, v, _ := strings.Cut(o, "=")
		if k == "check_option" && !materialized {
			check = strings.ToUpper(v)
			continue
		}
		with = append(with, o)
	}
	if len(with) > 0 {
		b.WriteString(" WITH (" + strings.Join(with, ", ") + ")")
	}
	b.WriteString(" AS\n")
	b.WriteString(strings.TrimRight(strings.TrimSpace(body), ";"))
	if check != "" {
		b.WriteString("\n  WITH " + check + " CHECK OPTION")
	}
	return b.String()
}

func (in *inspector) enums(ctx context.Context) error {
	return in.query(ctx, "enums", nsCTE+`
SELECT t.typname, json_agg(e.enumlabel ORDER BY e.enumsortorder)
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typnamespace = (SELECT oid FROM ns)
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
GROUP BY t.typname
ORDER BY t.typname`, []any{in.schema}, func(rows *sql.Rows) error {
		e := &schema.Enum{}
		var vals []byte
		if err := rows.Scan(&e.Name, &vals); err != nil {
			return err
		}
		if err := json.Unmarshal(vals, &e.Values); err != nil {
			return err
		}
		in.s.Enums = append(in.s.Enums, e)
		return nil
	})
}

func (in *inspector) sequences(ctx context.Context) error {
	return in.query(ctx, "sequences", nsCTE+`
SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
WHERE c.relnamespace = (SELECT oid FROM ns)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('i', 'e'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass
      AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
      AND pg_get_expr(ad.adbin, ad.adrelid) = 'nextval(' || quote_literal(c.oid::regclass::text) || '::regclass)')
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		q := &schema.Sequence{}
		if err := rows.Scan(&q.Name, &q.Type, &q.Start, &q.Increment, &q.Min, &q.Max, &q.Cache, &q.Cycle); err != nil {
			return err
		}
		in.s.Sequences = append(in.s.Sequences, q)
		return nil
	})
}

// finish attaches the index details of UNIQUE constraints and the plain
// indexes to their tables, and sorts what the queries did not.
func (in *inspector) finish() *schema.Schema {
	for _, u := range in.uniques {
		if info, ok := in.indexOf[u.index]; ok {
			u.ix.Include = info.ix.Include
			u.ix.NullsNotDistinct = info.ix.NullsNotDistinct
		}
	}
	var plain []*indexInfo
	for _, info := range in.indexOf {
		if !info.backs {
			plain = append(plain, info)
		}
	}
	sort.Slice(plain, func(i, j int) bool { return plain[i].ix.Name < plain[j].ix.Name })
	for _, info := range plain {
		t := in.byOID[info.table]
		t.Indexes = append(t.Indexes, info.ix)
	}
	for _, t := range in.s.Tables {
		sort.SliceStable(t.Indexes, func(i, j int) bool {
			if t.Indexes[i].Constraint != t.Indexes[j].Constraint {
				return t.Indexes[i].Constraint
			}
			return t.Indexes[i].Name < t.Indexes[j].Name
		})
	}
	return in.s
}
