package schema

import (
	"fmt"
	"slices"
	"strings"
)

// MaxUnmanagedNames is how many names of one kind Unmanaged keeps; Count
// still counts them all.
const MaxUnmanagedNames = 100

// Unmanaged is one kind of object that the inspected database holds and
// retort does not manage: it neither creates, alters nor drops them, and
// cannot compare them. Engines fill Schema.Unmanaged as they inspect
// (SQLite: virtual tables; MySQL: sequences, subpartitioned and
// system-versioned tables, ignored indexes; PostgreSQL: the kinds its
// inspector does not model yet).
type Unmanaged struct {
	// Kind names the kind in the singular, e.g. "foreign table".
	Kind string `json:"kind"`
	// Count is the number of objects of the kind.
	Count int `json:"count"`
	// Names lists up to MaxUnmanagedNames of them, the first in sort order.
	// An object on a table is named "name on table".
	Names []string `json:"names"`
}

// AddUnmanaged records objects of kind that the inspection leaves out.
// Schema.Unmanaged stays sorted by kind.
func (s *Schema) AddUnmanaged(kind string, names ...string) {
	if len(names) == 0 {
		return
	}
	i, found := slices.BinarySearchFunc(s.Unmanaged, kind, func(u Unmanaged, k string) int { return strings.Compare(u.Kind, k) })
	if !found {
		s.Unmanaged = slices.Insert(s.Unmanaged, i, Unmanaged{Kind: kind, Names: []string{}})
	}
	u := &s.Unmanaged[i]
	u.Count += len(names)
	u.Names = append(u.Names, names...)
	slices.Sort(u.Names)
	if len(u.Names) > MaxUnmanagedNames {
		u.Names = u.Names[:MaxUnmanagedNames:MaxUnmanagedNames]
	}
}

// UnmanagedCount returns the number of unmanaged objects.
func (s *Schema) UnmanagedCount() int {
	n := 0
	for _, u := range s.Unmanaged {
		n += u.Count
	}
	return n
}

// MissingUnmanaged returns the unmanaged objects of want that have lacks
// (same kind and name), i.e. those that making have equal to want would
// leave out, sorted by kind. A kind whose names were cut off at
// MaxUnmanagedNames is compared by count.
func MissingUnmanaged(have, want *Schema) []Unmanaged {
	if want == nil {
		return nil
	}
	var out []Unmanaged
	for _, w := range want.Unmanaged {
		var h Unmanaged
		if have != nil {
			for _, x := range have.Unmanaged {
				if x.Kind == w.Kind {
					h = x
				}
			}
		}
		m := Unmanaged{Kind: w.Kind, Names: []string{}}
		for _, n := range w.Names {
			if !slices.Contains(h.Names, n) {
				m.Names = append(m.Names, n)
			}
		}
		m.Count = len(m.Names)
		if w.Count > len(w.Names) && w.Count > h.Count {
			m.Count = max(m.Count, w.Count-h.Count)
		}
		if m.Count > 0 {
			out = append(out, m)
		}
	}
	return out
}

// DescribeUnmanaged renders kinds and counts on one line, with up to ten
// names each: `foreign table: 2 (a, b); rule: 1 (r on t)`.
func DescribeUnmanaged(us []Unmanaged) string {
	parts := make([]string, len(us))
	for i, u := range us {
		names := u.Names
		more := ""
		if len(names) > 10 {
			names = names[:10]
		}
		if u.Count > len(names) {
			more = fmt.Sprintf(", … %d more", u.Count-len(names))
		}
		parts[i] = fmt.Sprintf("%s: %d (%s%s)", u.Kind, u.Count, strings.Join(names, ", "), more)
	}
	return strings.Join(parts, "; ")
}
