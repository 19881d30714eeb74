// Package schema is retort's dialect-neutral model of a relational schema:
// tables with their columns, keys, indexes, foreign keys and checks, plus
// views and triggers. It holds plain data and lookups, no behaviour: engines
// fill it (dialect.Inspect) and the differ compares two of them.
//
// Names are stored unquoted, exactly as the database reports them, and are
// compared by the engine's case rules (CaseRules), which the inspecting
// dialect sets on the schema and its tables.
package schema

import "strings"

// Schema is one database schema (SQLite: the main database).
type Schema struct {
	Name     string     `json:"name,omitempty"`
	Tables   []*Table   `json:"tables"`
	Views    []*View    `json:"views,omitempty"`
	Triggers []*Trigger `json:"triggers,omitempty"`
	// Enums are PostgreSQL enum types (CREATE TYPE … AS ENUM).
	Enums []*Enum `json:"enums,omitempty"`
	// Sequences are PostgreSQL sequences, except those of identity columns
	// and of serial columns (those are part of their column): a sequence
	// owned by a column is one here unless it is exactly what serial
	// makes.
	Sequences []*Sequence `json:"sequences,omitempty"`
	// Extensions, Domains and Composites are PostgreSQL extensions,
	// domains and composite types (schema/pgkinds.go).
	Extensions []*Extension `json:"extensions,omitempty"`
	Domains    []*Domain    `json:"domains,omitempty"`
	Composites []*Composite `json:"composites,omitempty"`
	// Routines are stored procedures and functions, and MySQL events,
	// sorted by kind and name.
	Routines []*Routine `json:"routines,omitempty"`
	// Unmanaged lists, per kind and sorted by kind, the objects the
	// inspected database holds that retort does not manage (see
	// Unmanaged); diff leaves them out, so they are never dropped.
	Unmanaged []Unmanaged `json:"unmanaged,omitempty"`
	// Case is how the engine compares names; the lookups below follow it.
	// Set it with SetCase, which copies it to the tables.
	Case CaseRules `json:"-"`
	// Renames are the rename hints read from the comments of the file
	// this schema was loaded from (see Rename); nil for an inspected
	// database.
	Renames []Rename `json:"-"`
	// Schemas lists the PostgreSQL schemas (namespaces) that exist among
	// those retort was told to manage, when it manages several
	// (WithSchemas). It is nil in the default single-schema mode, where
	// every object's Schema is "". When it is set, every table, view,
	// enum and sequence has its Schema set, and every foreign key its
	// RefSchema.
	Schemas []string `json:"schemas,omitempty"`
}

// Table is a table and everything declared on it.
type Table struct {
	Schema      string        `json:"schema,omitempty"`
	Name        string        `json:"name"`
	Columns     []*Column     `json:"columns"`
	PrimaryKey  *PrimaryKey   `json:"primary_key,omitempty"`
	Indexes     []*Index      `json:"indexes,omitempty"`
	ForeignKeys []*ForeignKey `json:"foreign_keys,omitempty"`
	Checks      []*Check      `json:"checks,omitempty"`
	// Exclusions are PostgreSQL exclusion constraints; Unlogged marks a
	// PostgreSQL UNLOGGED table.
	Exclusions []*Exclusion `json:"exclusions,omitempty"`
	Unlogged   bool         `json:"unlogged,omitempty"`
	// WithoutRowID and Strict are SQLite table options.
	WithoutRowID bool   `json:"without_rowid,omitempty"`
	Strict       bool   `json:"strict,omitempty"`
	Comment      string `json:"comment,omitempty"`
	// Engine, Charset and Collation are MySQL table options; "" means the
	// server's or database's default.
	Engine    string `json:"engine,omitempty"`
	Charset   string `json:"charset,omitempty"`
	Collation string `json:"collation,omitempty"`
	// Partition is the table's partitioning clause as the engine would
	// take it back (MySQL: "PARTITION BY RANGE (`y`) (PARTITION p0 VALUES
	// LESS THAN (2000), …)"), "" for an unpartitioned table.
	Partition string `json:"partition,omitempty"`
	// Case is the engine's case rules, for the lookups of columns and
	// indexes (Schema.SetCase sets it).
	Case CaseRules `json:"-"`
	// RowFormat and KeyBlockSize are the MySQL table options ROW_FORMAT
	// and KEY_BLOCK_SIZE as the table was created with them; "" and 0
	// when not given.
	RowFormat    string `json:"row_format,omitempty"`
	KeyBlockSize int    `json:"key_block_size,omitempty"`
	// PartitionBy is a PostgreSQL partitioned table's key as the server
	// prints it: RANGE (created_at), LIST (region), HASH (id).
	PartitionBy string `json:"partition_by,omitempty"`
	// PartitionOf names the partitioned table this table is a partition
	// of, and PartitionBound its bound (FOR VALUES …, or DEFAULT). A
	// partition has its parent's columns, and the keys, checks, foreign
	// keys and indexes it inherits from it: Columns is empty, and the
	// constraints and indexes are only those of its own.
	PartitionOf    string `json:"partition_of,omitempty"`
	PartitionBound string `json:"partition_bound,omitempty"`
	// RowSecurity and ForceRowSecurity are PostgreSQL's ENABLE and FORCE
	// ROW LEVEL SECURITY; Policies are the table's row-level security
	// policies, sorted by name.
	RowSecurity      bool      `json:"row_security,omitempty"`
	ForceRowSecurity bool      `json:"force_row_security,omitempty"`
	Policies         []*Policy `json:"policies,omitempty"`
}

