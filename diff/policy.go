package diff

import (
	"slices"

	"github.com/retortdb/retort/schema"
)

// policyChanges returns the row-level security changes of a table that
// exists on both sides: the switches, then the policies that go away or
// change (dropped), then those that are new or changed (created).
func policyChanges(from, to *schema.Table, r schema.CaseRules) []Change {
	var out []Change
	if from.RowSecurity != to.RowSecurity || from.ForceRowSecurity != to.ForceRowSecurity {
		out = append(out, &ModifyRowSecurity{From: from, To: to})
	}
	for _, p := range from.Policies {
		if other, ok := findPolicy(to.Policies, p.Name, r.Constraints); !ok || !samePolicy(p, other) {
			out = append(out, &DropPolicy{P: p})
		}
	}
	for _, p := range to.Policies {
		if old, ok := findPolicy(from.Policies, p.Name, r.Constraints); !ok || !samePolicy(p, old) {
			out = append(out, &AddPolicy{P: p})
		}
	}
	return out
}

func findPolicy(ps []*schema.Policy, name string, f schema.Fold) (*schema.Policy, bool) {
	return find(ps, func(p *schema.Policy) string { return p.Name }, name, f)
}

// samePolicy reports whether two policies of the same name are defined
// alike (their expressions compared as SQL text, spacing aside).
func samePolicy(a, b *schema.Policy) bool {
	return a.Restrictive == b.Restrictive && a.Command == b.Command && slices.Equal(a.Roles, b.Roles) &&
		sameSQL(a.Using, b.Using) && sameSQL(a.Check, b.Check)
}
