package schema

import (
	"fmt"
	"strings"
)

// Fold is how an engine compares the names of one kind of object. The case
// rules of each engine are written down in docs/case-rules.md.
type Fold uint8

const (
	// FoldASCII compares names ignoring the case of ASCII letters only
	// (SQLite). It is the zero value.
	FoldASCII Fold = iota
	// FoldExact compares names byte for byte (PostgreSQL; MySQL table,
	// view and trigger names when lower_case_table_names is 0).
	FoldExact
	// FoldUnicode compares names ignoring case by Unicode simple case
	// folding (MySQL column, index and constraint names).
	FoldUnicode
)

var foldNames = [...]string{FoldASCII: "ascii", FoldExact: "exact", FoldUnicode: "unicode"}

// String returns "ascii", "exact" or "unicode".
func (f Fold) String() string {
	if int(f) < len(foldNames) {
		return foldNames[f]
	}
	return fmt.Sprintf("Fold(%d)", uint8(f))
}

// MarshalText implements encoding.TextMarshaler: the fold's String, so
// that stored schemas (JSON) name the rule instead of its number.
func (f Fold) MarshalText() ([]byte, error) {
	if int(f) >= len(foldNames) {
		return nil, fmt.Errorf("schema: unknown fold %d", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// MarshalText writes and nothing else.
func (f *Fold) UnmarshalText(b []byte) error {
	for i, n := range foldNames {
		if n == string(b) {
			*f = Fold(i)
			return nil
		}
	}
	return fmt.Errorf("schema: unknown fold %q (want ascii, exact or unicode)", b)
}

// Key returns the form of name under which names equal by f are equal:
// the name itself, or its case-folded form.
func (f Fold) Key(name string) string {
	switch f {
	case FoldExact:
		return name
	case FoldUnicode:
		return strings.ToLower(name)
	}
	return asciiLower(name)
}

// Equal reports whether the names a and b name the same object under f.
func (f Fold) Equal(a, b string) bool {
	switch f {
	case FoldExact:
		return a == b
	case FoldUnicode:
		return strings.EqualFold(a, b)
	}
	return len(a) == len(b) && asciiLower(a) == asciiLower(b)
}

// EqualAll reports whether two name lists are equal name by name under f.
func (f Fold) EqualAll(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !f.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// CaseRules gives an engine's Fold for each kind of name. The zero value is
// SQLite's rules: every name ASCII case-insensitive.
type CaseRules struct {
	// Tables covers table and view names (one namespace), and the table a
	// foreign key references.
	Tables Fold
	// Triggers covers trigger names.
	Triggers Fold
	// Columns covers column names, wherever they appear: in keys, indexes
	// and foreign keys too.
	Columns Fold
	// Indexes covers index and UNIQUE constraint names.
	Indexes Fold
	// Constraints covers primary key, foreign key and CHECK constraint
	// names.
	Constraints Fold
	// Routines covers procedure, function, aggregate and event names.
	Routines Fold
}

// ExactCase is the rules of an engine whose names are all case-sensitive
// (PostgreSQL, whose catalog holds names already folded).
var ExactCase = CaseRules{Tables: FoldExact, Triggers: FoldExact, Columns: FoldExact, Indexes: FoldExact, Constraints: FoldExact, Routines: FoldExact}

// SetCase sets the case rules of s and of each of its tables.
func (s *Schema) SetCase(r CaseRules) {
	s.Case = r
	for _, t := range s.Tables {
		t.Case = r
	}
}
