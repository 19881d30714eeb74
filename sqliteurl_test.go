package retort_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/retortdb/retort"
)

// TestSQLiteReadOnlyURL opens a database file with ?mode=ro and checks that
// SQLite itself refuses every write retort attempts (apply, upgrade) and
// that the file is left byte for byte as it was, mtime included.
func TestSQLiteReadOnlyURL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	rw, err := retort.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.DB().Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ann')"); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Error("the database file changed")
		}
		if fi, err := os.Stat(path); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("the database file's mtime changed: %v %v", fi.ModTime(), err)
		}
		for _, f := range []string{path + "-wal", path + "-journal"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s was created", f)
			}
		}
	}

	url := "sqlite:" + path + "?mode=ro"
	t.Run("apply", func(t *testing.T) {
		db, err := retort.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		desired, err := db.LoadSQL(ctx, "schema.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\nCREATE TABLE notes (id INTEGER PRIMARY KEY);")
		if err != nil {
			t.Fatal(err)
		}
		plan, err := db.Plan(ctx, desired)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Apply(ctx, plan)
		if err == nil {
			t.Fatal("Apply on a mode=ro database succeeded")
		}
		t.Logf("refused: %v", err)
		unchanged(t)
	})
	t.Run("upgrade", func(t *testing.T) {
		m := openMigrator(t, url, chain("CREATE TABLE notes (id INTEGER PRIMARY KEY);"))
		if _, err := m.Upgrade(ctx, "head"); err == nil {
			t.Fatal("Upgrade on a mode=ro database succeeded")
		}
		unchanged(t)
	})
	t.Run("missing file is not created", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nosuch.db")
		if db, err := retort.Open(ctx, "sqlite:"+missing+"?mode=ro"); err == nil {
			db.Close()
			t.Fatal("Open of a missing file with mode=ro succeeded")
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatal("mode=ro created the file")
		}
	})
}
