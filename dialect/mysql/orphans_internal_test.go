package mysql

import (
	"errors"
	"fmt"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
)

// myError is an error with a MySQL error number, as go-sql-driver's
// *MySQLError is; its text is what MySQLError.Error returns.
type myError struct {
	number uint16
	msg    string
}

func (e *myError) Error() string  { return fmt.Sprintf("Error %d (42000): %s", e.number, e.msg) }
func (e *myError) Number() uint16 { return e.number }

// sqlMode is the server's message for a sql_mode it refuses.
func sqlMode(value string) string {
	return "Variable 'sql_mode' can't be set to the value of '" + value + "'"
}

func TestTranslateOrphanError(t *testing.T) {
	tests := []struct {
		name string
		err  *myError
		want *dialect.OrphanRowsError // nil: not translated
	}{
		{"one column", &myError{1231, sqlMode("retort: 2 orphan row(s) in notes (author_id) without a parent in users (id); e.g. 7 8; cannot add foreign key notes_author_fk")},
			&dialect.OrphanRowsError{Table: "notes", Parent: "users", Constraint: "notes_author_fk", Columns: []string{"author_id"}, Count: 2, Examples: []string{"7", "8"}}},
		{"two columns, other database", &myError{1231, sqlMode("retort: 12 orphan row(s) in lines (order_id region) without a parent in billing.orders (id region); e.g. (1 eu) (2 us); cannot add foreign key lines_fk")},
			&dialect.OrphanRowsError{Table: "lines", Parent: "billing.orders", Constraint: "lines_fk", Columns: []string{"order_id", "region"}, Count: 12, Examples: []string{"(1 eu)", "(2 us)"}}},
		{"cut by the server before the constraint", &myError{1231, "Variable 'sql_mode' can't be set to the value of 'retort: 3 orphan row(s) in notes (author_id) without a parent in users (id); e.g. 7 8 9"},
			&dialect.OrphanRowsError{Table: "notes", Parent: "users", Columns: []string{"author_id"}, Count: 3, Examples: []string{"7", "8", "9"}}},
		{"another sql_mode refused", &myError{1231, sqlMode("NO_SUCH_MODE")}, nil},
		{"the duplicate-key check", &myError{1231, sqlMode("retort: 2 duplicate key(s) in users (email); e.g. a b; cannot add unique index users_email_key")}, nil},
		{"another error", &myError{1452, "Cannot add or update a child row: a foreign key constraint fails"}, nil},
	}
	d := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialecttest.CheckTranslated(t, d.TranslateError(tt.err), tt.err, tt.want)
		})
	}
}

// FuzzTranslateError: any error 1231 is either left alone or translated
// with the original error in the chain.
func FuzzTranslateError(f *testing.F) {
	f.Add(sqlMode("retort: 2 orphan row(s) in notes (author_id) without a parent in users (id); e.g. 7 8; cannot add foreign key f"))
	f.Add(sqlMode("retort: 1 orphan row(s) in a (b c) without a parent in d (e f); e.g. ("))
	d := New()
	f.Fuzz(func(t *testing.T, msg string) {
		in := &myError{1231, msg}
		got := d.TranslateError(in)
		if !errors.Is(got, in) {
			t.Fatalf("the original error is lost: %v", got)
		}
	})
}
