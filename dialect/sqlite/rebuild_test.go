package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
)

// TestParentRebuildKeepsChildren is the signature trap: users is rebuilt
// (a column type change) while notes references it with ON DELETE CASCADE
// or SET NULL and holds rows. The rebuild drops users; with foreign keys on
// that DROP deletes every row of users first and fires the children's
// actions. Applied by retort, no child row may change. Applied naively, the
// very same statements lose them: that sub-test proves the first can fail.
func TestParentRebuildKeepsChildren(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, action string
		// lost reports whether the notes after a naive run show the damage.
		lost func(notes []string) bool
	}{
		{
			name: "on delete cascade", action: "CASCADE",
			lost: func(notes []string) bool { return len(notes) == 0 },
		},
		{
			name: "on delete set null", action: "SET NULL",
			lost: func(notes []string) bool {
				for _, n := range notes {
					if !strings.Contains(n, "| NULL |") {
						return false
					}
				}
				return len(notes) == 3
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := New()
			from := `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE ` + tt.action + `, body TEXT);`
			to := `
CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100));
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE ` + tt.action + `, body TEXT);`
			data := `
INSERT INTO users VALUES (1, 'ada'), (2, 'bob');
INSERT INTO notes VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');`
			wantNotes := []string{"1 | 1 | a", "2 | 1 | b", "3 | 2 | c"}

			p := plan(t, d, loadSchema(t, d, "from.sql", from), loadSchema(t, d, "to.sql", to))
			if !strings.Contains(p.Format(), `DROP TABLE "users"`) {
				t.Fatalf("the plan does not rebuild users; the test proves nothing:\n%s", p.Format())
			}

			setup := func(t *testing.T) *sql.Conn {
				db := openFile(t)
				load(t, db, "from.sql", from)
				load(t, db, "data.sql", data)
				conn := pin(t, db)
				if !foreignKeysOn(t, conn) {
					t.Fatal("foreign_keys is off on the test connection")
				}
				return conn
			}

			t.Run("retort", func(t *testing.T) {
				conn := setup(t)
				if err := dialect.Apply(ctx, d, conn, p); err != nil {
					t.Fatalf("apply: %v", err)
				}
				if got := tableDump(t, conn, "notes"); !cmp.Equal(got, wantNotes) {
					t.Errorf("notes after the rebuild of users (-want +got):\n%s", cmp.Diff(wantNotes, got))
				}
				if got := queryRows(t, conn, `SELECT type FROM pragma_table_info('users') WHERE name = 'name'`); !cmp.Equal(got, []string{"VARCHAR(100)"}) {
					t.Errorf("users.name type = %v, want VARCHAR(100)", got)
				}
				mustCheck(t, conn)
				if !foreignKeysOn(t, conn) {
					t.Error("foreign_keys not restored")
				}
			})

			// The naive runs: plain BEGIN/COMMIT, and the same with the
			// pragma written inside the transaction, where SQLite ignores it.
			for _, naive := range []struct{ name, begin string }{
				{"naive BEGIN/COMMIT loses children", "BEGIN"},
				{"foreign_keys OFF inside the transaction is a no-op", "BEGIN; PRAGMA foreign_keys = OFF"},
			} {
				t.Run(naive.name, func(t *testing.T) {
					conn := setup(t)
					for _, s := range strings.Split(naive.begin, "; ") {
						if _, err := conn.ExecContext(ctx, s); err != nil {
							t.Fatal(err)
						}
					}
					for _, s := range p.Steps {
						if _, err := conn.ExecContext(ctx, s.SQL); err != nil {
							t.Fatalf("%s: %v", s.SQL, err)
						}
					}
					if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
						t.Fatal(err)
					}
					got := tableDump(t, conn, "notes")
					if !tt.lost(got) {
						t.Errorf("naive run kept the children (%q): the retort sub-test would pass without the envelope", got)
					}
				})
			}
		})
	}
}