// Policy is a row-level security policy on a table (PostgreSQL CREATE
// POLICY).
type Policy struct {
	Name string `json:"name"`
	// Restrictive marks AS RESTRICTIVE; a policy is permissive otherwise.
	Restrictive bool `json:"restrictive,omitempty"`
	// Command is ALL, SELECT, INSERT, UPDATE or DELETE.
	Command string `json:"command"`
	// Roles are the roles the policy applies to, sorted; "public" is
	// PUBLIC.
	Roles []string `json:"roles"`
	// Using and Check are the USING and WITH CHECK expressions, "" for
	// none.
	Using string `json:"using,omitempty"`
	Check string `json:"check,omitempty"`
	// Comment is the policy's comment (PostgreSQL), "" for none.
	Comment string `json:"comment,omitempty"`
}

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	// Type is the declared type as the engine reports it, e.g. VARCHAR(100).
	Type    string `json:"type"`
	NotNull bool   `json:"not_null,omitempty"`
	// Default is the default expression as SQL text ("" for none). An
	// expression that is not a plain literal is kept in parentheses.
	Default   string `json:"default,omitempty"`
	Collation string `json:"collation,omitempty"`
	// Generated is set for a generated (computed) column.
	Generated *Generated `json:"generated,omitempty"`
	// AutoIncrement marks SQLite's INTEGER PRIMARY KEY AUTOINCREMENT and
	// MySQL's AUTO_INCREMENT.
	AutoIncrement bool   `json:"auto_increment,omitempty"`
	Comment       string `json:"comment,omitempty"`
	// Identity is "ALWAYS" or "BY DEFAULT" for a PostgreSQL identity
	// column (GENERATED … AS IDENTITY), "" otherwise.
	Identity string `json:"identity,omitempty"`
	// IdentityOptions are the options of an identity column's sequence
	// (Type, Start, Increment, Min, Max, Cache, Cycle; no name or owner)
	// when they are not the defaults (the column's type and range, START
	// WITH 1, INCREMENT BY 1, CACHE 1, NO CYCLE); nil otherwise.
	IdentityOptions *Sequence `json:"identity_options,omitempty"`
	// Storage is a PostgreSQL column's storage (PLAIN, MAIN, EXTERNAL,
	// EXTENDED) when it differs from its type's, "" otherwise; Statistics
	// its statistics target when set (ALTER COLUMN … SET STATISTICS), nil
	// for the default.
	Storage    string `json:"storage,omitempty"`
	Statistics *int   `json:"statistics,omitempty"`
	// OnUpdate is MySQL's ON UPDATE expression (CURRENT_TIMESTAMP), "" for
	// none.
	OnUpdate string `json:"on_update,omitempty"`
	// Invisible marks a column that SELECT * leaves out (MariaDB 10.3+ and
	// MySQL 8.0.23+ INVISIBLE).
	Invisible bool `json:"invisible,omitempty"`
}

// Generated describes a generated column's expression and storage.
type Generated struct {
	Expr   string `json:"expr"`
	Stored bool   `json:"stored,omitempty"`
}

