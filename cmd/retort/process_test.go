package main

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// retortCommand returns a command running the retort CLI with args in dir.
// TestMain (testscript.Main) has put this test binary on $PATH as
// "retort", running cli.Main exactly as cmd/retort's main does; a separate
// go build is not needed.
func retortCommand(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("retort")
	if err != nil {
		t.Fatalf("retort is not on $PATH (testscript.Main should have put it there): %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RETORT_DATABASE_URL=", "DATABASE_URL=")
	return cmd
}

// runRetort runs the CLI to completion and fails the test unless it exits 0.
func runRetort(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := retortCommand(t, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("retort %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String()
}

// writeMigrations writes one migration file per up section into a new
// directory and returns it. Revision i (1-based) is rev(i).
func writeMigrations(t *testing.T, ups ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "migrations")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	parent := "base"
	for i, up := range ups {
		r := rev(i + 1)
		text := fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message migration %d\n\n-- migrate:up\n%s\n\n-- migrate:down\nSELECT 1;\n",
			r, parent, i+1, up)
		if err := os.WriteFile(filepath.Join(dir, r+"_m.sql"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		parent = r
	}
	return dir
}

func rev(i int) string { return fmt.Sprintf("2026010100%04d", i) }

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scalar(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 retort processes; skipped with -short")
	}
	const procs = 4
	ups := []string{
		`CREATE TABLE log (rev TEXT NOT NULL);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)
  INSERT INTO users (id, name) SELECT x, 'user ' || x FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
  INSERT INTO notes (id, author_id, body) SELECT x, 1 + x % 2000, 'note ' || x FROM c;`,
		`CREATE TABLE _retort_new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);
INSERT INTO _retort_new_notes (id, author_id, body) SELECT id, author_id, body FROM notes;
DROP TABLE notes;
ALTER TABLE _retort_new_notes RENAME TO notes;
CREATE INDEX notes_author_id_idx ON notes (author_id);`,
		`CREATE TABLE _retort_new_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO _retort_new_users (id, name) SELECT id, name FROM users;
DROP TABLE users;
ALTER TABLE _retort_new_users RENAME TO users;`,
		`ALTER TABLE notes ADD COLUMN title TEXT NOT NULL DEFAULT '';`,
		`UPDATE notes SET title = substr(body, 1, 4);`,
		`CREATE INDEX notes_title_idx ON notes (title);`,
		`CREATE VIEW note_counts AS SELECT author_id, count(*) AS n FROM notes GROUP BY author_id;`,
	}
	for i := range ups {
		ups[i] += fmt.Sprintf("\nINSERT INTO log (rev) VALUES ('%s');", rev(i+1))
	}
	migrations := writeMigrations(t, ups...)
	work := t.TempDir()
	dbPath := filepath.Join(work, "app.db")

	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	errs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmds[i] = retortCommand(t, work, "upgrade", "--url", "sqlite:"+dbPath, "--dir", migrations)
		outs[i], errs[i] = &bytes.Buffer{}, &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatalf("start process %d: %v", i, err)
		}
	}
	applied := map[string]int{}
	line := regexp.MustCompile(`(?m)^upgrade (\d+) migration \d+ \(\d`)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\nstdout:\n%s\nstderr:\n%s", i, err, outs[i], errs[i])
		}
		for _, m := range line.FindAllStringSubmatch(outs[i].String(), -1) {
			applied[m[1]]++
		}
	}
	for i := range ups {
		if n := applied[rev(i+1)]; n != 1 {
			t.Errorf("revision %s was reported applied by %d processes, want 1", rev(i+1), n)
		}
	}

	db := openSQLite(t, dbPath)
	checks := []struct{ query, want string }{
		{"SELECT count(*) FROM log", fmt.Sprint(len(ups))},
		{"SELECT count(DISTINCT rev) FROM log", fmt.Sprint(len(ups))},
		{"SELECT count(*) FROM retort_revisions WHERE progress = -1", fmt.Sprint(len(ups))},
		{"SELECT max(revision) FROM retort_revisions", rev(len(ups))},
		{"SELECT count(*) FROM users", "2000"},
		{"SELECT count(*) FROM notes", "20000"},
		{"SELECT count(*) FROM notes WHERE title = 'note'", "20000"},
		{"PRAGMA integrity_check", "ok"},
		{"SELECT count(*) FROM pragma_foreign_key_check", "0"},
	}
	for _, c := range checks {
		if got := scalar(t, db, c.query); got != c.want {
			t.Errorf("%s = %s, want %s", c.query, got, c.want)
		}
	}
}

