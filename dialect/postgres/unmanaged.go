package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/retortdb/retort/schema"
)

// unmanagedSource is one kind of object the inspector does not model: a
// query for the names of the objects of that kind (one text column,
// "name"; ns is the inspected schema, as in nsCTE). A kind that becomes
// modelled is deleted from unmanagedSources, nothing else changes.
type unmanagedSource struct {
	kind string
	// names selects the objects' names.
	names string
	// wide marks objects of the whole database rather than of the
	// inspected schema: they are not read in a scratch schema (the
	// fallback when retort may not create databases), where the
	// database is the user's own.
	wide bool
}

// notExt is a condition on row alias.oid of catalog: the object neither
// belongs to an extension (the extension is reported instead) nor is part
// of another object (a range type's constructors and multirange casts).
func notExt(catalog, alias string) string {
	return `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '` + catalog + `'::regclass AND e.objid = ` + alias +
		`.oid AND e.deptype IN ('e', 'i'))`
}

// inNS is a condition on pg_class c: it is in the inspected schema.
const inNS = `c.relnamespace = (SELECT oid FROM ns)`

// firstUserOID is PostgreSQL's FirstNormalObjectId: objects with a lower
// OID were made by initdb.
const firstUserOID = "16384"

// unmanagedSources lists what the inspector leaves out, read in one query
// (unmanagedQuery) whatever the number of kinds.
var unmanagedSources = []unmanagedSource{
	// Partitioned tables and their partitions are modelled (PartitionBy,
	// PartitionOf); a foreign table that is a partition is not.
	{kind: "foreign table partition", names: `SELECT c.relname::text FROM pg_class c WHERE ` + inNS + ` AND c.relkind = 'f' AND c.relispartition`},
	{kind: "foreign table", names: `SELECT c.relname::text FROM pg_class c WHERE ` + inNS + ` AND c.relkind = 'f' AND NOT c.relispartition AND ` + notExtension},
	{kind: "inheriting table", names: `SELECT DISTINCT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE ` + inNS + ` AND NOT c.relispartition`},
	{kind: "rule", names: `SELECT r.rulename || ' on ' || c.relname FROM pg_rewrite r
  JOIN pg_class c ON c.oid = r.ev_class WHERE ` + inNS + ` AND r.rulename <> '_RETURN'`},
	{kind: "window function", names: procNames("w")},
	{kind: "range type", names: typeNames(`t.typtype = 'r'`)},
	{kind: "base type", names: typeNames(`t.typtype = 'b' AND t.typcategory <> 'A'`)},
	{kind: "collation", names: `SELECT x.collname::text FROM pg_collation x WHERE x.collnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_collation", "x")},
	{kind: "conversion", names: `SELECT x.conname::text FROM pg_conversion x WHERE x.connamespace = (SELECT oid FROM ns) AND ` + notExt("pg_conversion", "x")},
	{kind: "operator", names: `SELECT x.oprname || '(' || CASE WHEN x.oprleft = 0 THEN 'NONE' ELSE format_type(x.oprleft, NULL) END || ', ' ||
  format_type(x.oprright, NULL) || ')' FROM pg_operator x WHERE x.oprnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_operator", "x")},
	{kind: "operator class", names: `SELECT x.opcname::text FROM pg_opclass x WHERE x.opcnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_opclass", "x")},
	{kind: "operator family", names: `SELECT x.opfname::text FROM pg_opfamily x WHERE x.opfnamespace = (SELECT oid FROM ns)
  AND NOT EXISTS (SELECT 1 FROM pg_opclass o WHERE o.opcfamily = x.oid) AND ` + notExt("pg_opfamily", "x")},
	{kind: "text search configuration", names: `SELECT x.cfgname::text FROM pg_ts_config x WHERE x.cfgnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_ts_config", "x")},
	{kind: "text search dictionary", names: `SELECT x.dictname::text FROM pg_ts_dict x WHERE x.dictnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_ts_dict", "x")},
	{kind: "text search parser", names: `SELECT x.prsname::text FROM pg_ts_parser x WHERE x.prsnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_ts_parser", "x")},
	{kind: "text search template", names: `SELECT x.tmplname::text FROM pg_ts_template x WHERE x.tmplnamespace = (SELECT oid FROM ns) AND ` + notExt("pg_ts_template", "x")},
	{kind: "statistics object", names: `SELECT x.stxname::text FROM pg_statistic_ext x WHERE x.stxnamespace = (SELECT oid FROM ns)`},

	// Objects of the whole database.
	{kind: "schema", wide: true, names: `SELECT n.nspname::text FROM pg_namespace n
  WHERE n.oid <> (SELECT oid FROM ns) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%' AND n.nspname NOT LIKE '` + strings.ReplaceAll(ScratchPrefix, "_", `\_`) + `%'
    AND ` + notExt("pg_namespace", "n") + `
    AND (n.nspname <> 'public' OR EXISTS (SELECT 1 FROM pg_class r WHERE r.relnamespace = n.oid)
      OR EXISTS (SELECT 1 FROM pg_proc r WHERE r.pronamespace = n.oid) OR EXISTS (SELECT 1 FROM pg_type r WHERE r.typnamespace = n.oid))`},
	{kind: "event trigger", wide: true, names: `SELECT x.evtname::text FROM pg_event_trigger x WHERE ` + notExt("pg_event_trigger", "x")},
	{kind: "publication", wide: true, names: `SELECT x.pubname::text FROM pg_publication x`},
	{kind: "subscription", wide: true, names: `SELECT x.subname::text FROM pg_subscription x
  WHERE x.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`},
	{kind: "cast", wide: true, names: `SELECT format_type(x.castsource, NULL) || ' AS ' || format_type(x.casttarget, NULL) FROM pg_cast x
  WHERE x.oid >= ` + firstUserOID + ` AND ` + notExt("pg_cast", "x")},
	{kind: "language", wide: true, names: `SELECT x.lanname::text FROM pg_language x WHERE x.oid >= ` + firstUserOID + ` AND ` + notExt("pg_language", "x")},
	{kind: "access method", wide: true, names: `SELECT x.amname::text FROM pg_am x WHERE x.oid >= ` + firstUserOID + ` AND ` + notExt("pg_am", "x")},
	{kind: "foreign data wrapper", wide: true, names: `SELECT x.fdwname::text FROM pg_foreign_data_wrapper x WHERE ` + notExt("pg_foreign_data_wrapper", "x")},
	{kind: "foreign server", wide: true, names: `SELECT x.srvname::text FROM pg_foreign_server x WHERE ` + notExt("pg_foreign_server", "x")},
	{kind: "large object", wide: true, names: `SELECT x.oid::text FROM pg_largeobject_metadata x`},
}

// procNames selects the functions of prokind (f, p, a, w) as
// name(argument types).
func procNames(prokind string) string {
	return `SELECT x.proname || '(' || pg_get_function_identity_arguments(x.oid) || ')' FROM pg_proc x
  WHERE x.pronamespace = (SELECT oid FROM ns) AND x.prokind = '` + prokind + `' AND ` + notExt("pg_proc", "x")
}

// typeNames selects the types of the inspected schema that match cond
// (on pg_type t).
func typeNames(cond string) string {
	return `SELECT t.typname::text FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM ns) AND ` + cond + ` AND ` + notExt("pg_type", "t")
}

// unmanagedQuery returns the one query that counts the objects of every
// kind of sources, with the first names of each (sorted).
//
// managed names the schemas retort manages when there are several: the
// "schema" kind leaves them out.
func unmanagedQuery(sources []unmanagedSource, wide bool, managed []string) string {
	var b strings.Builder
	b.WriteString(nsCTE + "\nSELECT kind, count(*), array_to_json((array_agg(name ORDER BY name COLLATE \"C\"))[1:" +
		strconv.Itoa(schema.MaxUnmanagedNames) + "])\nFROM (")
	n := 0
	for _, s := range sources {
		if s.wide && !wide {
			continue
		}
		if n > 0 {
			b.WriteString("\n  UNION ALL")
		}
		n++
		names := s.names
		if s.kind == "schema" && len(managed) > 0 {
			lits := make([]string, len(managed))
			for i, m := range managed {
				lits[i] = literal(m)
			}
			names += "\n    AND n.nspname NOT IN (" + strings.Join(lits, ", ") + ")"
		}
		b.WriteString("\n  SELECT " + literal(s.kind) + " AS kind, u.name FROM (" + names + ") AS u(name)")
	}
	b.WriteString("\n) AS all_kinds\nGROUP BY kind\nORDER BY kind COLLATE \"C\"")
	return b.String()
}

// unmanaged fills Schema.Unmanaged with one query. In a scratch schema
// (retort_scratch_…) the database is the user's, so only objects of the
// schema are counted; with several managed schemas (in.managed), the
// objects of the whole database are counted with the first only.
func (in *inspector) unmanaged(ctx context.Context) error {
	wide := !strings.HasPrefix(in.schema, ScratchPrefix) && !in.notFirst
	return in.query(ctx, "objects not managed", unmanagedQuery(unmanagedSources, wide, in.managed), []any{in.schema}, func(rows *sql.Rows) error {
		var kind string
		var count int
		var namesJSON []byte
		if err := rows.Scan(&kind, &count, &namesJSON); err != nil {
			return err
		}
		var names []string
		if err := json.Unmarshal(namesJSON, &names); err != nil {
			return err
		}
		in.s.Unmanaged = append(in.s.Unmanaged, schema.Unmanaged{Kind: kind, Count: count, Names: names})
		return nil
	})
}
