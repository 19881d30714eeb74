package postgres_test

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// unmanagedFixture holds one object of (nearly) every kind the inspector
// does not model, besides tables and kinds it does (domain, composite
// type, exclusion constraint, unlogged table).
const unmanagedFixture = `
CREATE TABLE notes (id int PRIMARY KEY, body text, during tsrange);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE PROCEDURE noop() LANGUAGE sql AS $$SELECT 1$$;
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON notes USING (id > 0);
COMMENT ON FUNCTION touch() IS 'stamps';
COMMENT ON TRIGGER notes_touch ON notes IS 'stamps notes';
COMMENT ON POLICY mine ON notes IS 'positive ids';
CREATE RULE quiet AS ON DELETE TO notes DO INSTEAD NOTHING;
CREATE TABLE rooms (id int, during tsrange, EXCLUDE USING gist (during WITH &&));
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b int);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE FUNCTION same(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1 = $2$$;
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = same);
CREATE TEXT SEARCH CONFIGURATION english2 (COPY = english);
CREATE STATISTICS notes_stats ON id, body FROM notes;
CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM notes;
CREATE UNLOGGED TABLE cache (k text PRIMARY KEY);
CREATE TABLE base (id int);
CREATE TABLE child (x int) INHERITS (base);
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER elsewhere FOREIGN DATA WRAPPER dummy;
CREATE FOREIGN TABLE remote (id int) SERVER elsewhere;
CREATE SCHEMA audit;
CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER ddl_watch ON ddl_command_start EXECUTE FUNCTION on_ddl();
CREATE PUBLICATION everything FOR ALL TABLES;
CREATE FUNCTION pair_text(pair) RETURNS text LANGUAGE sql AS $$SELECT $1.a::text$$;
CREATE CAST (pair AS text) WITH FUNCTION pair_text(pair);
SELECT lo_create(4242);
`

// The kinds the inspector does not model are listed with their counts and
// names, so that inspect, diff, check and apply can say so; diff never
// plans anything for them.
func TestUnmanagedKindsAreListed(t *testing.T) {
	db, _, d := newDB(t)
	load(t, db, "fixture.sql", unmanagedFixture)
	s := inspect(t, d, db)
	want := []string{
		"cast: 1 (pair AS text)",
		"collation: 1 (nocase)",
		"event trigger: 1 (ddl_watch)",
		"foreign data wrapper: 1 (dummy)",
		"foreign server: 1 (elsewhere)",
		"foreign table: 1 (remote)",
		"inheriting table: 1 (child)",
		"large object: 1 (4242)",
		"operator: 1 (===(integer, integer))",
		"publication: 1 (everything)",
		"range type: 1 (floatrange)",
		"rule: 1 (quiet on notes)",
		"schema: 1 (audit)",
		"statistics object: 1 (notes_stats)",
		"text search configuration: 1 (english2)",
	}
	got := strings.Split(schema.DescribeUnmanaged(s.Unmanaged), "; ")
	var missing []string
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		t.Errorf("unmanaged lacks:\n  %s\ngot:\n  %s", strings.Join(missing, "\n  "), strings.Join(got, "\n  "))
	}
	// The kinds that are modelled (kinds_inspect.go) are not listed, and
	// are in the schema instead.
	for _, g := range got {
		for _, kind := range []string{"composite type:", "domain:", "exclusion constraint:", "unlogged table:", "extension:", "comment on"} {
			if strings.HasPrefix(g, kind) {
				t.Errorf("modelled kind listed as unmanaged: %s", g)
			}
		}
	}
	_, domain := s.Domain("posint")
	_, composite := s.Composite("pair")
	rooms, _ := s.Table("rooms")
	cache, _ := s.Table("cache")
	if !domain || !composite || rooms == nil || len(rooms.Exclusions) != 1 || cache == nil || !cache.Unlogged {
		t.Errorf("modelled kinds missing from the schema: domain %v, composite %v, rooms %+v, cache %+v", domain, composite, rooms, cache)
	}
	// Comments on routines, triggers and policies are in the model.
	var touch, trigger, policy string
	for _, r := range s.Routines {
		if r.Name == "touch" {
			touch = r.Comment
		}
	}
	for _, tr := range s.Triggers {
		if tr.Name == "notes_touch" {
			trigger = tr.Comment
		}
	}
	if notes, _ := s.Table("notes"); notes != nil && len(notes.Policies) == 1 {
		policy = notes.Policies[0].Comment
	}
	if touch != "stamps" || trigger != "stamps notes" || policy != "positive ids" {
		t.Errorf("comments: routine %q, trigger %q, policy %q; want stamps, stamps notes, positive ids", touch, trigger, policy)
	}
	// Nothing unmanaged is dropped by a diff to a schema without it.
	empty := &schema.Schema{Tables: []*schema.Table{}}
	empty.SetCase(schema.ExactCase)
	for _, c := range diff.Compare(s, empty) {
		if line := strings.Join(diff.Describe([]diff.Change{c}), ""); strings.Contains(line, "remote") {
			t.Errorf("diff plans %s", line)
		}
	}
}
