package dialecttest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/schema"
)

// TestStoredSchemaRoundTrip: what EncodeSchema writes, DecodeSchema reads
// back with the case rules (which the model's own JSON leaves out) set on
// the schema and its tables, and the rename hints restored.
func TestStoredSchemaRoundTrip(t *testing.T) {
	s := &schema.Schema{
		Tables: []*schema.Table{{
			Name:        "Users",
			Columns:     []*schema.Column{{Name: "id", Type: "int", NotNull: true}, {Name: "team_id", Type: "int"}},
			PrimaryKey:  &schema.PrimaryKey{Columns: []string{"id"}},
			ForeignKeys: []*schema.ForeignKey{{Name: "fk", Columns: []string{"team_id"}, RefTable: "teams", RefColumns: []string{"id"}, OnDelete: schema.Cascade}},
		}},
		Renames: []schema.Rename{{Kind: schema.RenameTable, Table: "Users", From: "people", To: "Users", File: "to.sql", Line: 3}},
	}
	rules := schema.CaseRules{Tables: schema.FoldExact, Columns: schema.FoldUnicode}
	s.SetCase(rules)
	doc, err := dialecttest.EncodeSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := dialecttest.EncodeSchema(s); again != doc {
		t.Errorf("encoding twice gives two texts")
	}
	if !strings.Contains(doc, `"Tables": "exact"`) || !strings.Contains(doc, `"on_delete": "CASCADE"`) {
		t.Errorf("the stored form does not name the fold or the action:\n%s", doc)
	}
	back, err := dialecttest.DecodeSchema(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, back, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("decoded schema differs (-want +got):\n%s", d)
	}
	if _, ok := back.Table("users"); ok {
		t.Error("the decoded schema compares table names ignoring case; the stored rules say exact")
	}
	if back.Tables[0].Case != rules {
		t.Errorf("the tables' case rules are %+v, want %+v", back.Tables[0].Case, rules)
	}
}

// TestDecodeSchemaRefuses: a document with a field the model does not
// have, a fold it does not know, or no schema is an error, not a schema
// read in part.
func TestDecodeSchemaRefuses(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"unknown field", `{"case": {}, "schema": {"tables": [], "colour": 1}}`, "colour"},
		{"unknown fold", `{"case": {"Tables": "sideways"}, "schema": {"tables": []}}`, "sideways"},
		{"no schema", `{"case": {}}`, `no "schema"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dialecttest.DecodeSchema(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeSchema gives %v, want an error naming %q", err, tt.want)
			}
		})
	}
}
