package schema

import (
	"fmt"
	"testing"
)

func TestAddUnmanaged(t *testing.T) {
	s := &Schema{}
	s.AddUnmanaged("rule", "r2 on t", "r1 on t")
	s.AddUnmanaged("foreign table", "ft")
	s.AddUnmanaged("rule")
	if got, want := DescribeUnmanaged(s.Unmanaged), "foreign table: 1 (ft); rule: 2 (r1 on t, r2 on t)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var many []string
	for i := range MaxUnmanagedNames + 5 {
		many = append(many, fmt.Sprintf("lo%03d", i))
	}
	s.AddUnmanaged("large object", many...)
	if u := s.Unmanaged[1]; u.Kind != "large object" || u.Count != MaxUnmanagedNames+5 || len(u.Names) != MaxUnmanagedNames {
		t.Errorf("large objects: kind %s, count %d, %d names", u.Kind, u.Count, len(u.Names))
	}
	if got := s.UnmanagedCount(); got != 3+MaxUnmanagedNames+5 {
		t.Errorf("UnmanagedCount = %d", got)
	}
}

func TestMissingUnmanaged(t *testing.T) {
	with := func(pairs ...string) *Schema {
		s := &Schema{}
		for i := 0; i < len(pairs); i += 2 {
			s.AddUnmanaged(pairs[i], pairs[i+1])
		}
		return s
	}
	tests := []struct {
		name       string
		have, want *Schema
		missing    string
	}{
		{"from empty", &Schema{}, with("sequence", "s1", "sequence", "s2"), "sequence: 2 (s1, s2)"},
		{"nil database schema", nil, with("rule", "r on t"), "rule: 1 (r on t)"},
		{"already there", with("sequence", "s1"), with("sequence", "s1"), ""},
		{"one of two there", with("sequence", "s1"), with("sequence", "s1", "sequence", "s2"), "sequence: 1 (s2)"},
		{"same name, other kind", with("domain", "x"), with("composite type", "x"), "composite type: 1 (x)"},
		{"only the database has some", with("rule", "r on t"), &Schema{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DescribeUnmanaged(MissingUnmanaged(tt.have, tt.want)); got != tt.missing {
				t.Errorf("got %q, want %q", got, tt.missing)
			}
		})
	}
}
