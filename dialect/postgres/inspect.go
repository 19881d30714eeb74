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
// current_schema(), or the one set by WithSchema) with twelve catalog
// queries, whatever the number of tables: tables, columns, constraints,
// indexes, views, enums, sequences, routines (functions, procedures and
// aggregates), triggers, row-level security, one for the schema itself,
// three for extensions, domains, composite types, table options and
// comments (kinds_inspect.go), and one that counts the objects of the
// kinds it does not model (Schema.Unmanaged, see unmanagedSources).
//
// Objects of the inspected schema are reported unqualified (Table.Schema
// and ForeignKey.RefSchema are ""); a foreign key to another schema keeps
// that schema's name. With WithSchemas, each named schema is read and
// every object is qualified (see inspectSchemas). Everything is reported
// as PostgreSQL deparses it
// (format_type, pg_get_expr, pg_get_viewdef), so inspecting twice, or
// inspecting a schema loaded from the same SQL into a scratch database,
// gives equal results. Serial columns are reported with the type serial,
// bigserial or smallserial and no default when their sequence is exactly
// what serial makes (serialType); identity columns with Identity set;
// other sequences, owned by a column or not, on their own. Partitioned
// tables are reported with PartitionBy, partitions with PartitionOf and
// PartitionBound and only what they do not inherit; materialized views
// with their indexes. Extensions, domains, composite types, exclusion
// constraints, UNLOGGED, column options and comments take three more
// queries (kinds_inspect.go). Tables and types that belong to an
// extension are left out (the extension is reported); the kinds of
// unmanagedSources are listed in Schema.Unmanaged.
func (d *Dialect) Inspect(ctx context.Context, q dialect.Querier) (*schema.Schema, error) {
	if len(d.schemas) > 1 {
		return d.inspectSchemas(ctx, q)
	}
	in := &inspector{q: q}
	if err := in.meta(ctx, d.schema); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{in.tables, in.columns, in.constraints, in.indexes, in.views, in.enums, in.sequences,
		in.routines, in.triggers, in.policies, in.extensions, in.pgTypes, in.unmanaged}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	s := in.finish()
	if err := in.extras(ctx); err != nil {
		return nil, err
	}
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
	attname map[int64]map[int]string  // table oid → attnum → name
	attcoll map[int64]map[int]string  // table oid → attnum → collation name
	indexOf map[int64]*indexInfo      // index oid → index (constraint-backed ones too)
	viewIdx map[int64][]*schema.Index // materialized view oid → its indexes
	parts   map[int64]bool            // partitions (their columns are their parent's)
	keys    []*keyRef

	// With several managed schemas (inspectSchemas): their names, and
	// whether this inspector reads one after the first.
	managed  []string
	notFirst bool
}

type indexInfo struct {
	ix    *schema.Index
	table int64
	backs bool
}

// keyRef is a PRIMARY KEY or UNIQUE constraint and the index behind it.
type keyRef struct {
	pk    *schema.PrimaryKey
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
	in.viewIdx = map[int64][]*schema.Index{}
	in.parts = map[int64]bool{}
	in.keys = nil
}

// notExtension is a condition on a pg_class row c: it does not belong to
// an extension.
const notExtension = `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`

// nsCTE starts every query: ns is the inspected schema, named by $1.
const nsCTE = `WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1) `

