package dialect

import (
	"fmt"
	"strings"
)

// OrphanRowsError is a foreign key that cannot be added (or validated)
// because rows of Table reference no row of Parent. Every engine returns
// it, from Apply and from a migration's statement, with the engine's own
// error kept in the chain (Err): PostgreSQL's orphan check raises SQLSTATE
// 23503, MySQL's fails with error 1231 (see the engines' plans), and
// SQLite's foreign key check after the change finds the rows (a
// *sqlite.ForeignKeyError, which wraps one OrphanRowsError per child and
// parent table). Nothing of the failing transaction was kept.
type OrphanRowsError struct {
	// Table is the child table, Parent the table its key references (with
	// its schema when it is in another one).
	Table, Parent string
	// Constraint and Columns name the foreign key and its columns, when
	// the engine's error says (not on SQLite).
	Constraint string
	Columns    []string
	// Count is the number of orphan rows.
	Count int64
	// Examples are up to five of their keys: the value of a key of one
	// column ("7"), a key of several in parentheses as the engine writes
	// it ("(1, eu)" on PostgreSQL, "(1 eu)" on MySQL); on SQLite the rows'
	// rowids.
	Examples []string
	// Err is the engine's error.
	Err error
}

// Error returns the engine's message, which names the table, the parent,
// the count and the examples.
func (e *OrphanRowsError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("%d row(s) of %s reference no row of %s; e.g. %s", e.Count, e.Table, e.Parent, strings.Join(e.Examples, ", "))
}

// Unwrap returns the engine's error.
func (e *OrphanRowsError) Unwrap() error { return e.Err }

// ErrorTranslator is implemented by engines that recognize, in the error
// of a statement that failed, a failure retort has a type for (an
// *OrphanRowsError from the orphan check their plans write).
type ErrorTranslator interface {
	// TranslateError returns the typed error wrapping err, or err itself.
	TranslateError(err error) error
}

// TranslateError returns err as d's ErrorTranslator types it, or err.
func TranslateError(d Dialect, err error) error {
	if t, ok := d.(ErrorTranslator); ok && err != nil {
		return t.TranslateError(err)
	}
	return err
}
