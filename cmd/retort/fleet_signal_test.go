package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C during a fleet rollout: no database starts after it, the ones
// running stop with their migration rolled back, the report (--json) says
// which is where, and retort exits 2. Each database is checked: its version
// table and its tables agree with the report.
func TestFleetSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds retort and fills tables of 300,000 rows; skipped with -short")
	}
	bin := retortBinary(t)
	migrations := writeMigrations(t,
		`CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
  INSERT INTO big (id, payload) SELECT x, printf('row %08d', x) FROM c;
UPDATE big SET payload = upper(payload);`)
	dir := t.TempDir()
	const n = 8
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("t%d.db", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "upgrade", "--targets", "sqlite:"+dir+"/*.db", "--dir", migrations, "--parallel", "2", "--json")
	cmd.Env = append(os.Environ(), "RETORT_DATABASE_URL=", "DATABASE_URL=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	// Interrupt once a second migration is under way somewhere.
	deadline := time.Now().Add(time.Minute)
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.db-journal")); len(m) > 0 && bytes.Contains(stderr.Bytes(), []byte("[1/")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no migration under way within a minute\n%s", &stderr)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 2 {
		t.Fatalf("exit %v after SIGINT, want status 2\n%s", ws, &stderr)
	}
	var rep struct {
		NotStarted int    `json:"not_started"`
		Stopped    string `json:"stopped"`
		Results    []struct {
			Target string   `json:"target"`
			Status string   `json:"status"`
			To     []string `json:"to"`
		} `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, &stdout)
	}
	if rep.Stopped != "interrupted" || rep.NotStarted == 0 {
		t.Errorf("stopped %q with %d not started: want interrupted, some not started", rep.Stopped, rep.NotStarted)
	}
	for i, r := range rep.Results {
		db := openSQLite(t, filepath.Join(dir, fmt.Sprintf("t%d.db", i)))
		tables := scalar(t, db, `SELECT count(*) FROM sqlite_schema WHERE name = 'big'`)
		revs := "0"
		if scalar(t, db, `SELECT count(*) FROM sqlite_schema WHERE name = 'retort_revisions'`) == "1" {
			revs = scalar(t, db, `SELECT count(*) FROM retort_revisions WHERE progress < 0`)
		}
		rows := "0"
		if tables == "1" {
			rows = scalar(t, db, `SELECT count(*) FROM big`)
		}
		got := tables + "/" + revs + "/" + rows
		switch {
		case r.Status == "not-started" && got != "0/0/0":
			t.Errorf("%s not started but %s (tables/revisions/rows)", r.Target, got)
		case r.Status == "done" && got != "1/2/300000":
			t.Errorf("%s done but %s", r.Target, got)
		case r.Status == "failed" && got != "0/0/0" && got != "1/1/0":
			t.Errorf("%s interrupted but half-applied: %s", r.Target, got)
		case r.Status == "failed" && revs == "1" && (len(r.To) != 1 || r.To[0] != rev(1)):
			t.Errorf("%s: report says it is at %v, the database is at %s", r.Target, r.To, rev(1))
		}
	}
}
