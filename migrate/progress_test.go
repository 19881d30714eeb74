package migrate_test

import (
	"context"
	"fmt"
	"testing"

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
