package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestCommittedAnyway checks how the outcome of a COMMIT that returned an
// error is learnt from the database: with the transaction still open it is
// not committed (and is rolled back: its row is gone); with none open the
// COMMIT took effect (the row stays).
func TestCommittedAnyway(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func() (n int) {
		t.Helper()
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec("CREATE TABLE t (x INTEGER)")

	exec("BEGIN IMMEDIATE")
	exec("INSERT INTO t VALUES (1)")
	if committedAnyway(ctx, conn) {
		t.Error("a transaction still open was taken for committed")
	}
	if n := count(); n != 0 {
		t.Errorf("%d rows after the open transaction was found: want it rolled back", n)
	}

	exec("BEGIN IMMEDIATE")
	exec("INSERT INTO t VALUES (2)")
	exec("COMMIT")
	if !committedAnyway(ctx, conn) {
		t.Error("a committed transaction was taken for not committed")
	}
	if n := count(); n != 1 {
		t.Errorf("%d rows after the commit was found: want 1", n)
	}
	// The probe leaves no transaction open.
	exec("BEGIN")
	exec("ROLLBACK")
}
