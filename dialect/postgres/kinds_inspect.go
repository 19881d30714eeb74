package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/retortdb/retort/schema"
)

// The inspection of extensions, domains, composite types, exclusion
// constraints, UNLOGGED tables, column options (storage,
// statistics) and the comments of constraints, indexes,
// views and types: three queries whatever the number of objects.

// extensions reads the extensions installed in the database (plpgsql, which
// every database has, aside), with their version when it is not the
// server's default for them.
func (in *inspector) extensions(ctx context.Context) error {
	return in.query(ctx, "extensions", `
SELECT e.extname, n.nspname,
  CASE WHEN e.extversion IS DISTINCT FROM a.default_version THEN e.extversion ELSE '' END
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extensions a ON a.name = e.extname
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname`, nil, func(rows *sql.Rows) error {
		e := &schema.Extension{}
		if err := rows.Scan(&e.Name, &e.Schema, &e.Version); err != nil {
			return err
		}
		if e.Schema == in.schema {
			e.Schema = ""
		}
		in.s.Extensions = append(in.s.Extensions, e)
		return nil
	})
}

// pgTypes reads the domains and the composite types of the schema (not
// those of an extension, nor the row types of tables).
func (in *inspector) pgTypes(ctx context.Context) error {
	return in.query(ctx, "domains and composite types", nsCTE+`
SELECT t.typtype::text, t.typname, coalesce(ds.description, ''),
  CASE WHEN t.typtype = 'd' THEN json_build_object(
    'type', format_type(t.typbasetype, t.typtypmod),
    'collation', CASE WHEN t.typcollation <> b.typcollation THEN coalesce(co.collname, '') ELSE '' END,
    'default', coalesce(pg_get_expr(t.typdefaultbin, 0), ''),
    'not_null', t.typnotnull,
    'checks', coalesce((SELECT json_agg(json_build_object('name', k.conname, 'expr', pg_get_expr(k.conbin, 0),
        'comment', coalesce(kd.description, '')) ORDER BY k.conname)
      FROM pg_constraint k
      LEFT JOIN pg_description kd ON kd.objoid = k.oid AND kd.classoid = 'pg_constraint'::regclass
      WHERE k.contypid = t.oid AND k.contype = 'c'), '[]'))
  ELSE json_build_object('attributes', coalesce((SELECT json_agg(json_build_object('name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'collation', CASE WHEN a.attcollation <> at.typcollation THEN coalesce(ac.collname, '') ELSE '' END,
      'comment', coalesce(adc.description, '')) ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
    LEFT JOIN pg_collation ac ON ac.oid = a.attcollation
    LEFT JOIN pg_description adc ON adc.objoid = a.attrelid AND adc.classoid = 'pg_class'::regclass AND adc.objsubid = a.attnum
    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]')) END
FROM pg_type t
LEFT JOIN pg_type b ON b.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0
WHERE t.typnamespace = (SELECT oid FROM ns)
  AND (t.typtype = 'd' OR t.typtype = 'c' AND (SELECT r.relkind FROM pg_class r WHERE r.oid = t.typrelid) = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid AND x.deptype = 'e')
ORDER BY t.typname`, []any{in.schema}, func(rows *sql.Rows) error {
		var kind, name, comment string
		var details []byte
		if err := rows.Scan(&kind, &name, &comment, &details); err != nil {
			return err
		}
		if kind == "d" {
			d := &schema.Domain{Name: name, Comment: comment}
			if err := json.Unmarshal(details, d); err != nil {
				return err
			}
			d.Name, d.Comment = name, comment
			in.s.Domains = append(in.s.Domains, d)
			return nil
		}
		c := &schema.Composite{Name: name, Comment: comment}
		if err := json.Unmarshal(details, c); err != nil {
			return err
		}
		c.Name, c.Comment = name, comment
		in.s.Composites = append(in.s.Composites, c)
		return nil
	})
}