// PrimaryKey is a table's primary key.
type PrimaryKey struct {
	Name    string   `json:"name,omitempty"`
	Columns []string `json:"columns"`
	// Desc marks a single-column SQLite key declared DESC.
	Desc bool `json:"desc,omitempty"`
	// Parts gives, for a SQLite key of several columns declared with
	// DESC or COLLATE (PRIMARY KEY (a DESC, b COLLATE NOCASE)), each
	// column's order and collation, Columns' names in Columns' order; nil
	// when every column is ascending in its own collation.
	Parts []IndexPart `json:"parts,omitempty"`
	// OnConflict is a SQLite key's conflict resolution (ON CONFLICT
	// REPLACE): ROLLBACK, ABORT, FAIL, IGNORE or REPLACE, upper case; ""
	// when not declared.
	OnConflict string `json:"on_conflict,omitempty"`
	// Comment is the key's comment (MySQL: PRIMARY KEY (…) COMMENT '…').
	Comment string `json:"comment,omitempty"`
	// Include lists the non-key columns of a PostgreSQL key (PRIMARY KEY
	// (k) INCLUDE (v)).
	Include []string `json:"include,omitempty"`
	// StorageParams are the storage parameters of a PostgreSQL key's
	// index (WITH (fillfactor=70)), as name=value.
	StorageParams []string `json:"storage_params,omitempty"`
	// Deferrable and InitiallyDeferred give a PostgreSQL key's deferral.
	Deferrable        bool `json:"deferrable,omitempty"`
	InitiallyDeferred bool `json:"initially_deferred,omitempty"`
}

// Index is an index, or a UNIQUE constraint (Constraint set), which the
// engines implement as an index.
type Index struct {
	Name       string      `json:"name,omitempty"`
	Unique     bool        `json:"unique,omitempty"`
	Constraint bool        `json:"constraint,omitempty"`
	Parts      []IndexPart `json:"parts"`
	// Where is the predicate of a partial index.
	Where string `json:"where,omitempty"`
	// Method is the access method (PostgreSQL: btree, gin, …), "" for default.
	Method string `json:"method,omitempty"`
	// Include lists the non-key columns of a covering index (PostgreSQL
	// INCLUDE).
	Include []string `json:"include,omitempty"`
	// NullsNotDistinct marks a PostgreSQL unique index or constraint that
	// treats NULLs as equal.
	NullsNotDistinct bool `json:"nulls_not_distinct,omitempty"`
	// Implicit marks an index that the engine keeps for a foreign key and
	// may create or rename by itself (MySQL: the plain index on exactly the
	// columns of a foreign key that the server made and named for it; an
	// index the schema declares under a name of its own is not implicit).
	// Two implicit indexes are matched by their parts, not by their names.
	Implicit bool `json:"implicit,omitempty"`
	// Comment is the index's comment (MySQL: KEY … COMMENT '…').
	Comment string `json:"comment,omitempty"`
	// StorageParams are the storage parameters of a PostgreSQL index (WITH
	// (fillfactor=70)), as name=value in the catalog's order.
	StorageParams []string `json:"storage_params,omitempty"`
	// Deferrable and InitiallyDeferred give a PostgreSQL UNIQUE
	// constraint's deferral.
	Deferrable        bool `json:"deferrable,omitempty"`
	InitiallyDeferred bool `json:"initially_deferred,omitempty"`
}

// IndexPart is one key of an index: a column or an expression.
type IndexPart struct {
	Column    string `json:"column,omitempty"`
	Expr      string `json:"expr,omitempty"`
	Desc      bool   `json:"desc,omitempty"`
	Collation string `json:"collation,omitempty"`
	// OpClass is a non-default operator class (PostgreSQL), e.g.
	// text_pattern_ops.
	OpClass string `json:"opclass,omitempty"`
	// Nulls is "FIRST" or "LAST" when the NULL ordering is not the default
	// for the direction (ASC NULLS LAST, DESC NULLS FIRST), "" otherwise.
	Nulls string `json:"nulls,omitempty"`
	// Length is the prefix length of a MySQL index on part of a column
	// (name(10)); 0 for the whole column.
	Length int `json:"length,omitempty"`
}

