package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// inspectSchemas is Inspect when several schemas are managed
// (WithSchemas): the connection must work in the first; each schema that
// exists is read with the same catalog queries as one schema, and the
// results are merged, every object qualified by its schema (Table.Schema,
// ForeignKey.RefSchema, View.Schema, Enum.Schema, Sequence.Schema,
// Domain.Schema, Composite.Schema), and Schema.Schemas lists the managed
// schemas that exist, in the configured order. Extensions and the objects
// of the whole database that retort does not manage are read with the
// first schema; the unmanaged objects of each schema are merged, those of
// the others named schema.name.
func (d *Dialect) inspectSchemas(ctx context.Context, q dialect.Querier) (*schema.Schema, error) {
	first := &inspector{q: q}
	if err := first.meta(ctx, d.schemas[0]); err != nil {
		return nil, err
	}
	names, err := json.Marshal(d.schemas)
	if err != nil {
		return nil, err
	}
	out := &schema.Schema{Name: d.schemas[0], Schemas: []string{}}
	err = first.query(ctx, "schemas", `
SELECT x.n FROM json_array_elements_text($1::json) WITH ORDINALITY AS x(n, i)
WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = x.n)
ORDER BY x.i`, []any{string(names)}, func(rows *sql.Rows) error {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		out.Schemas = append(out.Schemas, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, name := range out.Schemas {
		in := &inspector{q: q, version: first.version, managed: d.schemas, notFirst: i > 0}
		in.reset(name)
		steps := []func(context.Context) error{in.tables, in.columns, in.constraints, in.indexes, in.views, in.enums, in.sequences,
			in.routines, in.triggers, in.policies, in.pgTypes, in.unmanaged}
		if i == 0 { // extensions are the database's: read once
			steps = append(steps, in.extensions)
		}
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return nil, fmt.Errorf("%w (schema %s)", err, name)
			}
		}
		s := in.finish()
		if err := in.extras(ctx); err != nil {
			return nil, fmt.Errorf("%w (schema %s)", err, name)
		}
		for _, dm := range s.Domains {
			dm.Schema = name
		}
		for _, c := range s.Composites {
			c.Schema = name
		}
		// Functions, triggers and row-level security are not yet
		// qualified by schema when several are managed: they are read,
		// so that none is missed, and reported as not managed.
		unqualified(out, s, name)
		out.Extensions = append(out.Extensions, s.Extensions...)
		out.Domains = append(out.Domains, s.Domains...)
		out.Composites = append(out.Composites, s.Composites...)
		mergeUnmanaged(out, s.Unmanaged, name, i == 0)
		for _, t := range s.Tables {
			t.Schema = name
			for _, fk := range t.ForeignKeys {
				if fk.RefSchema == "" {
					fk.RefSchema = name
				}
			}
		}
		for _, v := range s.Views {
			v.Schema = name
			// The statement names the view in its schema.
			v.Def = strings.Replace(v.Def, "VIEW "+quote(v.Name), "VIEW "+quote(qkey(name, v.Name)), 1)
		}
		for _, e := range s.Enums {
			e.Schema = name
		}
		for _, q := range s.Sequences {
			q.Schema = name
		}
		out.Tables = append(out.Tables, s.Tables...)
		out.Views = append(out.Views, s.Views...)
		out.Enums = append(out.Enums, s.Enums...)
		out.Sequences = append(out.Sequences, s.Sequences...)
	}
	if err := first.orderViews(ctx, out, string(names)); err != nil {
		return nil, err
	}
	out.SetCase(schema.ExactCase)
	return out, nil
}

// unqualified moves the routines, triggers, policies and row-level
// security settings of s, one managed schema (name) of several, to out's
// unmanaged objects, named schema.name: several-schema mode does not
// manage them yet, and they must not go unseen.
func unqualified(out, s *schema.Schema, name string) {
	q := func(n string) string { return name + "." + n }
	for _, r := range s.Routines {
		out.AddUnmanaged(strings.ToLower(r.Kind)+" (several schemas)", q(r.Name+"("+r.Args+")"))
	}
	for _, tr := range s.Triggers {
		out.AddUnmanaged("trigger (several schemas)", tr.Name+" on "+q(tr.Table))
	}
	for _, t := range s.Tables {
		for _, p := range t.Policies {
			out.AddUnmanaged("policy (several schemas)", p.Name+" on "+q(t.Name))
		}
		if t.RowSecurity || t.ForceRowSecurity {
			out.AddUnmanaged("table with row-level security (several schemas)", q(t.Name))
		}
		t.Policies, t.RowSecurity, t.ForceRowSecurity = nil, false, false
	}
	s.Routines, s.Triggers = nil, nil
}

// mergeUnmanaged adds to s the objects one managed schema (name) does not
// manage: those of a schema after the first are named schema.name (the
// first's are unqualified, as everywhere); the objects of the whole
// database are counted with the first only.
func mergeUnmanaged(s *schema.Schema, us []schema.Unmanaged, name string, first bool) {
	for _, u := range us {
		names := u.Names
		if !first {
			names = make([]string, len(u.Names))
			for i, n := range u.Names {
				names[i] = name + "." + n
			}
		}
		i, found := slices.BinarySearchFunc(s.Unmanaged, u.Kind, func(x schema.Unmanaged, k string) int { return strings.Compare(x.Kind, k) })
		if !found {
			s.Unmanaged = slices.Insert(s.Unmanaged, i, schema.Unmanaged{Kind: u.Kind, Names: []string{}})
		}
		m := &s.Unmanaged[i]
		m.Count += u.Count
		m.Names = append(m.Names, names...)
		slices.Sort(m.Names)
		if len(m.Names) > schema.MaxUnmanagedNames {
			m.Names = m.Names[:schema.MaxUnmanagedNames:schema.MaxUnmanagedNames]
		}
	}
}

// orderViews puts the views of s after the views they read in other
// managed schemas too (each schema's list is in that order already), with
// one more catalog query.
func (in *inspector) orderViews(ctx context.Context, s *schema.Schema, names string) error {
	deps := map[string][]string{}
	err := in.query(ctx, "view dependencies", `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname IN (SELECT json_array_elements_text($1::json)))
SELECT DISTINCT vn.nspname, v.relname, rn.nspname, r.relname
FROM pg_rewrite rw
JOIN pg_class v ON v.oid = rw.ev_class AND v.relkind IN ('v', 'm')
JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
JOIN pg_class r ON r.oid = d.refobjid AND r.relkind IN ('v', 'm') AND r.oid <> v.oid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE v.relnamespace IN (SELECT oid FROM ns) AND r.relnamespace IN (SELECT oid FROM ns)
  AND r.relnamespace <> v.relnamespace
ORDER BY 1, 2, 3, 4`, []any{names}, func(rows *sql.Rows) error {
		var vs, vn, rs, rn string
		if err := rows.Scan(&vs, &vn, &rs, &rn); err != nil {
			return err
		}
		deps[qkey(vs, vn)] = append(deps[qkey(vs, vn)], qkey(rs, rn))
		return nil
	})
	if err != nil || len(deps) == 0 {
		return err
	}
	byKey := map[string]*schema.View{}
	for _, v := range s.Views {
		byKey[vkey(v)] = v
	}
	// Within a schema a view follows the views it reads; across schemas
	// it must also follow those, and what they read, recursively.
	sameSchema := map[string][]string{}
	for i, v := range s.Views {
		for _, o := range s.Views[:i] {
			if o.Schema == v.Schema {
				sameSchema[vkey(v)] = append(sameSchema[vkey(v)], vkey(o))
			}
		}
	}
	done := map[string]bool{}
	var ordered []*schema.View
	var visit func(k string)
	visit = func(k string) {
		v, ok := byKey[k]
		if !ok || done[k] {
			return
		}
		done[k] = true
		for _, d := range deps[k] {
			visit(d)
		}
		for _, d := range sameSchema[k] {
			visit(d)
		}
		ordered = append(ordered, v)
	}
	for _, v := range s.Views {
		visit(vkey(v))
	}
	s.Views = ordered
	return nil
}

// managed reports whether sch is one of the schemas the plan manages
// besides the first (several schemas are managed and sch is named).
func (p *planner) managed(sch string) bool {
	if sch == "" {
		return false
	}
	for _, s := range [][]string{p.to.Schemas, p.from.Schemas, p.d.schemas} {
		for _, n := range s {
			if n == sch {
				return true
			}
		}
	}
	return false
}

// refKey returns the planner key of the table fk references: qualified
// when it is in a managed schema, else its bare name (a table outside the
// managed schemas keeps RefSchema and is never created by the plan).
func (p *planner) refKey(fk *schema.ForeignKey) string {
	if p.managed(fk.RefSchema) {
		return qkey(fk.RefSchema, fk.RefTable)
	}
	return fk.RefTable
}

// external reports whether fk references a table outside the managed
// schemas: the plan neither creates nor drops it.
func (p *planner) external(fk *schema.ForeignKey) bool {
	return fk.RefSchema != "" && !p.managed(fk.RefSchema)
}

// tkey returns the planner key of table t.
func tkey(t *schema.Table) string { return qkey(t.Schema, t.Name) }

// splitKey returns the schema ("" for none) and the name of a planner key.
func splitKey(key string) (sch, name string) {
	if s, n, ok := strings.Cut(key, "\x00"); ok {
		return s, n
	}
	return "", key
}

// bareName returns the name of a planner key without its schema.
func bareName(key string) string {
	_, n := splitKey(key)
	return n
}

// fromTable returns the table of the current schema whose planner key is
// key.
func (p *planner) fromTable(key string) (*schema.Table, bool) {
	for _, t := range p.from.Tables {
		if tkey(t) == key {
			return t, true
		}
	}
	return nil, false
}

// fromSequence returns the sequence named name of the current schema, in
// schema sch when several are managed ("" otherwise), matched exactly.
func (p *planner) fromSequence(sch, name string) (*schema.Sequence, bool) {
	for _, q := range p.from.Sequences {
		if q.Schema == sch && q.Name == name {
			return q, true
		}
	}
	return nil, false
}

// toTable returns the table of the desired schema whose planner key is
// key.
func (p *planner) toTable(key string) (*schema.Table, bool) {
	if !strings.Contains(key, "\x00") {
		return p.to.Table(key)
	}
	for _, t := range p.to.Tables {
		if tkey(t) == key {
			return t, true
		}
	}
	return nil, false
}

// vkey returns the planner key of view v.
func vkey(v *schema.View) string { return qkey(v.Schema, v.Name) }

// typeName returns the name of enum (or other type) e for typeIs: its bare name in the
// schema the connection works in (format_type prints it so), else its
// planner key, which typeIs matches against schema.name.
func (p *planner) typeName(e *schema.Enum) string {
	if e.Schema == "" || e.Schema == p.d.schema {
		return e.Name
	}
	return qkey(e.Schema, e.Name)
}
