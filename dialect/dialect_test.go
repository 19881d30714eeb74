package dialect_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// envelopeOnly is a Dialect whose only behaviour is its envelope.
type envelopeOnly struct{}

func (envelopeOnly) Name() string { return "fake" }
func (envelopeOnly) Inspect(context.Context, dialect.Querier) (*schema.Schema, error) {
	return nil, nil
}
func (envelopeOnly) Plan(context.Context, *schema.Schema, *schema.Schema, []diff.Change) (*dialect.Plan, error) {
	return nil, nil
}
func (envelopeOnly) Quote(s string) string { return `"` + s + `"` }
func (envelopeOnly) Transact(context.Context, *sql.Conn, func(context.Context, dialect.Querier) error) error {
	return nil
}
func (envelopeOnly) Envelope() (before, after []string) { return []string{"BEGIN"}, []string{"COMMIT"} }

func TestFormatEnveloped(t *testing.T) {
	tests := []struct {
		name  string
		steps []dialect.Step
		want  string
	}{
		{name: "empty", want: ""},
		{name: "one segment", steps: []dialect.Step{{SQL: "A"}, {SQL: "B", Destructive: true}},
			want: "BEGIN;\nA;\n-- retort: destructive\nB;\nCOMMIT;\n"},
		{name: "commit splits", steps: []dialect.Step{{SQL: "A", Commit: true}, {SQL: "B", Comment: "why"}},
			want: "BEGIN;\nA;\nCOMMIT;\nBEGIN;\n-- why\nB;\nCOMMIT;\n"},
		{name: "no transaction step", steps: []dialect.Step{{SQL: "A"}, {SQL: "CREATE INDEX CONCURRENTLY i", NoTx: true}, {SQL: "B"}},
			want: "BEGIN;\nA;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i;\nBEGIN;\nB;\nCOMMIT;\n"},
		{name: "trailing line comment", steps: []dialect.Step{{SQL: "CREATE VIEW v AS SELECT 1 -- one"}},
			want: "BEGIN;\nCREATE VIEW v AS SELECT 1 -- one\n;\nCOMMIT;\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dialect.FormatEnveloped(envelopeOnly{}, &dialect.Plan{Steps: tt.steps})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("FormatEnveloped (-want +got):\n%s", d)
			}
		})
	}
}
