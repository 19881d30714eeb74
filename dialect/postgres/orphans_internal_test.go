package postgres

import (
	"errors"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
)

// pgError is an error with a SQLSTATE, as pgx's *pgconn.PgError is; its
// text is what PgError.Error returns.
type pgError struct{ code, msg string }

func (e *pgError) Error() string    { return "ERROR: " + e.msg + " (SQLSTATE " + e.code + ")" }
func (e *pgError) SQLState() string { return e.code }

func TestTranslateOrphanError(t *testing.T) {
	tests := []struct {
		name string
		err  *pgError
		want *dialect.OrphanRowsError // nil: not translated
	}{
		{"one column", &pgError{"23503", "retort: 2 row(s) of notes reference no row of users, so foreign key notes_author_fk (author_id) cannot be added; e.g. (author_id) = (7), (8)"},
			&dialect.OrphanRowsError{Table: "notes", Parent: "users", Constraint: "notes_author_fk", Columns: []string{"author_id"}, Count: 2, Examples: []string{"7", "8"}}},
		{"two columns, other schema", &pgError{"23503", "retort: 12 row(s) of app.lines reference no row of billing.orders, so foreign key lines_fk (order_id, region) cannot be added; e.g. (order_id, region) = (1, eu), (2, us)"},
			&dialect.OrphanRowsError{Table: "app.lines", Parent: "billing.orders", Constraint: "lines_fk", Columns: []string{"order_id", "region"}, Count: 12, Examples: []string{"(1, eu)", "(2, us)"}}},
		{"a foreign key violation of the user's own statement", &pgError{"23503", `insert or update on table "notes" violates foreign key constraint "notes_author_fk"`}, nil},
		{"another SQLSTATE", &pgError{"23505", "retort: 2 row(s) of notes reference no row of users, so foreign key f (a) cannot be added; e.g. (a) = (1)"}, nil},
	}
	d := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialecttest.CheckTranslated(t, d.TranslateError(tt.err), tt.err, tt.want)
		})
	}
}

// FuzzTranslateError: any message with SQLSTATE 23503 is either left
// alone or translated with the original error in the chain.
func FuzzTranslateError(f *testing.F) {
	f.Add("retort: 2 row(s) of notes reference no row of users, so foreign key f (a) cannot be added; e.g. (a) = (7), (8)")
	f.Add("retort: 1 row(s) of a reference no row of b, so foreign key c () cannot be added; e.g. () = ")
	d := New()
	f.Fuzz(func(t *testing.T, msg string) {
		in := &pgError{"23503", msg}
		got := d.TranslateError(in)
		if !errors.Is(got, in) {
			t.Fatalf("the original error is lost: %v", got)
		}
	})
}
