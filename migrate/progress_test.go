package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

// TestRunnerReportsProgress: each migration is reported as it starts and
// ends, each statement before it runs (with its line), and the row copy of
// a table rebuild after each batch, ending at the table's row count.
func TestRunnerReportsProgress(t *testing.T) {
	ctx := context.Background()
	files := baseFiles()
	files[fileName(rev3, "rebuild")] = migration(rev3, rev2, "rebuild",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000)\n"+
			"  INSERT INTO notes (id, author_id) SELECT x + 10, NULL FROM c;\n"+
			"CREATE TABLE _retort_new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE);\n"+
			"INSERT INTO _retort_new_notes (id, author_id) SELECT id, author_id FROM notes;\n"+
			"DROP TABLE notes;\n"+
			"ALTER TABLE _retort_new_notes RENAME TO notes;",
		"DELETE FROM notes;")
	g := graphOf(t, files)
	db := openDB(t)
	r := newRunner(db, sqlite.New(), g)
	var got []string
	var copies []migrate.Event
	r.OnEvent = func(e migrate.Event) {
		switch e.Kind {
		case migrate.Started:
			got = append(got, "start "+e.Revision)
		case migrate.Finished:
			got = append(got, "end "+e.Revision)
		case migrate.StatementStarted:
			got = append(got, fmt.Sprintf("%s:%d", e.File, e.Line))
		case migrate.RowsCopied:
			copies = append(copies, e)
		}
	}
	if _, err := r.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	f1, f2, f3 := fileName(rev1, "users"), fileName(rev2, "notes"), fileName(rev3, "rebuild")
	want := []string{
		"start " + rev1, f1 + ":6", f1 + ":7", "end " + rev1,
		"start " + rev2, f2 + ":6", f2 + ":7", f2 + ":8", "end " + rev2,
		"start " + rev3, f3 + ":6", f3 + ":8", f3 + ":9", f3 + ":10", f3 + ":11", "end " + rev3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(copies) < 2 {
		t.Fatalf("row copy reported %d times, want once per batch (several for 30,000 rows)", len(copies))
	}
	last := copies[len(copies)-1]
	if last.Revision != rev3 || last.Copied.Table != "notes" || last.Copied.Rows != 30002 || last.Copied.Total != 30002 {
		t.Errorf("last row-copy event = %+v, want notes 30002/30002 of %s", last, rev3)
	}
	if n := queryStrings(t, db, "SELECT count(*) FROM notes"); n[0] != "30002" {
		t.Errorf("notes has %s rows after the rebuild, want 30002", n[0])
	}
}

// TestLockTakenBetweenMigrations: on SQLite another writer may take the
// write lock between two migrations of an upgrade; the runner reports that
// wait and bounds it like the first one, instead of a silent busy wait.
func TestLockTakenBetweenMigrations(t *testing.T) {
	ctx := context.Background()
	g := graphOf(t, baseFiles())
	db := openDB(t)
	db.SetMaxOpenConns(2) // the runner's connection and the other writer's
	other, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	r := newRunner(db, sqlite.New(), g)
	r.LockWait = 500 * time.Millisecond
	var waits int
	r.OnEvent = func(e migrate.Event) {
		switch {
		case e.Kind == migrate.Finished && e.Revision == rev1:
			if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
		case e.Kind == migrate.LockWaiting:
			waits++
		}
	}
	res, err := r.Upgrade(ctx, "head")
	var le *migrate.LockError
	if !errors.As(err, &le) || !strings.Contains(le.Holder, "is locked") {
		t.Fatalf("Upgrade = %v, want a *migrate.LockError saying the file is locked", err)
	}
	if len(res) != 1 || res[0].Revision != rev1 || waits == 0 {
		t.Errorf("ran %v with %d wait reports; want %s only, and the wait reported", res, waits, rev1)
	}
	if _, err := other.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if res, err := r.Upgrade(ctx, "head"); err != nil || len(res) != 1 || res[0].Revision != rev2 {
		t.Errorf("Upgrade after the release = %v, %v; want %s", res, err, rev2)
	}
}