func (in *inspector) tables(ctx context.Context) error {
	return in.query(ctx, "tables", nsCTE+`
SELECT c.oid, c.relname, coalesce(ds.description, ''),
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '' END,
  coalesce(p.relname, ''), CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) ELSE '' END
FROM pg_class c
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
  AND `+notExtension+`
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var oid int64
		t := &schema.Table{}
		if err := rows.Scan(&oid, &t.Name, &t.Comment, &t.PartitionBy, &t.PartitionOf, &t.PartitionBound); err != nil {
			return err
		}
		in.byOID[oid] = t
		in.parts[oid] = t.PartitionOf != ""
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
  coalesce(ds.description, ''), c.relkind::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			oid                 int64
			num                 int
			identity, generated string
			coll                string
			collDiffers         bool
			kind                string
			c                   = &schema.Column{}
		)
		if err := rows.Scan(&oid, &num, &c.Name, &c.Type, &c.NotNull, &c.Default, &identity, &generated,
			&coll, &collDiffers, &c.Comment, &kind); err != nil {
			return err
		}
		if kind == "m" || in.parts[oid] { // its indexes and constraints name its columns
			if in.attname[oid] == nil {
				in.attname[oid], in.attcoll[oid] = map[int]string{}, map[int]string{}
			}
			in.attname[oid][num], in.attcoll[oid][num] = c.Name, coll
			return nil
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
  co.conindid, co.connoinherit, co.conparentid <> 0, co.coninhcount > 0
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
			noInherit, cloned, inherited    bool
		)
		if err := rows.Scan(&oid, &name, &typ, &keyJSON, &refSchema, &refTable, &refJSON, &del, &upd, &match,
			&deferrable, &deferred, &validated, &expr, &indid, &noInherit, &cloned, &inherited); err != nil {
			return err
		}
		t, ok := in.byOID[oid]
		// A constraint cloned from a parent's (a partition's copy of its
		// parent's keys, or the per-partition rows of a foreign key to a
		// partitioned table), or a check a partition inherits, is its
		// parent's.
		if !ok || cloned || (inherited && in.parts[oid]) {
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
			t.PrimaryKey = &schema.PrimaryKey{Name: name, Columns: cols, Deferrable: deferrable, InitiallyDeferred: deferred}
			in.keys = append(in.keys, &keyRef{pk: t.PrimaryKey, index: indid})
		case "u":
			ix := &schema.Index{Name: name, Unique: true, Constraint: true, Deferrable: deferrable, InitiallyDeferred: deferred}
			for _, c := range cols {
				ix.Parts = append(ix.Parts, schema.IndexPart{Column: c})
			}
			t.Indexes = append(t.Indexes, ix)
			in.keys = append(in.keys, &keyRef{ix: ix, index: indid})
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
			t.Checks = append(t.Checks, &schema.Check{Name: name, Expr: expr, NoInherit: noInherit, NotValid: !validated})
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
  `+nnd+`,
  coalesce(array_to_json(ic.reloptions), '[]'), c.relkind::text,
  c.relispartition AND EXISTS (SELECT 1 FROM pg_inherits x WHERE x.inhrelid = i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid
  AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x')) AS backs) b
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'm')
  AND (i.indisvalid OR c.relkind = 'p') -- an INVALID index (a failed CREATE INDEX CONCURRENTLY) is not there: the plan builds it again
ORDER BY i.indrelid, ic.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			table, oid                                  int64
			method, pred                                string
			nkey                                        int
			keyJSON, optJSON, defJSON, opcJSON, colJSON []byte
			backs                                       bool
			relOptJSON                                  []byte
			kind                                        string
			inherited                                   bool
			ix                                          = &schema.Index{}
		)
		if err := rows.Scan(&table, &oid, &ix.Name, &ix.Unique, &method, &nkey, &keyJSON, &optJSON, &defJSON,
			&opcJSON, &colJSON, &pred, &backs, &ix.NullsNotDistinct, &relOptJSON, &kind, &inherited); err != nil {
			return err
		}
		if inherited { // a partition's index attached to its parent's
			return nil
		}
		if _, ok := in.byOID[table]; !ok && kind != "m" {
			return nil
		}
		var keys, opts []int
		var defs, opcs, colls []string
		for _, u := range []struct {
			b []byte
			v any
		}{{keyJSON, &keys}, {optJSON, &opts}, {defJSON, &defs}, {opcJSON, &opcs}, {colJSON, &colls}, {relOptJSON, &ix.StorageParams}} {
			if err := json.Unmarshal(u.b, u.v); err != nil {
				return err
			}
		}
		sort.Strings(ix.StorageParams) // the catalog keeps them in the order they were set
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
		if kind == "m" {
			in.viewIdx[table] = append(in.viewIdx[table], ix)
			return nil
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
SELECT c.oid, c.relname, c.relkind::text, pg_get_viewdef(c.oid, true), coalesce(array_to_json(c.reloptions), '[]'),
  coalesce((SELECT json_agg(DISTINCT r.relname) FROM pg_rewrite rw
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
    JOIN pg_class r ON r.oid = d.refobjid AND r.relkind IN ('v', 'm')
    WHERE rw.ev_class = c.oid AND r.oid <> c.oid AND r.relnamespace = c.relnamespace), '[]')
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('v', 'm') AND `+notExtension+`
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		var oid int64
		var name, kind, def string
		var optJSON, depJSON []byte
		if err := rows.Scan(&oid, &name, &kind, &def, &optJSON, &depJSON); err != nil {
			return err
		}
		var opts, deps []string
		if err := json.Unmarshal(optJSON, &opts); err != nil {
			return err
		}
		if err := json.Unmarshal(depJSON, &deps); err != nil {
			return err
		}
		vs = append(vs, &view{v: &schema.View{Name: name, Def: viewDef(name, kind == "m", opts, def),
			Indexes: in.viewIdx[oid]}, deps: deps})
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

// sequences reads the sequences that are not an identity column's, with
// the column that owns them (OWNED BY). A sequence exactly as serial
// makes it is folded into its column, which becomes serial (see
// serialType); any other is reported as a sequence of its own.
func (in *inspector) sequences(ctx context.Context) error {
	return in.query(ctx, "sequences", nsCTE+`
SELECT c.relname, c.oid::regclass::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
  s.seqcache, s.seqcycle, coalesce(d.refobjid, 0), coalesce(d.refobjsubid, 0), coalesce(d.deptype::text, '')
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
  AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
WHERE c.relnamespace = (SELECT oid FROM ns)
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e')
ORDER BY c.relname`, []any{in.schema}, func(rows *sql.Rows) error {
		q := &schema.Sequence{}
		var regclass, deptype string
		var owner int64
		var ownerCol int
		if err := rows.Scan(&q.Name, &regclass, &q.Type, &q.Start, &q.Increment, &q.Min, &q.Max, &q.Cache, &q.Cycle,
			&owner, &ownerCol, &deptype); err != nil {
			return err
		}
		if deptype == "i" { // an identity column's: part of the column
			if t, ok := in.byOID[owner]; ok {
				if c, ok := t.Column(in.attname[owner][ownerCol]); ok && !defaultIdentity(c, q) {
					q.Name = ""
					c.IdentityOptions = q
				}
			}
			return nil
		}
		if t, ok := in.byOID[owner]; ok {
			if c, ok := t.Column(in.attname[owner][ownerCol]); ok {
				if serial := serialType(t, c, q, regclass); serial != "" {
					c.Type, c.Default = serial, ""
					return nil
				}
				q.OwnerTable, q.OwnerColumn = t.Name, c.Name
			}
		}
		in.s.Sequences = append(in.s.Sequences, q)
		return nil
	})
}

// intMax is the largest value of each integer type.
var intMax = map[string]int64{"smallint": 1<<15 - 1, "integer": 1<<31 - 1, "bigint": 1<<63 - 1}

// defaultIdentity reports whether q, the sequence of identity column c,
// has the options GENERATED … AS IDENTITY gives it.
func defaultIdentity(c *schema.Column, q *schema.Sequence) bool {
	return q.Type == c.Type && q.Start == 1 && q.Increment == 1 && q.Min == 1 && q.Max == intMax[c.Type] &&
		q.Cache == 1 && !q.Cycle
}

// serialType returns the serial type (serial, bigserial, smallserial)
// that column c of table t is, owning sequence q (named regclass in SQL):
// "" unless q is exactly what the serial type makes: named
// <table>_<column>_seq, of the column's type, with the default options,
// and taken by the column's default.
func serialType(t *schema.Table, c *schema.Column, q *schema.Sequence, regclass string) string {
	serial, ok := map[string]string{"smallint": "smallserial", "integer": "serial", "bigint": "bigserial"}[c.Type]
	if !ok || q.Type != c.Type || c.Identity != "" || c.Generated != nil ||
		q.Name != objectName(t.Name, c.Name, "seq") ||
		q.Start != 1 || q.Increment != 1 || q.Min != 1 || q.Max != intMax[c.Type] || q.Cache != 1 || q.Cycle ||
		c.Default != "nextval("+literal(regclass)+"::regclass)" {
		return ""
	}
	return serial
}

// finish attaches the index details of UNIQUE constraints and the plain
// indexes to their tables, and sorts what the queries did not.
func (in *inspector) finish() *schema.Schema {
	for _, k := range in.keys {
		info, ok := in.indexOf[k.index]
		if !ok {
			continue
		}
		if k.pk != nil {
			k.pk.Include = info.ix.Include
			k.pk.StorageParams = info.ix.StorageParams
			continue
		}
		k.ix.Include = info.ix.Include
		k.ix.NullsNotDistinct = info.ix.NullsNotDistinct
		k.ix.StorageParams = info.ix.StorageParams
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