// ForeignKey is a FOREIGN KEY constraint. Its identity is Columns,
// RefTable and RefColumns; everything else is a property of it.
type ForeignKey struct {
	Name       string   `json:"name,omitempty"`
	Columns    []string `json:"columns"`
	RefSchema  string   `json:"ref_schema,omitempty"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   Action   `json:"on_delete,omitempty"`
	OnUpdate   Action   `json:"on_update,omitempty"`
	// Deferrable and InitiallyDeferred give the constraint's deferral.
	Deferrable        bool `json:"deferrable,omitempty"`
	InitiallyDeferred bool `json:"initially_deferred,omitempty"`
	// Match is FULL, PARTIAL or SIMPLE; "" is the engine default.
	Match string `json:"match,omitempty"`
	// NotValid marks a PostgreSQL constraint not yet validated.
	NotValid bool `json:"not_valid,omitempty"`
	// Comment is the constraint's comment (PostgreSQL COMMENT ON CONSTRAINT).
	Comment string `json:"comment,omitempty"`
}

// Check is a CHECK constraint.
type Check struct {
	Name string `json:"name,omitempty"`
	Expr string `json:"expr"`
	// NoInherit marks a PostgreSQL check that does not reach child tables
	// (NO INHERIT).
	NoInherit bool `json:"no_inherit,omitempty"`
	// NotValid marks a PostgreSQL check not yet validated (NOT VALID): rows
	// that were there before it may break it.
	NotValid bool `json:"not_valid,omitempty"`
	// Comment is the constraint's comment (PostgreSQL COMMENT ON CONSTRAINT).
	Comment string `json:"comment,omitempty"`
}

// View is a view. Def is the whole CREATE VIEW statement as the engine keeps it.
type View struct {
	Schema string `json:"schema,omitempty"`
	Name   string `json:"name"`
	Def    string `json:"def"`
	// Indexes are the indexes of a PostgreSQL materialized view, by name.
	Indexes []*Index `json:"indexes,omitempty"`
	// Comment is the view's comment (PostgreSQL COMMENT ON VIEW), and
	// ColumnComments the comments of its columns by name.
	Comment        string            `json:"comment,omitempty"`
	ColumnComments map[string]string `json:"column_comments,omitempty"`
}

// Enum is a PostgreSQL enum type: its labels in sort order.
type Enum struct {
	Schema string   `json:"schema,omitempty"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
	// Comment is the type's comment (COMMENT ON TYPE).
	Comment string `json:"comment,omitempty"`
}