// TestKillDuringMigration kills retort with SIGKILL while a migration that
// rebuilds a large table runs. SQLite's journal rolls the transaction back
// when the database is next opened: the database is at the previous
// revision with every row, and upgrading again succeeds. A run in which no
// kill lands mid-migration, even with the largest table, fails: it would
// have checked nothing.
func TestKillDuringMigration(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds a table of 300,000+ rows; skipped with -short")
	}
	for _, rows := range []int{300_000, 1_000_000, 3_000_000} {
		if killDuringMigration(t, rows) {
			return
		}
		t.Logf("%d rows: the migration finished before the kill; retrying with more rows", rows)
	}
	t.Fatal("the migration finished before the kill landed with every table size (300,000 to 3,000,000 rows): nothing was tested")
}

// killDuringMigration runs the kill test with a table of n rows. It
// returns false when the process finished before it could be killed.
func killDuringMigration(t *testing.T, n int) (killed bool) {
	t.Helper()
	migrations := writeMigrations(t,
		fmt.Sprintf(`CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
  INSERT INTO big (id, payload) SELECT x, printf('row %%08d %%s', x, hex(zeroblob(12))) FROM c;`, n),
		`CREATE TABLE _retort_new_big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, shout TEXT NOT NULL);
INSERT INTO _retort_new_big (id, payload, shout) SELECT id, payload, upper(payload) FROM big;
DROP TABLE big;
ALTER TABLE _retort_new_big RENAME TO big;
CREATE INDEX big_shout_idx ON big (shout);
UPDATE big SET shout = lower(shout);
UPDATE big SET shout = upper(shout);`)
	work := t.TempDir()
	dbPath := filepath.Join(work, "app.db")
	journal := dbPath + "-journal"
	url := "sqlite:" + dbPath

	start := time.Now()
	runRetort(t, work, "upgrade", "+1", "--url", url, "--dir", migrations)
	fill := time.Since(start) // about one pass over the table
	if _, err := os.Stat(journal); err == nil {
		t.Fatalf("%s exists after a finished upgrade", journal)
	}

	cmd := retortCommand(t, work, "upgrade", "--url", url, "--dir", migrations)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() }) // if the test fails before the kill

	// The journal appears with the migration's first write. Kill a
	// fraction of a table pass later, in the middle of the copy.
	deadline := time.After(2 * time.Minute)
poll:
	for {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("upgrade failed: %v\nstderr:\n%s", err, &stderr)
			}
			return false
		case <-deadline:
			t.Fatal("no journal file appeared within 2 minutes")
		case <-time.After(time.Millisecond):
			if _, err := os.Stat(journal); err == nil {
				break poll
			}
		}
	}
	time.Sleep(fill / 4)
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	err := <-exited
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		if err != nil {
			t.Fatalf("upgrade failed before the kill: %v\nstderr:\n%s", err, &stderr)
		}
		return false // it finished first
	}
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("killed mid-transaction, yet there is no hot journal: %v", err)
	}
	t.Logf("%d rows: killed %v after the journal appeared (one table pass took %v)", n, fill/4, fill)

	db := openSQLite(t, dbPath)
	wantRows := fmt.Sprint(n)
	checks := []struct{ query, want string }{
		{"PRAGMA integrity_check", "ok"},
		{"SELECT group_concat(revision) FROM retort_revisions", rev(1)},
		{"SELECT count(*) FROM big", wantRows},
		{"SELECT count(*) FROM big WHERE payload = printf('row %08d %s', id, hex(zeroblob(12)))", wantRows},
		{"SELECT group_concat(name) FROM pragma_table_info('big')", "id,payload"},
		{"SELECT count(*) FROM sqlite_schema WHERE name <> 'big' AND name NOT LIKE '%retort_revisions%'", "0"},
	}
	for _, c := range checks {
		if got := scalar(t, db, c.query); got != c.want {
			t.Errorf("after the kill: %s = %s, want %s", c.query, got, c.want)
		}
	}
	if _, err := os.Stat(journal); err == nil {
		t.Errorf("%s is still there after the database was read", journal)
	}
	db.Close()
	if t.Failed() {
		return true
	}

	out := runRetort(t, work, "upgrade", "--url", url, "--dir", migrations)
	if !strings.Contains(out, "upgrade "+rev(2)+" migration 2 (") {
		t.Errorf("second upgrade printed %q, want migration 2 applied", out)
	}
	if got := runRetort(t, work, "current", "--url", url, "--dir", migrations); !strings.HasPrefix(got, rev(2)+" (head)") {
		t.Errorf("current after the second upgrade = %q, want %s (head)", got, rev(2))
	}
	db = openSQLite(t, dbPath)
	for _, c := range []struct{ query, want string }{
		{"PRAGMA integrity_check", "ok"},
		{"SELECT count(*) FROM big WHERE shout = upper(payload)", wantRows},
		{"SELECT count(*) FROM sqlite_schema WHERE name = '_retort_new_big'", "0"},
	} {
		if got := scalar(t, db, c.query); got != c.want {
			t.Errorf("after the second upgrade: %s = %s, want %s", c.query, got, c.want)
		}
	}
	return true
}
