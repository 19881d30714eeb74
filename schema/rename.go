package schema

import "fmt"

// RenameKind is the kind of object a rename hint names.
type RenameKind uint8

// Kinds of renamed objects.
const (
	RenameTable RenameKind = iota + 1
	RenameColumn
	RenameIndex
	RenameConstraint
)

func (k RenameKind) String() string {
	switch k {
	case RenameTable:
		return "table"
	case RenameColumn:
		return "column"
	case RenameIndex:
		return "index"
	case RenameConstraint:
		return "constraint"
	}
	return "object"
}

// Rename is a rename hint of a desired schema: a comment
// "-- retort:renamed-from old" (or sqldef's "-- @renamed from=old") on the
// line that defines an object says the object was called From before.
// With Not set ("-- retort:not-renamed-from old") it says the opposite:
// the object is new and From really goes away.
type Rename struct {
	Kind RenameKind
	// Table is the table the object belongs to, by its name in the desired
	// schema; for RenameTable it is To.
	Table string
	// From is the old name, To the name in the desired schema.
	From, To string
	Not      bool
	// File and Line locate the hint.
	File string
	Line int
}

// Pos returns "file:line" of the hint.
func (r Rename) Pos() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// Object names the renamed object: "table t", "column t.c", "index i on t".
func (r Rename) Object(name string) string {
	switch r.Kind {
	case RenameTable:
		return "table " + name
	case RenameColumn:
		return "column " + r.Table + "." + name
	}
	return r.Kind.String() + " " + name + " on " + r.Table
}
