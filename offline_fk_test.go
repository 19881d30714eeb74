package retort_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/dialecttest"
)

// TestOfflineSQLiteForeignKeyViolations pipes upgrade --sql into the real
// sqlite3 shell, with and without -bail: a migration that adds a foreign
// key violation is rolled back and not recorded, the migrations after it
// in the script are rolled back too, and a violation that was there before
// the script is listed but does not stop a migration that adds none.
func TestOfflineSQLiteForeignKeyViolations(t *testing.T) {
	client := clientFor(t, "sqlite")
	ctx := context.Background()
	first := "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n" +
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id));\n" +
		"INSERT INTO users VALUES (1, 'ann');\nINSERT INTO notes VALUES (1, 1);"
	tests := []struct {
		name      string
		ups       []string
		bail      bool
		wantNotes string
		wantRevs  string
	}{
		{"new violation, -bail", []string{first, "INSERT INTO notes VALUES (3, 77);", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"},
			true, "1:1 2:99", revision(1)},
		{"new violation, no -bail", []string{first, "INSERT INTO notes VALUES (3, 77);", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"},
			false, "1:1 2:99", revision(1)},
		{"only the violation already there", []string{first, "INSERT INTO notes VALUES (3, 1);", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"},
			true, "1:1 2:99 3:1", revision(1) + " " + revision(2) + " " + revision(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := sqliteURL(t)
			fsys := chain(tt.ups...)
			m := openMigrator(t, u, fsys)
			if _, err := m.Upgrade(ctx, revision(1)); err != nil {
				t.Fatal(err)
			}
			// An orphan that predates the script.
			exec1(t, u+"?_pragma=foreign_keys(0)", "INSERT INTO notes VALUES (2, 99)")

			d, err := retort.NewDialect("sqlite")
			if err != nil {
				t.Fatal(err)
			}
			path := strings.TrimPrefix(u, "sqlite:")
			args := []string{path}
			if tt.bail {
				args = []string{"-bail", path}
			}
			cmd := exec.Command(client, args...)
			cmd.Stdin = strings.NewReader(script(t, d, fsys, revision(1), "head"))
			out, err := cmd.CombinedOutput()
			if tt.bail && (err == nil) != (tt.wantRevs != revision(1)) {
				t.Errorf("sqlite3 -bail: %v\n%s", err, out)
			}
			if tt.wantRevs == revision(1) && !strings.Contains(string(out), "rolled back") {
				t.Errorf("sqlite3 printed no rollback message:\n%s", out)
			}

			db, err := retort.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := strings.Join(dialecttest.Rows(t, db.DB(), "SELECT id || ':' || author_id FROM notes ORDER BY id"), " "); got != tt.wantNotes {
				t.Errorf("notes = %s, want %s\nsqlite3 said:\n%s", got, tt.wantNotes, out)
			}
			if got := strings.Join(dialecttest.Rows(t, db.DB(), "SELECT revision FROM retort_revisions ORDER BY revision"), " "); got != tt.wantRevs {
				t.Errorf("recorded revisions = %s, want %s", got, tt.wantRevs)
			}
			tags := len(dialecttest.Rows(t, db.DB(), "SELECT name FROM sqlite_schema WHERE name = 'tags'"))
			if want := strings.Count(tt.wantRevs, " ") == 2; (tags == 1) != want {
				t.Errorf("table tags exists: %v, want %v", tags == 1, want)
			}
		})
	}
}
