package postgres

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

func TestObjectName(t *testing.T) {
	long := strings.Repeat("a", 76)
	tests := []struct {
		name                string
		name1, name2, label string
		want                string
	}{
		{"short", "notes", "author_id", "fkey", "notes_author_id_fkey"},
		{"no second part", "users", "", "pkey", "users_pkey"},
		{"table cut first", strings.Repeat("a", 71), "", "pkey", strings.Repeat("a", 58) + "_pkey"},
		// As PostgreSQL named it (see testdata/plan/long_names.txtar).
		{"both cut", "another_table_with_a_rather_long_name_that_goes_on", "reference_to_the_table_with_the_rather_long_name", "fkey",
			"another_table_with_a_rather_l_reference_to_the_table_with__fkey"},
		{"longer part loses", long, "id", "fkey", strings.Repeat("a", 55) + "_id_fkey"},
		{"multibyte kept whole", strings.Repeat("é", 40), "", "pkey", strings.Repeat("é", 29) + "_pkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := objectName(tt.name1, tt.name2, tt.label)
			if got != tt.want {
				t.Errorf("objectName = %q (%d bytes), want %q", got, len(got), tt.want)
			}
			if len(got) > MaxIdentLen {
				t.Errorf("%d bytes, more than %d", len(got), MaxIdentLen)
			}
		})
	}
}

func TestNamedConstraints(t *testing.T) {
	tbl := &schema.Table{
		Name:       "notes",
		Columns:    []*schema.Column{{Name: "id"}, {Name: "author_id"}, {Name: "qty"}},
		PrimaryKey: &schema.PrimaryKey{Columns: []string{"id"}},
		ForeignKeys: []*schema.ForeignKey{
			{Columns: []string{"author_id"}, RefTable: "users", RefColumns: []string{"id"}},
			{Name: strings.Repeat("x", 70), Columns: []string{"id"}, RefTable: "other", RefColumns: []string{"id"}},
		},
		Indexes: []*schema.Index{
			{Unique: true, Constraint: true, Parts: []schema.IndexPart{{Column: "author_id"}}},
			{Parts: []schema.IndexPart{{Expr: "lower(body)"}}},
		},
		Checks: []*schema.Check{{Expr: "qty > 0"}, {Expr: "qty > id"}, {Name: "notes_qty_check", Expr: "qty < 9"}},
	}
	var log bytes.Buffer
	n := namer{d: New(WithLogger(slog.New(slog.NewTextHandler(&log, nil))))}
	got := n.named(tbl)
	want := []string{got.PrimaryKey.Name, got.ForeignKeys[0].Name, got.ForeignKeys[1].Name,
		got.Indexes[0].Name, got.Indexes[1].Name, got.Checks[0].Name, got.Checks[1].Name, got.Checks[2].Name}
	exp := []string{"notes_pkey", "notes_author_id_fkey", strings.Repeat("x", 63),
		"notes_author_id_key", "notes_expr_idx", "notes_qty_check1", "notes_check", "notes_qty_check"}
	for i := range exp {
		if want[i] != exp[i] {
			t.Errorf("name %d = %q, want %q", i, want[i], exp[i])
		}
	}
	if !strings.Contains(log.String(), "truncated") {
		t.Errorf("the cut name was not reported; log:\n%s", log.String())
	}
	if tbl.PrimaryKey.Name != "" || tbl.ForeignKeys[0].Name != "" {
		t.Error("named changed its argument")
	}

	custom := dialect.DefaultNaming()
	custom.ForeignKey = "fk_{table}_{columns}"
	n = namer{d: New(WithNaming(custom))}
	if got := n.named(tbl).ForeignKeys[0].Name; got != "fk_notes_author_id" {
		t.Errorf("custom convention: %q", got)
	}
}

func TestGuard(t *testing.T) {
	g := guard{schema: "retort_scratch_1", others: map[string]bool{"public": true, "billing": true, "Mixed": true}}
	tests := []struct {
		name string
		sql  string
		ok   bool
	}{
		{"plain table", "CREATE TABLE users (id integer PRIMARY KEY)", true},
		{"column qualified by alias", "CREATE VIEW v AS SELECT u.id FROM users u", true},
		{"timeout", "SET LOCAL lock_timeout = '5s'", true},
		{"function bodies unchecked", "SET LOCAL check_function_bodies = off", true},
		{"function bodies unchecked (SQL())", "SET check_function_bodies = false", true},
		{"catalog", "SELECT pg_catalog.now()", true},
		{"other schema", "CREATE TABLE billing.accounts (id integer)", false},
		{"public function", "SELECT public.evil()", false},
		{"quoted schema", `DROP TABLE "Mixed".t`, false},
		{"case folded", "INSERT INTO PUBLIC.users VALUES (1)", false},
		{"create schema", "CREATE SCHEMA x", false},
		{"search_path", "SET search_path = public", false},
		{"set_config", "SELECT set_config('search_path', 'public', false)", false},
		{"dynamic SQL", "DO $$ BEGIN EXECUTE 'DROP TABLE public.users'; END $$", false},
		{"function body", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $f$ DELETE FROM billing.x $f$", false},
		{"grant", "GRANT ALL ON users TO bob", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.check(tt.sql)
			if (err == nil) != tt.ok {
				t.Errorf("check(%q) = %v, want ok %v", tt.sql, err, tt.ok)
			}
		})
	}
}
