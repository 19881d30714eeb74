package sqlite

import "github.com/retortdb/retort/schema"

// fold is the key of a name under SQLite's case rule, which holds for
// every kind of name: ASCII letters compared ignoring case, all else
// exactly (docs/case-rules.md). It is the zero schema.CaseRules.
func fold(name string) string { return schema.FoldASCII.Key(name) }

// sameName reports whether SQLite takes a and b for the same name.
func sameName(a, b string) bool { return schema.FoldASCII.Equal(a, b) }
