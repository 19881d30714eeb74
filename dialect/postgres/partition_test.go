package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// TestPartitionKeyChangeRefused: a change of partitioning cannot be made
// in place; Plan refuses it with the table and both keys, and plans
// nothing.
func TestPartitionKeyChangeRefused(t *testing.T) {
	table := func(by string) *schema.Schema {
		return &schema.Schema{Tables: []*schema.Table{{Name: "m", PartitionBy: by,
			Columns: []*schema.Column{{Name: "at", Type: "date", NotNull: true}}}}}
	}
	for _, tt := range []struct {
		name     string
		from, to string
	}{
		{"key changes", "RANGE (at)", "LIST (at)"},
		{"plain table becomes partitioned", "", "RANGE (at)"},
		{"partitioned table becomes plain", "RANGE (at)", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, to := table(tt.from), table(tt.to)
			p, err := postgres.New().Plan(context.Background(), from, to, diff.Compare(from, to))
			var pe *postgres.PartitionKeyError
			if !errors.As(err, &pe) {
				t.Fatalf("Plan = %v, %v; want a *PartitionKeyError", p, err)
			}
			if pe.Table != "m" || pe.From != tt.from || pe.To != tt.to {
				t.Errorf("error = %+v", pe)
			}
		})
	}
}