// Sequence is a PostgreSQL sequence (its definition, not its current value).
type Sequence struct {
	Schema    string `json:"schema,omitempty"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Start     int64  `json:"start"`
	Increment int64  `json:"increment"`
	Min       int64  `json:"min"`
	Max       int64  `json:"max"`
	Cache     int64  `json:"cache"`
	Cycle     bool   `json:"cycle,omitempty"`
	// OwnerTable and OwnerColumn name the column that owns the sequence
	// (OWNED BY table.column: dropping it drops the sequence); "" for none.
	OwnerTable  string `json:"owner_table,omitempty"`
	OwnerColumn string `json:"owner_column,omitempty"`
	// Comment is the sequence's comment (COMMENT ON SEQUENCE).
	Comment string `json:"comment,omitempty"`
}

// Trigger is a trigger on Table. Def is the whole CREATE TRIGGER statement.
type Trigger struct {
	Name  string `json:"name"`
	Table string `json:"table"`
	Def   string `json:"def"`
	// Session is what the trigger was created under (MySQL), and is
	// recreated under.
	Session
	// State is a PostgreSQL trigger's firing state when it is not the
	// default (enabled): DISABLE, ENABLE REPLICA or ENABLE ALWAYS, as
	// ALTER TABLE … <State> TRIGGER spells it.
	State string `json:"state,omitempty"`
	// Comment is the trigger's comment (PostgreSQL), "" for none.
	Comment string `json:"comment,omitempty"`
}

// Session holds the session settings that MySQL stores with a trigger,
// routine or event and applies when it runs: sql_mode (which changes how
// its body parses and behaves), character_set_client and
// collation_connection. Empty fields are unknown.
type Session struct {
	SQLMode   string `json:"sql_mode,omitempty"`
	Charset   string `json:"charset_client,omitempty"`
	Collation string `json:"collation_connection,omitempty"`
}

// Routine kinds.
const (
	Procedure = "PROCEDURE"
	Function  = "FUNCTION"
	// Event is a MySQL scheduled event.
	Event = "EVENT"
	// Aggregate is a PostgreSQL aggregate function.
	Aggregate = "AGGREGATE"
)

// Routine is a stored procedure or function, or a MySQL event: code the
// database keeps by name. Def is the whole CREATE statement, without a
// DEFINER clause.
type Routine struct {
	Schema string `json:"schema,omitempty"`
	// Kind is Procedure, Function, Aggregate or Event.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Args is the identity signature of an engine that overloads routines
	// by argument types (PostgreSQL: the argument types, "integer, text";
	// for an aggregate pg_get_function_identity_arguments, which may hold
	// ORDER BY); "" elsewhere. A routine is identified by Kind, Name and
	// Args.
	Args string `json:"args,omitempty"`
	Def  string `json:"def"`
	// Session is what the routine was created under, and is recreated
	// under.
	Session
	// Comment is the routine's comment (PostgreSQL), "" for none.
	Comment string `json:"comment,omitempty"`
}

// Action is a foreign key's referential action. The zero value is NoAction,
// the SQL default, so an action written as NO ACTION equals one omitted.
type Action uint8

// Referential actions.
const (
	NoAction Action = iota
	Restrict
	Cascade
	SetNull
	SetDefault
)

var actionNames = [...]string{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"}

// String returns the action as SQL spells it, e.g. "SET NULL".
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "NO ACTION"
}

// ParseAction maps SQL text (any case, NOACTION or NO ACTION, SET_NULL …) to
// an Action. ok is false for unknown text.
func ParseAction(s string) (a Action, ok bool) {
	k := strings.ToUpper(strings.NewReplacer("_", " ").Replace(strings.TrimSpace(s)))
	k = strings.Join(strings.Fields(k), " ")
	switch k {
	case "", "NO ACTION", "NOACTION", "NONE":
		return NoAction, true
	case "RESTRICT":
		return Restrict, true
	case "CASCADE":
		return Cascade, true
	case "SET NULL", "SETNULL":
		return SetNull, true
	case "SET DEFAULT", "SETDEFAULT":
		return SetDefault, true
	}
	return NoAction, false
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	v, _ := ParseAction(string(b))
	*a = v
	return nil
}

// Table returns the table named name, compared by the case rules for
// tables.
func (s *Schema) Table(name string) (*Table, bool) {
	for _, t := range s.Tables {
		if s.Case.Tables.Equal(t.Name, name) {
			return t, true
		}
	}
	return nil, false
}

// View returns the view named name.
func (s *Schema) View(name string) (*View, bool) {
	for _, v := range s.Views {
		if s.Case.Tables.Equal(v.Name, name) {
			return v, true
		}
	}
	return nil, false
}

// Enum returns the enum type named name.
func (s *Schema) Enum(name string) (*Enum, bool) {
	for _, e := range s.Enums {
		if e.Name == name {
			return e, true
		}
	}
	return nil, false
}

// Sequence returns the sequence named name.
func (s *Schema) Sequence(name string) (*Sequence, bool) {
	for _, q := range s.Sequences {
		if q.Name == name {
			return q, true
		}
	}
	return nil, false
}

// Routine returns the routine of kind (Procedure, Function, Event) named
// name, compared case-insensitively as MySQL does.
func (s *Schema) Routine(kind, name string) (*Routine, bool) {
	for _, r := range s.Routines {
		if r.Kind == kind && strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return nil, false
}

// Trigger returns the trigger named name.
func (s *Schema) Trigger(name string) (*Trigger, bool) {
	for _, t := range s.Triggers {
		if s.Case.Triggers.Equal(t.Name, name) {
			return t, true
		}
	}
	return nil, false
}

// Column returns the column named name.
func (t *Table) Column(name string) (*Column, bool) {
	for _, c := range t.Columns {
		if t.Case.Columns.Equal(c.Name, name) {
			return c, true
		}
	}
	return nil, false
}

// Index returns the index named name.
func (t *Table) Index(name string) (*Index, bool) {
	for _, ix := range t.Indexes {
		if ix.Name != "" && t.Case.Indexes.Equal(ix.Name, name) {
			return ix, true
		}
	}
	return nil, false
}

// TriggersOn returns the triggers defined on table name, in schema order.
func (s *Schema) TriggersOn(name string) []*Trigger {
	var out []*Trigger
	for _, tr := range s.Triggers {
		if s.Case.Tables.Equal(tr.Table, name) {
			out = append(out, tr)
		}
	}
	return out
}

// Columns returns the column names of an index that has no expression parts,
// and ok false otherwise.
func (ix *Index) Columns() (cols []string, ok bool) {
	for _, p := range ix.Parts {
		if p.Column == "" {
			return nil, false
		}
		cols = append(cols, p.Column)
	}
	return cols, true
}
