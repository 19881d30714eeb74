package migrate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

func TestChecksumIgnoresCommentsAndSpaceOnly(t *testing.T) {
	orig := migration(rev1, "base", "users",
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO users VALUES (1, 'a  b');",
		"DROP TABLE users;")
	tests := []struct {
		name string
		edit func(string) string
		same bool
	}{
		{"comment added", func(s string) string {
			return strings.Replace(s, "CREATE TABLE", "-- who owns users\nCREATE TABLE", 1)
		}, true},
		{"block comment added", func(s string) string {
			return strings.Replace(s, "name TEXT", "name /* display */ TEXT", 1)
		}, true},
		{"blank lines and indentation", func(s string) string {
			return strings.Replace(strings.Replace(s, "(id INTEGER", "(\n    id   INTEGER", 1), "\n-- migrate:down", "\n\n\n-- migrate:down", 1)
		}, true},
		{"trailing spaces and CRLF", func(s string) string { return strings.ReplaceAll(s, "\n", "  \r\n") }, true},
		{"statement changed", func(s string) string { return strings.Replace(s, "NOT NULL", "NULL", 1) }, false},
		{"string literal space changed", func(s string) string { return strings.Replace(s, "'a  b'", "'a b'", 1) }, false},
		{"identifier case changed", func(s string) string { return strings.Replace(s, "users VALUES", "USERS VALUES", 1) }, false},
		{"transaction:false added", func(s string) string {
			return strings.Replace(s, "-- migrate:up", "-- migrate:up transaction:false", 1)
		}, false},
		{"retort:commit added", func(s string) string {
			return strings.Replace(s, "INSERT INTO", "-- retort:commit\nINSERT INTO", 1)
		}, false},
		{"nolint added", func(s string) string {
			return strings.Replace(s, "CREATE TABLE", "-- retort:nolint RT101\nCREATE TABLE", 1)
		}, true},
		{"destructive mark added", func(s string) string {
			return strings.Replace(s, "DROP TABLE", "-- retort: destructive\nDROP TABLE", 1)
		}, false},
		{"statement moved to down", func(s string) string {
			return strings.Replace(strings.Replace(s, "INSERT INTO users VALUES (1, 'a  b');\n", "", 1),
				"DROP TABLE users;", "DROP TABLE users;\nINSERT INTO users VALUES (1, 'a  b');", 1)
		}, false},
		{"message changed", func(s string) string { return strings.Replace(s, "message users", "message people", 1) }, false},
	}
	base := migrate.Checksum([]byte(orig))
	if !strings.HasPrefix(base, "v2:") || len(base) > 64 {
		t.Fatalf("Checksum = %q, want a v2: prefix and at most 64 characters (the version table's column)", base)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(orig)
			if edited == orig {
				t.Fatal("the edit changed nothing")
			}
			if got := migrate.Checksum([]byte(edited)) == base; got != tt.same {
				t.Errorf("checksum unchanged = %v, want %v for:\n%s", got, tt.same, edited)
			}
		})
	}
}

