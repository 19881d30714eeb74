package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
)

// TestUpgradeWaitsForTheMigrationLock: while another session holds the
// migration lock, "upgrade --migration-lock-wait=1s" says at once on
// stderr whom it waits for, fails with exit 2 naming the holder and runs
// nothing; after the lock is released, upgrade proceeds.
func TestUpgradeWaitsForTheMigrationLock(t *testing.T) {
	engines := []struct {
		name   string
		url    func(t *testing.T) string
		holder string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "app.db") }, "is locked"},
		{"postgres", func(t *testing.T) string { return testdb.Postgres(t) }, "backend pid"},
		{"mysql", func(t *testing.T) string { return testdb.MySQL(t) }, "connection"},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			url := eng.url(t)
			dir := writeMigrations(t, "CREATE TABLE t1 (id INTEGER PRIMARY KEY);")
			db, err := retort.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var release func() error
			if eng.name == "sqlite" {
				if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
					t.Fatal(err)
				}
				release = func() error { _, err := conn.ExecContext(ctx, "ROLLBACK"); return err }
			} else if release, _, err = db.Dialect().(dialect.TryLocker).TryLock(ctx, conn, "retort_revisions"); err != nil || release == nil {
				t.Fatalf("TryLock: %v", err)
			}

			code, stdout, stderr := runExit(t, filepath.Dir(dir), "upgrade", "--url", url, "--dir", dir, "--migration-lock-wait=1s")
			if code != 2 {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			// The first line after the one naming the database.
			first, _, _ := strings.Cut(stderr, "\n")
			if strings.HasPrefix(first, "Database: ") {
				_, rest, _ := strings.Cut(stderr, "\n")
				first, _, _ = strings.Cut(rest, "\n")
			}
			if !strings.HasPrefix(first, "retort: waiting for the migration lock held by ") || !strings.Contains(first, eng.holder) {
				t.Errorf("the first line on stderr does not say whom it waits for (%q):\n%s", eng.holder, stderr)
			}
			if !strings.Contains(stderr, "gave up after 1s") || strings.Count(stderr, eng.holder) < 2 {
				t.Errorf("the error does not say it gave up, naming the holder:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout after a refused upgrade:\n%s", stdout)
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
			var n int
			// This database's tables only: tests running at the same time
			// have version tables of their own on the server.
			q := "SELECT count(*) FROM information_schema.tables WHERE table_name = 'retort_revisions' AND table_schema = current_schema()"
			if eng.name == "mysql" {
				q = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'retort_revisions' AND table_schema = DATABASE()"
			}
			if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil && eng.name != "sqlite" {
				t.Fatal(err)
			}
			if eng.name == "sqlite" {
				if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'retort_revisions'").Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
			if n != 0 {
				t.Errorf("the refused upgrade created the version table")
			}
			if code, stdout, stderr := runExit(t, filepath.Dir(dir), "upgrade", "--url", url, "--dir", dir, "--migration-lock-wait=1s"); code != 0 || !strings.Contains(stdout, "upgrade "+rev(1)) {
				t.Errorf("upgrade after the release: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}
