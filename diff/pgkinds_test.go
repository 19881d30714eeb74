package diff_test

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// TestExtensionVersionOnlyIfAsked: an extension's version is a change only
// when the desired schema asks for one (Version set).
func TestExtensionVersionOnlyIfAsked(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to schema.Extension
		want     int
	}{
		{"same", schema.Extension{Name: "hstore"}, schema.Extension{Name: "hstore"}, 0},
		{"live pinned, desired default", schema.Extension{Name: "hstore", Version: "1.4"}, schema.Extension{Name: "hstore"}, 0},
		{"desired pinned", schema.Extension{Name: "hstore"}, schema.Extension{Name: "hstore", Version: "1.6"}, 1},
		{"both pinned, differ", schema.Extension{Name: "hstore", Version: "1.4"}, schema.Extension{Name: "hstore", Version: "1.6"}, 1},
		{"moved", schema.Extension{Name: "hstore"}, schema.Extension{Name: "hstore", Schema: "ext"}, 1},
		{"live elsewhere, desired anywhere", schema.Extension{Name: "hstore", Schema: "public"}, schema.Extension{Name: "hstore"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := &schema.Schema{Extensions: []*schema.Extension{&tc.from}}
			to := &schema.Schema{Extensions: []*schema.Extension{&tc.to}}
			got := diff.Compare(from, to)
			if len(got) != tc.want {
				t.Fatalf("got %d changes (%v), want %d", len(got), diff.Describe(got), tc.want)
			}
			if tc.want == 1 {
				if _, ok := got[0].(*diff.ModifyExtension); !ok {
					t.Fatalf("got %T, want *diff.ModifyExtension", got[0])
				}
			}
		})
	}
}

// TestPGKindsCompare: the PostgreSQL kinds the differ used to skip are
// changes, each described by name.
func TestPGKindsCompare(t *testing.T) {
	one := 1
	table := func(mod func(*schema.Table)) *schema.Schema {
		tb := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "c", Type: "integer", Identity: "ALWAYS"}}}
		if mod != nil {
			mod(tb)
		}
		return &schema.Schema{Tables: []*schema.Table{tb}, Case: schema.ExactCase}
	}
	for _, tc := range []struct {
		name     string
		from, to *schema.Schema
		want     string
	}{
		{"domain added", &schema.Schema{}, &schema.Schema{Domains: []*schema.Domain{{Name: "d", Type: "text"}}}, "domain d: new (text)"},
		{"domain check", &schema.Schema{Domains: []*schema.Domain{{Name: "d", Type: "text"}}},
			&schema.Schema{Domains: []*schema.Domain{{Name: "d", Type: "text", Checks: []*schema.Check{{Name: "k", Expr: "VALUE <> ''"}}}}}, "domain d: changed"},
		{"composite attribute", &schema.Schema{Composites: []*schema.Composite{{Name: "p", Attributes: []*schema.Column{{Name: "x", Type: "integer"}}}}},
			&schema.Schema{Composites: []*schema.Composite{{Name: "p", Attributes: []*schema.Column{{Name: "x", Type: "bigint"}}}}}, "type p: composite attributes changed"},
		{"unlogged", table(nil), table(func(t *schema.Table) { t.Unlogged = true }), "t: table options changed (unlogged false → true)"},
		{"exclusion", table(nil), table(func(t *schema.Table) {
			t.Exclusions = []*schema.Exclusion{{Name: "x", Def: "EXCLUDE USING gist (c WITH =)"}}
		}), "t: exclusion constraint x added"},
		{"deferrable pk", table(func(t *schema.Table) { t.PrimaryKey = &schema.PrimaryKey{Name: "pk", Columns: []string{"c"}} }),
			table(func(t *schema.Table) {
				t.PrimaryKey = &schema.PrimaryKey{Name: "pk", Columns: []string{"c"}, Deferrable: true}
			}), "t: primary key (c) NOT DEFERRABLE → DEFERRABLE"},
		{"identity options", table(nil), table(func(t *schema.Table) {
			t.Columns[0].IdentityOptions = &schema.Sequence{Type: "integer", Start: 100, Increment: 1, Min: 1, Max: 2147483647, Cache: 1}
		}), "t: column c identity sequence options changed"},
		{"storage and statistics", table(nil), table(func(t *schema.Table) {
			t.Columns[0].Storage, t.Columns[0].Statistics = "MAIN", &one
		}), "t: column c storage default → MAIN, statistics default → 1"},
		{"check comment", table(func(t *schema.Table) { t.Checks = []*schema.Check{{Name: "k", Expr: "c > 0"}} }),
			table(func(t *schema.Table) { t.Checks = []*schema.Check{{Name: "k", Expr: "c > 0", Comment: "positive"}} }),
			"t: comment on constraint k changed"},
		{"view comment", &schema.Schema{Views: []*schema.View{{Name: "v", Def: "CREATE VIEW v AS SELECT 1"}}},
			&schema.Schema{Views: []*schema.View{{Name: "v", Def: "CREATE VIEW v AS SELECT 1", Comment: "one"}}}, "comment on view v changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(diff.Describe(diff.Compare(tc.from, tc.to)), "\n")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if back := diff.Compare(tc.to, tc.from); len(back) == 0 {
				t.Errorf("no change back")
			}
		})
	}
}

// TestViewCommentOfRecreatedView: a view recreated because a view it
// reads is redefined gets its new comment with its CREATE; a separate
// COMMENT ON would run while the view is dropped.
func TestViewCommentOfRecreatedView(t *testing.T) {
	from := &schema.Schema{Case: schema.ExactCase, Views: []*schema.View{
		{Name: "a", Def: "CREATE VIEW a AS SELECT 1 AS x"},
		{Name: "b", Def: "CREATE VIEW b AS SELECT x FROM a"},
	}}
	to := &schema.Schema{Case: schema.ExactCase, Views: []*schema.View{
		{Name: "a", Def: "CREATE VIEW a AS SELECT 2 AS x"},
		{Name: "b", Def: "CREATE VIEW b AS SELECT x FROM a", Comment: "reads a"},
	}}
	for _, c := range diff.Compare(from, to) {
		if sc, ok := c.(*diff.SetComment); ok {
			t.Errorf("SetComment %+v for a view that is recreated", sc)
		}
	}
}
