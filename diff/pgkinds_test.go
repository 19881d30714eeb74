package diff_test

import (
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
