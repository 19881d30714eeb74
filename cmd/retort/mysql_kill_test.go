package main

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/testdb"
)

// retortBinary builds cmd/retort (with its signal handling, which the
// testscript command lacks) into the test's temporary directory and
// returns its path.
func retortBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "retort")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The migration interrupted below: four statements, each copying a child
// table of 2^19 rows, one of them swapping its foreign key.
var killMigrations = []string{
	`CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY AUTO_INCREMENT, parent_id int NOT NULL, payload varchar(40) NOT NULL,
  CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));`,
	`ALTER TABLE child ADD COLUMN note varchar(20) NOT NULL DEFAULT 'n', ALGORITHM=COPY;
ALTER TABLE child DROP FOREIGN KEY child_parent_fk, ADD CONSTRAINT child_parent_cascade FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE;
CREATE INDEX child_note_idx ON child (note);
ALTER TABLE child MODIFY payload varchar(80) NOT NULL;`,
}

// TestMySQLInterruptedUpgradeCompletes kills (SIGKILL) or interrupts
// (SIGINT) retort at spread moments of an upgrade that copies a table of
// 524,288 rows four times, on MariaDB, where the server finishes a DDL
// statement after its client has gone. Every time, a plain re-run of
// upgrade completes, with every row, the new foreign key and no orphan.
// Before, retort recorded progress only after a statement returned, so a
// re-run ran a finished statement again and failed (duplicate column,
// "Can't DROP FOREIGN KEY").
func TestMySQLInterruptedUpgradeCompletes(t *testing.T) {
	if os.Getenv(testdb.MySQLEnv) == "" {
		t.Skipf("set %s to run the MySQL kill test", testdb.MySQLEnv)
	}
	if testing.Short() {
		t.Skip("copies a table of 524,288 rows dozens of times; skipped with -short")
	}
	bin := retortBinary(t)
	migrations := writeMySQLMigrations(t, killMigrations...)

	// A clean run gives the time the upgrade takes; the signals land at
	// eight spread fractions of it.
	u, db := killSetup(t, bin, migrations)
	start := time.Now()
	runBinary(t, bin, "upgrade", "--url", u, "--dir", migrations)
	took := time.Since(start)
	db.Close()
	t.Logf("a clean upgrade takes %v", took)

	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		outcomes := map[string]int{}
		for i := 1; i <= 8; i++ {
			delay := took * time.Duration(i) / 9
			t.Run(fmt.Sprintf("%s at %d of 9", sig, i), func(t *testing.T) {
				u, db := killSetup(t, bin, migrations)
				cmd := exec.Command(bin, "upgrade", "--url", u, "--dir", migrations)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(delay)
				if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(5 * time.Minute):
					cmd.Process.Kill()
					t.Fatalf("retort did not exit within 5 minutes of %s", sig)
				}
				code := cmd.ProcessState.ExitCode()
				switch {
				case code == 0:
					outcomes["finished first"]++
				case sig == syscall.SIGINT && code != 2:
					t.Fatalf("after SIGINT retort exited %d, want 0 or 2\nstderr:\n%s", code, &stderr)
				case sig == syscall.SIGINT && strings.Contains(stderr.String(), "had taken effect"):
					outcomes["in flight, had run"]++
				case sig == syscall.SIGINT && strings.Contains(stderr.String(), "had not taken effect"):
					outcomes["in flight, had not run"]++
				default:
					outcomes["stopped"]++
				}
				out := runBinary(t, bin, "upgrade", "--url", u, "--dir", migrations)
				if strings.Contains(out, "had taken effect") {
					outcomes["reconciled by the re-run"]++
				}
				checkKillResult(t, db, sig.String(), &stderr)
				if i == 8 {
					runBinary(t, bin, "downgrade", "-1", "--url", u, "--dir", migrations)
					if got := queryStrings(t, db, "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"); strings.Join(got, ",") != "child_parent_fk" {
						t.Errorf("after downgrade: foreign keys %v, want [child_parent_fk]", got)
					}
				}
			})
		}
		t.Logf("%s: %v", sig, outcomes)
	}
}

// killSetup creates a database at revision 1 with 1,000 parents and
// 524,288 children, and returns its URL and a pool.
func killSetup(t *testing.T, bin, migrations string) (string, *sql.DB) {
	t.Helper()
	u := testdb.MySQL(t)
	runBinary(t, bin, "upgrade", "+1", "--url", u, "--dir", migrations)
	target, err := retort.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stmts := []string{
		"INSERT INTO parent (id) SELECT seq FROM seq_1_to_1000",
		"INSERT INTO child (parent_id, payload) VALUES (1, 'row')",
	}
	for range 19 {
		stmts = append(stmts, "INSERT INTO child (parent_id, payload) SELECT 1 + id % 1000, concat('row ', id) FROM child")
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return u, db
}

func checkKillResult(t *testing.T, db *sql.DB, what string, stderr *bytes.Buffer) {
	t.Helper()
	checks := []struct{ query, want string }{
		{"SELECT count(*) FROM child", "524288"},
		{"SELECT count(*) FROM child c LEFT JOIN parent p ON p.id = c.parent_id WHERE p.id IS NULL", "0"},
		{"SELECT count(*) FROM child WHERE note = 'n'", "524288"},
		{"SELECT group_concat(CONSTRAINT_NAME, ' ', DELETE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()", "child_parent_cascade CASCADE"},
		{"SELECT count(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'child' AND COLUMN_NAME = 'note'", "1"},
		{"SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'child' AND COLUMN_NAME = 'payload'", "80"},
		{"SELECT group_concat(progress ORDER BY revision) FROM retort_revisions", "-1,-1"},
	}
	for _, c := range checks {
		var got sql.NullString
		if err := db.QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got.String != c.want {
			t.Errorf("after %s and a re-run: %s = %q, want %q\nfirst run's stderr:\n%s", what, c.query, got.String, c.want, stderr)
		}
	}
}

func queryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// runBinary runs the built retort to completion; it must exit 0. It
// returns stdout and stderr together.
func runBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RETORT_DATABASE_URL=", "DATABASE_URL=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("retort %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeMySQLMigrations writes one migration per up section, each with a
// down section that undoes it, and returns the directory.
func writeMySQLMigrations(t *testing.T, ups ...string) string {
	t.Helper()
	downs := []string{
		"DROP TABLE child;\nDROP TABLE parent;",
		`ALTER TABLE child MODIFY payload varchar(40) NOT NULL;
DROP INDEX child_note_idx ON child;
ALTER TABLE child DROP FOREIGN KEY child_parent_cascade, ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);
ALTER TABLE child DROP COLUMN note;`,
	}
	dir := filepath.Join(t.TempDir(), "migrations")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	parent := "base"
	for i, up := range ups {
		r := rev(i + 1)
		text := fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message migration %d\n\n-- migrate:up\n%s\n\n-- migrate:down\n%s\n",
			r, parent, i+1, up, downs[i])
		if err := os.WriteFile(filepath.Join(dir, r+"_m.sql"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		parent = r
	}
	return dir
}
