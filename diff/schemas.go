package diff

import (
	"slices"

	"github.com/retortdb/retort/schema"
)

// qualifiedKey returns the key under which an object named name in schema
// sch is matched: name alone in the single managed schema (sch ""), else
// sch and name joined by a NUL byte, which no PostgreSQL name can hold.
func qualifiedKey(sch, name string) string {
	if sch == "" {
		return name
	}
	return sch + "\x00" + name
}

func enumName(e *schema.Enum) string         { return qualifiedKey(e.Schema, e.Name) }
func sequenceName(q *schema.Sequence) string { return qualifiedKey(q.Schema, q.Name) }

// schemaAdds returns a CreateSchema for each managed schema that to has
// and from lacks, in to's order.
func schemaAdds(from, to *schema.Schema) []Change {
	var out []Change
	for _, n := range to.Schemas {
		if !slices.Contains(from.Schemas, n) {
			out = append(out, &AddSchema{Name: n})
		}
	}
	return out
}

// schemaDrops returns a DropSchema for each managed schema that from has
// and to lacks, last first.
func schemaDrops(from, to *schema.Schema) []Change {
	var out []Change
	for _, n := range slices.Backward(from.Schemas) {
		if !slices.Contains(to.Schemas, n) {
			out = append(out, &DropSchema{Name: n})
		}
	}
	return out
}
