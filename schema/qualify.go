package schema

// QualifiedName returns name as "schema.name" for display, or name alone
// when schema is "" (the single managed schema).
func QualifiedName(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

// QualifiedName returns the table's name, prefixed with its schema when
// it has one (several schemas are managed).
func (t *Table) QualifiedName() string { return QualifiedName(t.Schema, t.Name) }
