package dialect

import (
	"strconv"
	"strings"

	"github.com/retortdb/retort/diff"
)

// Narrower is implemented by engines that tell a column type change that
// may change stored values (a narrowing: a shorter string, a smaller
// integer, a lower precision or scale, another type family, a SQLite
// affinity that converts values) from one that keeps every value as it is
// (a widening). A narrowing is destructive: Apply refuses it without
// leave, the plan marks its statement "-- retort: destructive", and the
// engine's plan counts the rows whose value would not survive before
// anything changes, and fails naming a few of them.
type Narrower interface {
	// Narrows reports whether c, a change of mt, changes the column's
	// type so that some value may not survive unchanged.
	Narrows(mt *diff.ModifyTable, c *diff.ModifyColumn) bool
}

// Narrowed returns the column changes of changes whose type change d
// reports as narrowing, with their tables; none when d is not a Narrower.
func Narrowed(d Dialect, changes []diff.Change) (out []NarrowedColumn) {
	n, ok := d.(Narrower)
	if !ok {
		return nil
	}
	for _, c := range changes {
		mt, ok := c.(*diff.ModifyTable)
		if !ok {
			continue
		}
		for _, tc := range mt.Changes {
			if mc, ok := tc.(*diff.ModifyColumn); ok && mc.What&diff.ChangeType != 0 && n.Narrows(mt, mc) {
				out = append(out, NarrowedColumn{Table: mt, Column: mc})
			}
		}
	}
	return out
}

// NarrowedColumn is a column whose type change narrows it.
type NarrowedColumn struct {
	Table  *diff.ModifyTable
	Column *diff.ModifyColumn
}

// Destructive returns one line per change that loses or may lose data:
// the tables and columns dropped (diff.Destructive), and the columns whose
// type d reports as narrowing ("narrow column users.name varchar(200) →
// varchar(10)").
func Destructive(d Dialect, changes []diff.Change) []string {
	out := diff.Destructive(changes)
	for _, n := range Narrowed(d, changes) {
		out = append(out, "narrow column "+n.Table.To.Name+"."+n.Column.To.Name+" "+n.Column.From.Type+" → "+n.Column.To.Type)
	}
	return out
}

// TypeName is a column type split into its parts: "numeric(10,2)" is
// Base "numeric", Args ["10", "2"]; "timestamp(3) without time zone" is
// Base "timestamp", Args ["3"], Rest "without time zone";
// "enum('a','b')" keeps its quoted values as Args. Base and Rest are lower
// case; quoted arguments keep theirs.
type TypeName struct {
	Base string
	Args []string
	Rest string
}

// ParseType splits a column type as an engine reports it.
func ParseType(typ string) TypeName {
	typ = strings.TrimSpace(typ)
	open := strings.IndexByte(typ, '(')
	if open < 0 {
		return TypeName{Base: strings.Join(strings.Fields(strings.ToLower(typ)), " ")}
	}
	t := TypeName{Base: strings.Join(strings.Fields(strings.ToLower(typ[:open])), " ")}
	var cur strings.Builder
	quoted := false
	i := open + 1
	for ; i < len(typ); i++ {
		ch := typ[i]
		switch {
		case quoted && ch == '\'' && i+1 < len(typ) && typ[i+1] == '\'':
			cur.WriteString("''")
			i++
			continue
		case ch == '\'':
			quoted = !quoted
		case !quoted && ch == ',':
			t.Args = append(t.Args, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		case !quoted && ch == ')':
			t.Args = append(t.Args, strings.TrimSpace(cur.String()))
			t.Rest = strings.Join(strings.Fields(strings.ToLower(typ[i+1:])), " ")
			return t
		}
		cur.WriteByte(ch)
	}
	return TypeName{Base: strings.ToLower(typ)} // unbalanced: keep it whole
}

// Arg returns argument i as a number, or def when there is none or it is
// not a number.
func (t TypeName) Arg(i, def int) int {
	if i >= len(t.Args) {
		return def
	}
	n, err := strconv.Atoi(t.Args[i])
	if err != nil {
		return def
	}
	return n
}
