package retort_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/schema"
)

// A desired schema with objects retort does not create (an FTS5 table)
// is refused by Apply while the database lacks them, even though the plan
// for the rest is fine, and nothing runs; AllowUnmanaged applies the rest.
// Once the database has them, nothing is refused.
func TestApplyRefusesToLeaveUnmanagedObjectsOut(t *testing.T) {
	ctx := context.Background()
	db, err := retort.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	desired, err := db.LoadSQL(ctx, "schema.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nCREATE VIRTUAL TABLE search USING fts5(body);")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := db.Plan(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	var ue *retort.UnmanagedError
	if err := db.Apply(ctx, plan); !errors.As(err, &ue) {
		t.Fatalf("Apply: %v, want an *UnmanagedError", err)
	}
	if got, want := schema.DescribeUnmanaged(ue.Missing)[:33], "fts5 virtual table: 1 (search); s"; got != want {
		t.Errorf("missing: %s…, want %s…", got, want)
	}
	if live, _ := db.Inspect(ctx); len(live.Tables) != 0 {
		t.Fatalf("a refused Apply created %d tables", len(live.Tables))
	}
	if err := db.Apply(ctx, plan, retort.AllowUnmanaged()); err != nil {
		t.Fatalf("Apply with AllowUnmanaged: %v", err)
	}
	if _, err := db.DB().ExecContext(ctx, "CREATE VIRTUAL TABLE search USING fts5(body)"); err != nil {
		t.Fatal(err)
	}
	again, err := db.Plan(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("second plan: %v", again.Summary())
	}
	if err := db.Apply(ctx, again); err != nil {
		t.Errorf("Apply once the database has the virtual table: %v", err)
	}
}
