package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/schema"
)

// TestCompareIndexUniqueness: an index that becomes UNIQUE, or stops
// being UNIQUE, under the same name and columns is redefined (dropped and
// added), in both directions.
func TestCompareIndexUniqueness(t *testing.T) {
	plain := index("t_a", "a")
	uniq := &schema.Index{Name: "t_a", Unique: true, Parts: []schema.IndexPart{{Column: "a"}}}
	want := []string{"modify table t", "  drop index t_a", "  add index t_a"}
	for _, tt := range []struct {
		name     string
		from, to *schema.Index
	}{
		{"index becomes unique", plain, uniq},
		{"unique index becomes plain", uniq, plain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Compare(schemaOf(table("t", col("a", "INT"), tt.from)), schemaOf(table("t", col("a", "INT"), tt.to))))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("changes differ (-want +got):\n%s", d)
			}
		})
	}
}
