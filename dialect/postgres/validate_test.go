package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

// TestFKValidatedInItsOwnTransaction: a foreign key added to a table that
// has rows is committed NOT VALID first (a short lock, no scan), and only
// then validated, in a transaction of its own. Just before VALIDATE runs,
// another session sees the key committed and not yet validated; after the
// plan, validated. The lock design is read from the catalog, not from the
// plan's text.
func TestFKValidatedInItsOwnTransaction(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from.sql", `CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int);
INSERT INTO users VALUES (1);
INSERT INTO notes VALUES (1, 1), (2, NULL);`)
	desired := loadSchema(t, d, "to.sql", `CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int REFERENCES users);`)
	p := plan(t, d, inspect(t, d, db), desired)
	keys := func() []string {
		return queryRows(t, db, `SELECT conname || ' validated=' || convalidated FROM pg_constraint
			WHERE conrelid = 'notes'::regclass AND contype = 'f' ORDER BY conname`)
	}
	var before []string
	validates := 0
	hooks := dialect.Hooks{Statement: func(stmt string) {
		if strings.Contains(stmt, "VALIDATE CONSTRAINT") {
			validates++
			before = keys() // on another connection of the pool
		}
	}}
	if err := dialect.ApplyWith(ctx, d, pin(t, db), p, hooks); err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, p.Format())
	}
	if validates != 1 {
		t.Fatalf("the plan validates %d keys, want 1:\n%s", validates, p.Format())
	}
	if want := []string{"notes_author_id_fkey validated=false"}; !slices.Equal(before, want) {
		t.Errorf("just before VALIDATE another session sees %q, want %q (the key committed NOT VALID in an earlier transaction)\nplan:\n%s",
			before, want, p.Format())
	}
	if got, want := keys(), []string{"notes_author_id_fkey validated=true"}; !slices.Equal(got, want) {
		t.Errorf("after the plan: %q, want %q", got, want)
	}
}