// extras reads, for the tables of the schema: which are UNLOGGED, their
// exclusion constraints, the options of their columns that differ from the
// defaults, and the comments of constraints, indexes and views (and enum
// types, and sequences). The rows come in that order, so that a comment finds its object.
func (in *inspector) extras(ctx context.Context) error {
	return in.query(ctx, "table options and comments", nsCTE+`
SELECT 1, c.oid, c.relname, ''
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r' AND c.relpersistence = 'u'
UNION ALL
SELECT 2, co.conrelid, co.conname, pg_get_constraintdef(co.oid, true)
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
WHERE c.relnamespace = (SELECT oid FROM ns) AND co.contype = 'x' AND co.conparentid = 0
UNION ALL
SELECT 3, a.attrelid, a.attname, json_build_object(
  'storage', CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text ELSE '' END,
  'statistics', CASE WHEN coalesce(a.attstattarget, -1) >= 0 THEN a.attstattarget END)::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.attstorage <> t.typstorage OR coalesce(a.attstattarget, -1) >= 0)
UNION ALL
SELECT 4, co.conrelid, co.conname, ds.description
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_description ds ON ds.objoid = co.oid AND ds.classoid = 'pg_constraint'::regclass
WHERE c.relnamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 5, i.indrelid, ic.relname, ds.description
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_description ds ON ds.objoid = ic.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE ic.relnamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 6, c.oid, c.relname, ds.description
FROM pg_class c JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 7, t.oid, t.typname, ds.description
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid AND e.enumsortorder = (SELECT min(enumsortorder) FROM pg_enum WHERE enumtypid = t.oid)
JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0
WHERE t.typnamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 8, c.oid, c.relname, ds.description
FROM pg_class c JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'S'
UNION ALL
SELECT 9, c.oid, a.attname, json_build_object('view', c.relname, 'comment', ds.description)::text
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('v', 'm')
ORDER BY 1, 2, 3`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			kind       int
			oid        int64
			name, text string
		)
		if err := rows.Scan(&kind, &oid, &name, &text); err != nil {
			return err
		}
		switch kind {
		case 6:
			if v, ok := in.s.View(name); ok {
				v.Comment = text
			}
			return nil
		case 7:
			if e, ok := in.s.Enum(name); ok {
				e.Comment = text
			}
			return nil
		case 8:
			if q, ok := in.s.Sequence(name); ok {
				q.Comment = text
			}
			return nil
		case 9:
			var c struct{ View, Comment string }
			if err := json.Unmarshal([]byte(text), &c); err != nil {
				return err
			}
			if v, ok := in.s.View(c.View); ok {
				if v.ColumnComments == nil {
					v.ColumnComments = map[string]string{}
				}
				v.ColumnComments[name] = c.Comment
			}
			return nil
		}
		t, ok := in.byOID[oid]
		if !ok {
			return nil
		}
		switch kind {
		case 1:
			t.Unlogged = true
		case 2:
			t.Exclusions = append(t.Exclusions, &schema.Exclusion{Name: name, Def: text})
		case 3:
			return in.columnOptions(t, name, text)
		case 4:
			in.constraintComment(t, name, text)
		case 5:
			if ix, ok := t.Index(name); ok && !ix.Constraint {
				ix.Comment = text
			}
		}
		return nil
	})
}

var storageNames = map[string]string{"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}

func (in *inspector) columnOptions(t *schema.Table, name, text string) error {
	c, ok := t.Column(name)
	if !ok {
		return nil
	}
	var o struct {
		Storage    string `json:"storage"`
		Statistics *int   `json:"statistics"`
	}
	if err := json.Unmarshal([]byte(text), &o); err != nil {
		return fmt.Errorf("column %s.%s: %w", t.Name, name, err)
	}
	c.Storage = storageNames[o.Storage]
	c.Statistics = o.Statistics
	return nil
}

// constraintComment attaches the comment of the constraint named name to
// it.
func (in *inspector) constraintComment(t *schema.Table, name, comment string) {
	if pk := t.PrimaryKey; pk != nil && pk.Name == name {
		pk.Comment = comment
		return
	}
	if i := slices.IndexFunc(t.Checks, func(c *schema.Check) bool { return c.Name == name }); i >= 0 {
		t.Checks[i].Comment = comment
		return
	}
	if i := slices.IndexFunc(t.ForeignKeys, func(fk *schema.ForeignKey) bool { return fk.Name == name }); i >= 0 {
		t.ForeignKeys[i].Comment = comment
		return
	}
	if i := slices.IndexFunc(t.Exclusions, func(x *schema.Exclusion) bool { return x.Name == name }); i >= 0 {
		t.Exclusions[i].Comment = comment
		return
	}
	if ix, ok := t.Index(name); ok && ix.Constraint {
		ix.Comment = comment
	}
}
