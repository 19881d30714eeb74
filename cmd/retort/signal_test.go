package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM (what a deploy sends to stop a process) is handled as Ctrl-C:
// retort stops the migration, rolls it back (SQLite), reports the
// interruption and exits 2, instead of dying from the signal.
func TestSIGTERMIsHandledLikeSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds retort and fills a table of 1,000,000 rows; skipped with -short")
	}
	bin := retortBinary(t)
	migrations := writeMigrations(t,
		`CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)
  INSERT INTO big (id, payload) SELECT x, printf('row %08d', x) FROM c;`,
		`UPDATE big SET payload = upper(payload);
UPDATE big SET payload = lower(payload);
UPDATE big SET payload = upper(payload);`)
	work := t.TempDir()
	dbPath := filepath.Join(work, "app.db")
	url := "sqlite:" + dbPath
	runBinary(t, bin, "upgrade", "+1", "--url", url, "--dir", migrations)

	cmd := exec.Command(bin, "upgrade", "--url", url, "--dir", migrations)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(dbPath + "-journal"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the migration did not start within a minute")
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		t.Fatalf("retort died from %v instead of handling it", ws.Signal())
	case ws.ExitStatus() == 0:
		t.Fatalf("the migration finished before SIGTERM landed: nothing was tested\n%s", &stderr)
	case ws.ExitStatus() != 2:
		t.Fatalf("exit status %d after SIGTERM, want 2\n%s", ws.ExitStatus(), &stderr)
	}
	if !strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("stderr does not report the interruption:\n%s", &stderr)
	}
	if out := runBinary(t, bin, "current", "--url", url, "--dir", migrations); !strings.HasPrefix(out, rev(1)+" ") {
		t.Errorf("current after SIGTERM = %q, want %s", out, rev(1))
	}
}
