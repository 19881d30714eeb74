package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// TestInspectRoutinesTriggersPolicies checks what the inspector reports
// for functions, procedures, aggregates, triggers and row-level security,
// and that the functions and aggregates of an extension are left out (the
// extension makes them).
func TestInspectRoutinesTriggersPolicies(t *testing.T) {
	db, _, d := newDB(t)
	load(t, db, "schema.sql", `
CREATE EXTENSION intagg;
CREATE EXTENSION moddatetime;
CREATE FUNCTION "Twice"(x integer, VARIADIC more integer[] DEFAULT '{}') RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE FUNCTION twice(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT x || x $$;
CREATE PROCEDURE p(INOUT n integer) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;
CREATE AGGREGATE cat(text) (SFUNC = textcat, STYPE = text);
CREATE TABLE t (id integer PRIMARY KEY, at timestamptz, owner text);
CREATE TRIGGER t_at BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION moddatetime(at);
ALTER TABLE t ENABLE ALWAYS TRIGGER t_at;
ALTER TABLE t FORCE ROW LEVEL SECURITY;
CREATE POLICY "Mine" ON t AS RESTRICTIVE FOR DELETE TO pg_write_all_data, pg_read_all_data USING (owner = current_user);
CREATE TABLE plain (id integer);
CREATE TABLE "Odd Name" (id integer);
CREATE TRIGGER "Odd Trigger" AFTER DELETE ON "Odd Name" FOR EACH STATEMENT EXECUTE FUNCTION moddatetime(at);
`)
	s := inspect(t, d, db)
	type routine struct{ Kind, Name, Args string }
	var got []routine
	for _, r := range s.Routines {
		got = append(got, routine{r.Kind, r.Name, r.Args})
	}
	want := []routine{
		{schema.Function, "Twice", "integer, integer[]"},
		{schema.Function, "twice", "text"},
		{schema.Procedure, "p", "integer"},
		{schema.Aggregate, "cat", "text"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routines (-want +got):\n%s", diff)
	}
	if len(s.Routines) == 4 {
		if def := s.Routines[0].Def; def[:len(`CREATE OR REPLACE FUNCTION "Twice"(`)] != `CREATE OR REPLACE FUNCTION "Twice"(` {
			t.Errorf("function definition not unqualified: %s", def)
		}
		if def, want := s.Routines[3].Def, "CREATE OR REPLACE AGGREGATE cat(text) (\n    SFUNC = textcat,\n    STYPE = text\n)"; def != want {
			t.Errorf("aggregate definition:\n%s\nwant:\n%s", def, want)
		}
	}
	wantTriggers := []*schema.Trigger{
		{Name: "Odd Trigger", Table: "Odd Name",
			Def: `CREATE TRIGGER "Odd Trigger" AFTER DELETE ON "Odd Name" FOR EACH STATEMENT EXECUTE FUNCTION moddatetime('at')`},
		{Name: "t_at", Table: "t", State: "ENABLE ALWAYS",
			Def: "CREATE TRIGGER t_at BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION moddatetime('at')"}}
	if diff := cmp.Diff(wantTriggers, s.Triggers); diff != "" {
		t.Errorf("triggers (-want +got):\n%s", diff)
	}
	tbl, _ := s.Table("t")
	if !tbl.ForceRowSecurity || tbl.RowSecurity {
		t.Errorf("t: row security %v, forced %v; want false, true", tbl.RowSecurity, tbl.ForceRowSecurity)
	}
	wantPolicies := []*schema.Policy{{Name: "Mine", Restrictive: true, Command: "DELETE",
		Roles: []string{"pg_read_all_data", "pg_write_all_data"}, Using: "(owner = CURRENT_USER)"}}
	if diff := cmp.Diff(wantPolicies, tbl.Policies); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	if plain, _ := s.Table("plain"); plain.RowSecurity || plain.ForceRowSecurity || plain.Policies != nil {
		t.Errorf("plain: row-level security reported: %+v", plain)
	}
}

// TestRoutinesOnRowTypes: a function whose signature names a table's or a
// view's row type (Pagila's RETURNS SETOF customer) is created after that
// table or view, by a plan from empty and by SQL(); both used to create
// every routine before the tables ("type customer does not exist"). A
// function the table's default calls still comes before the table.
func TestRoutinesOnRowTypes(t *testing.T) {
	db, _, d := newDB(t)
	desired := loadSchema(t, d, "schema.sql", `
CREATE FUNCTION start_value() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 7 $$;
CREATE TABLE "Customer" (id integer DEFAULT start_value(), name text);
CREATE VIEW names AS SELECT name FROM "Customer";
CREATE FUNCTION customers(min integer) RETURNS SETOF "Customer" LANGUAGE sql AS $$ SELECT * FROM "Customer" WHERE id >= min $$;
CREATE FUNCTION first_customer(OUT c "Customer") LANGUAGE sql AS $$ SELECT * FROM "Customer" LIMIT 1 $$;
CREATE FUNCTION is_named(c "Customer"[]) RETURNS boolean LANGUAGE sql AS $$ SELECT c[1].name IS NOT NULL $$;
CREATE FUNCTION all_names() RETURNS TABLE(n names) LANGUAGE sql AS $$ SELECT names FROM names $$;
`)
	p := plan(t, d, inspect(t, d, db), desired)
	if err := dialect.Apply(context.Background(), d, pin(t, db), p); err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p.Format())
	}
	if again := plan(t, d, inspect(t, d, db), desired); !again.Empty() {
		t.Errorf("second plan is not empty:\n%s", again.Format())
	}
	fresh, _, _ := newDB(t)
	load(t, fresh, "SQL()", d.SQL(desired))
	if changes := diff.Compare(inspect(t, d, fresh), desired); len(changes) > 0 {
		t.Errorf("SQL() loads into a different schema:\n%s", describe(changes))
	}
}
