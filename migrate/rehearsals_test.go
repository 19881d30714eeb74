package migrate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// rehearsing is SQLite with a rehearsal that counts its calls and fails
// while fail is set.
type rehearsing struct {
	*sqlite.Dialect
	calls int
	fail  bool
}

func (d *rehearsing) Rehearse(ctx context.Context, from *schema.Schema, stmts []string) (before, after *schema.Schema, err error) {
	d.calls++
	if d.fail {
		return nil, nil, errors.New("rehearsal failed")
	}
	return from, from, nil
}

func TestRehearsalsSkipTheSameRehearsal(t *testing.T) {
	files := map[string]string{rev1 + "_a.sql": "-- migrate:up\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n"}
	d := &rehearsing{Dialect: sqlite.New()}
	cache := &migrate.Rehearsals{}
	upgrade := func(setup string) error {
		t.Helper()
		db := openDB(t)
		if setup != "" {
			if _, err := db.Exec(setup); err != nil {
				t.Fatal(err)
			}
		}
		r := newRunner(db, d, graphOf(t, files))
		r.Rehearse, r.Rehearsals = true, cache
		_, err := r.Upgrade(t.Context(), "head")
		return err
	}
	steps := []struct {
		name, setup string
		fail        bool
		wantCalls   int
		wantErr     bool
	}{
		{name: "first database is rehearsed", wantCalls: 1},
		{name: "a second alike is not", wantCalls: 1},
		{name: "one with another schema is", setup: "CREATE TABLE other (x TEXT)", wantCalls: 2},
		{name: "a failed rehearsal stops the upgrade", setup: "CREATE TABLE third (x TEXT)", fail: true, wantCalls: 3, wantErr: true},
		{name: "and is not remembered", setup: "CREATE TABLE third (x TEXT)", fail: true, wantCalls: 4, wantErr: true},
	}
	for _, s := range steps {
		d.fail = s.fail
		err := upgrade(s.setup)
		if (err != nil) != s.wantErr || d.calls != s.wantCalls {
			t.Fatalf("%s: err %v, %d rehearsals; want error %v, %d rehearsals", s.name, err, d.calls, s.wantErr, s.wantCalls)
		}
	}
}