// TestLegacyChecksumAcceptedAndRewritten writes the version table as retort
// before checksum version 2 did (the hex SHA-256 of the file's bytes) and
// checks that an upgrade accepts it, rewrites it in the new form, and still
// catches a real edit.
func TestLegacyChecksumAcceptedAndRewritten(t *testing.T) {
	ctx := context.Background()
	files := baseFiles()
	db := openDB(t)
	h := migrate.NewHistory(sqlite.New(), "")
	if err := h.Ensure(ctx, db); err != nil {
		t.Fatal(err)
	}
	g := graphOf(t, files)
	r := newRunner(db, sqlite.New(), g)
	if _, err := r.Upgrade(ctx, rev1); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(files[fileName(rev1, "users")]))
	legacy := hex.EncodeToString(sum[:])
	if _, err := db.Exec("UPDATE retort_revisions SET checksum = ? WHERE revision = ?", legacy, rev1); err != nil {
		t.Fatal(err)
	}

	// Reading commands accept the old form as it is.
	if _, err := r.State(ctx, db); err != nil {
		t.Fatalf("State with a legacy checksum: %v", err)
	}
	// A mutating run rewrites it.
	res, err := r.Upgrade(ctx, "head")
	if err != nil {
		t.Fatalf("Upgrade with a legacy checksum: %v", err)
	}
	if len(res) != 1 || res[0].Revision != rev2 {
		t.Errorf("Upgrade ran %+v, want %s only", res, rev2)
	}
	f1, _ := g.Get(rev1)
	if got := queryStrings(t, db, "SELECT checksum FROM retort_revisions WHERE revision = '"+rev1+"'"); len(got) != 1 || got[0] != f1.Checksum {
		t.Errorf("recorded checksum = %v, want the v2 form %s", got, f1.Checksum)
	}

	// A comment-only edit now passes; a statement edit does not.
	files[fileName(rev1, "users")] = strings.Replace(files[fileName(rev1, "users")], "CREATE TABLE", "-- the people\nCREATE TABLE", 1)
	if _, err := newRunner(db, sqlite.New(), graphOf(t, files)).Upgrade(ctx, "head"); err != nil {
		t.Errorf("Upgrade after a comment-only edit: %v", err)
	}
	files[fileName(rev1, "users")] = strings.Replace(files[fileName(rev1, "users")], "NOT NULL UNIQUE", "NOT NULL", 1)
	_, err = newRunner(db, sqlite.New(), graphOf(t, files)).Upgrade(ctx, "head")
	var ce *migrate.ChangedError
	if !errors.As(err, &ce) {
		t.Errorf("Upgrade after a statement edit: err = %v, want *migrate.ChangedError", err)
	}
}

// TestLegacyChecksumOfEditedFileRefused: an old-form checksum that does not
// match the bytes is a change, as before.
func TestLegacyChecksumOfEditedFileRefused(t *testing.T) {
	ctx := context.Background()
	files := baseFiles()
	db := openDB(t)
	r := newRunner(db, sqlite.New(), graphOf(t, files))
	if _, err := r.Upgrade(ctx, rev1); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(files[fileName(rev1, "users")] + "-- later\n"))
	if _, err := db.Exec("UPDATE retort_revisions SET checksum = ? WHERE revision = ?", hex.EncodeToString(sum[:]), rev1); err != nil {
		t.Fatal(err)
	}
	_, err := r.Upgrade(ctx, "head")
	var ce *migrate.ChangedError
	if !errors.As(err, &ce) {
		t.Errorf("err = %v, want *migrate.ChangedError", err)
	}
}

func TestAppliedRevisionNotInDirectory(t *testing.T) {
	ctx := context.Background()
	files := baseFiles()
	db := openDB(t)
	if _, err := newRunner(db, sqlite.New(), graphOf(t, files)).Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	delete(files, fileName(rev2, "notes"))
	r := newRunner(db, sqlite.New(), graphOf(t, files))
	for name, run := range map[string]func() error{
		"State":     func() error { _, err := r.State(ctx, db); return err },
		"Upgrade":   func() error { _, err := r.Upgrade(ctx, "head"); return err },
		"Downgrade": func() error { _, err := r.Downgrade(ctx, "base"); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := run()
			var ue *migrate.MissingRevisionError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want *migrate.MissingRevisionError", err)
			}
			if len(ue.Records) != 1 || ue.Records[0].Revision != rev2 {
				t.Errorf("Records = %+v, want %s", ue.Records, rev2)
			}
			for _, want := range []string{rev2, "not in the migrations directory", "retort stamp " + rev1} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
		})
	}
	if got := queryStrings(t, db, "SELECT count(*) FROM notes"); got[0] != "2" {
		t.Errorf("notes rows = %v: the refused downgrade must not run", got)
	}
}
