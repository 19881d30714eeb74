package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/testdb"
)

// fleetCLIRun runs a fleet upgrade through the CLI with flags, one
// database at a time: after conflict() the second of the n databases fails
// (its first migration's table exists), so the rollout stops there, exit 1
// naming it. After fix(), running again resumes (exit 0: the first is up to
// date, the others migrate), and current reads every database at head.
func fleetCLIRun(t *testing.T, flags []string, n int, conflict, fix func()) {
	t.Helper()
	migrations := writeMigrations(t, "CREATE TABLE notes (id INTEGER PRIMARY KEY);", "CREATE TABLE tags (id INTEGER PRIMARY KEY);")
	dir := t.TempDir()
	args := append([]string{"--dir", migrations, "--json", "--parallel", "1"}, flags...)
	conflict()
	code, stdout, stderr := runExit(t, dir, append([]string{"upgrade"}, args...)...)
	rep := fleetReport(t, stdout)
	if code != 1 || fmt.Sprint(rep.statuses()) != fmt.Sprint(append([]string{"done", "failed"}, repeat("not-started", n-2)...)) {
		t.Fatalf("upgrade: exit %d, statuses %v\n%s", code, rep.statuses(), stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("1 of %d databases failed: %s", n, rep.Results[1].Target)) {
		t.Errorf("stderr does not name the failed database:\n%s", stderr)
	}
	fix()
	rep = fleetReport(t, runRetort(t, dir, append([]string{"upgrade"}, args...)...))
	if fmt.Sprint(rep.statuses()) != fmt.Sprint(append([]string{"up-to-date"}, repeat("done", n-1)...)) {
		t.Fatalf("re-run: statuses %v", rep.statuses())
	}
	rep = fleetReport(t, runRetort(t, dir, append([]string{"current"}, args...)...))
	for _, r := range rep.Results {
		if len(r.To) != 1 || r.To[0] != rev(2) {
			t.Errorf("%s at %v, want %s", r.Target, r.To, rev(2))
		}
	}
}

type cliReport struct {
	Results []struct {
		Target, Status string
		To             []string
	} `json:"results"`
}

func (r cliReport) statuses() []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, x.Status)
	}
	return out
}

func fleetReport(t *testing.T, stdout string) cliReport {
	t.Helper()
	var rep cliReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout)
	}
	return rep
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestFleetCLIPostgresSchemas(t *testing.T) {
	u := testdb.Postgres(t)
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 4 {
		mustExec(t, db, fmt.Sprintf(`CREATE SCHEMA "h15fleet_t%d"`, i))
	}
	fleetCLIRun(t, []string{"--url", u, "--schema-pattern", `h15fleet\_t%`}, 4, func() {
		mustExec(t, db, `CREATE TABLE h15fleet_t1.notes (legacy TEXT)`)
	}, func() { mustExec(t, db, `DROP TABLE h15fleet_t1.notes`) })
}

func TestFleetCLIMySQLDatabases(t *testing.T) {
	base := os.Getenv(testdb.MySQLEnv)
	if base == "" {
		t.Skipf("set %s", testdb.MySQLEnv)
	}
	server, err := retort.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prefix := testdb.Name("h15fleet")
	for i := range 4 {
		mustExec(t, db, fmt.Sprintf("CREATE DATABASE `%s_t%d`", prefix, i))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for i := range 4 {
			db.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS `%s_t%d`", prefix, i))
		}
	})
	fleetCLIRun(t, []string{"--url", base, "--database-pattern", strings.ReplaceAll(prefix, "_", `\_`) + `\_t%`}, 4, func() {
		mustExec(t, db, fmt.Sprintf("CREATE TABLE `%s_t1`.notes (legacy TEXT)", prefix))
	}, func() { mustExec(t, db, fmt.Sprintf("DROP TABLE `%s_t1`.notes", prefix)) })
}

func mustExec(t *testing.T, db *sql.DB, stmt string) {
	t.Helper()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
