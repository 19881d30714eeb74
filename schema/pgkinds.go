package schema

// Extension is a PostgreSQL extension installed in the database
// (CREATE EXTENSION). Schema is the schema its objects live in, "" for
// the inspected schema; a desired extension in "" accepts any schema. Version is the installed version when it is not
// the one the server installs by default (CREATE EXTENSION … VERSION
// asked for it), "" otherwise: a desired schema that names no version
// wants whatever version is installed.
type Extension struct {
	Name    string `json:"name"`
	Schema  string `json:"schema,omitempty"`
	Version string `json:"version,omitempty"`
}

// Domain is a PostgreSQL domain: a base type with a default, NOT NULL and
// named checks.
type Domain struct {
	Schema    string   `json:"schema,omitempty"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Collation string   `json:"collation,omitempty"`
	Default   string   `json:"default,omitempty"`
	NotNull   bool     `json:"not_null,omitempty"`
	Checks    []*Check `json:"checks,omitempty"`
	Comment   string   `json:"comment,omitempty"`
}

// Composite is a PostgreSQL composite type (CREATE TYPE … AS (…)): its
// attributes in order, each with a name, a type and a collation.
type Composite struct {
	Schema     string    `json:"schema,omitempty"`
	Name       string    `json:"name"`
	Attributes []*Column `json:"attributes"`
	Comment    string    `json:"comment,omitempty"`
}

// Exclusion is a PostgreSQL exclusion constraint. Def is the constraint
// as the server deparses it (pg_get_constraintdef: EXCLUDE USING gist
// (room WITH =, during WITH &&) …, with its deferral).
type Exclusion struct {
	Name    string `json:"name"`
	Def     string `json:"def"`
	Comment string `json:"comment,omitempty"`
}

// Extension returns the extension named name.
func (s *Schema) Extension(name string) (*Extension, bool) {
	for _, e := range s.Extensions {
		if e.Name == name {
			return e, true
		}
	}
	return nil, false
}

// Domain returns the domain named name.
func (s *Schema) Domain(name string) (*Domain, bool) {
	for _, d := range s.Domains {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// Composite returns the composite type named name.
func (s *Schema) Composite(name string) (*Composite, bool) {
	for _, c := range s.Composites {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}
