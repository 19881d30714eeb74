package retort_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/testdb"
)

// fleetFaultAndResume runs the fault scenario on a server fleet: target 3
// of 7 already has a table named notes. With the default policy the
// rollout stops; every other target is at head or untouched as its result
// says. After the conflict is removed, a second run resumes: the targets
// done are up to date, the others migrate.
func fleetFaultAndResume(t *testing.T, ts []*retort.Target, read func(*retort.Target) state, exec func(*retort.Target, string)) *retort.Fleet {
	t.Helper()
	before := untouchedFleet(len(ts))
	exec(ts[3], "CREATE TABLE notes (legacy TEXT)")
	before[3] = state{tables: []string{"notes"}}
	f := newFleet(t, ts, retort.WithParallel(2))
	rep, err := f.Upgrade(t.Context(), "head")
	if err == nil || !strings.Contains(err.Error(), "failed: "+ts[3].Redacted) {
		t.Fatalf("err = %v, want %s named", err, ts[3].Redacted)
	}
	counts := checkFleetOutcome(t, rep, read, before)
	if counts[retort.TargetFailed] != 1 || counts[retort.TargetNotStarted] == 0 {
		t.Fatalf("statuses %v: want 1 failed and some not started", counts)
	}
	exec(ts[3], "DROP TABLE notes")
	rep, err = f.Upgrade(t.Context(), "head")
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Count(retort.TargetUpToDate); got != counts[retort.TargetDone] {
		t.Errorf("%d up to date on the second run, want the %d done before", got, counts[retort.TargetDone])
	}
	for i, r := range rep.Targets {
		if s := read(r.Target); !sameState(s, atHead) {
			t.Errorf("target %d after resume: %v", i, s)
		}
	}
	return f
}

// checkFleet loads the desired schema once and checks every target.
func checkFleet(t *testing.T, f *retort.Fleet, desiredSQL string) {
	t.Helper()
	d, err := f.Dialect()
	if err != nil {
		t.Fatal(err)
	}
	desired, err := retort.LoadSQL(t.Context(), d, "schema.sql", desiredSQL)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.Check(t.Context(), desired)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Targets {
		if r.Check == nil || !r.Check.InSync() {
			t.Errorf("target %d: check %+v", i, r.Check)
		}
	}
}

func TestFleetPostgresSchemas(t *testing.T) {
	base := testdb.Postgres(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	prefix := testdb.Name("h15fleet")
	for i := range 7 {
		mustExec(t, admin, fmt.Sprintf(`CREATE SCHEMA "%s_t%02d"`, prefix, i))
	}
	mustExec(t, admin, `CREATE SCHEMA other`) // not matched
	ts, err := retort.SchemaTargets(t.Context(), base, prefix+`\_t%`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 7 || !strings.Contains(ts[0].Redacted, "schema="+prefix+"_t00") {
		t.Fatalf("%d targets, first %s", len(ts), ts[0].Redacted)
	}
	schemas := map[*retort.Target]string{}
	for i, tg := range ts {
		schemas[tg] = fmt.Sprintf("%s_t%02d", prefix, i)
	}
	schemaOf := func(tg *retort.Target) string { return schemas[tg] }
	readIn := func(tg *retort.Target) state {
		conn, err := admin.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		s := schemaOf(tg)
		if _, err := conn.ExecContext(t.Context(), `SET search_path TO "`+s+`"`); err != nil {
			t.Fatal(err)
		}
		st := state{tables: column(t, conn, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'retort_revisions' ORDER BY table_name`, s)}
		if len(column(t, conn, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'retort_revisions'`, s)) > 0 {
			st.revisions = column(t, conn, `SELECT revision FROM retort_revisions WHERE progress < 0 ORDER BY revision`)
		}
		return st
	}
	exec := func(tg *retort.Target, stmt string) {
		mustExec(t, admin, `SET search_path TO "`+schemaOf(tg)+`"; `+stmt)
	}
	f := fleetFaultAndResume(t, ts, readIn, exec)
	// With one database of a server at a time, the 7 schemas (one server)
	// run one by one although 4 may run at once.
	var mu sync.Mutex
	running, most := 0, 0
	capped := newFleet(t, ts, retort.WithParallel(4), retort.WithPerServer(1), retort.WithFleetProgress(func(e retort.FleetEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case retort.EventTargetStarted:
			running++
			most = max(most, running)
		case retort.EventTargetFinished:
			running--
		}
	}))
	if _, err := capped.Current(t.Context()); err != nil || most != 1 {
		t.Errorf("per-server 1: %d at once (err %v), want 1", most, err)
	}
	if got := column(t, admin, `SELECT count(*)::text FROM information_schema.tables WHERE table_schema = 'other'`); got[0] != "0" {
		t.Errorf("schema other touched: %s tables", got[0])
	}
	checkFleet(t, f, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"+
		"CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id));\nCREATE INDEX tags_note_id_idx ON tags (note_id);\n")
}

func TestFleetMySQLDatabases(t *testing.T) {
	base := os.Getenv(testdb.MySQLEnv)
	if base == "" {
		t.Skipf("set %s", testdb.MySQLEnv)
	}
	server, err := retort.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", server.DSN+"&multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // after the drops below
	prefix := testdb.Name("h15fleet")
	var names []string
	for i := range 7 {
		names = append(names, fmt.Sprintf("%s_t%02d", prefix, i))
		mustExec(t, admin, "CREATE DATABASE `"+names[i]+"`")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, n := range names {
			if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+n+"`"); err != nil {
				t.Errorf("drop %s: %v", n, err)
			}
		}
	})
	ts, err := retort.DatabaseTargets(t.Context(), base, strings.ReplaceAll(prefix, "_", `\_`)+`\_t%`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 7 || !strings.HasSuffix(ts[0].Redacted, "/"+names[0]) {
		t.Fatalf("%d targets, first %s", len(ts), ts[0].Redacted)
	}
	dbOf := func(tg *retort.Target) string { return tg.Redacted[strings.LastIndex(tg.Redacted, "/")+1:] }
	readIn := func(tg *retort.Target) state {
		n := dbOf(tg)
		return queryState(t, admin,
			"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"+n+"' AND TABLE_NAME <> 'retort_revisions' ORDER BY TABLE_NAME",
			"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"+n+"' AND TABLE_NAME = 'retort_revisions'",
			"SELECT revision FROM `"+n+"`.retort_revisions WHERE progress < 0 ORDER BY revision")
	}
	exec := func(tg *retort.Target, stmt string) { mustExec(t, admin, "USE `"+dbOf(tg)+"`; "+stmt) }
	f := fleetFaultAndResume(t, ts, readIn, exec)
	// With one database of a server at a time, the 7 schemas (one server)
	// run one by one although 4 may run at once.
	var mu sync.Mutex
	running, most := 0, 0
	capped := newFleet(t, ts, retort.WithParallel(4), retort.WithPerServer(1), retort.WithFleetProgress(func(e retort.FleetEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case retort.EventTargetStarted:
			running++
			most = max(most, running)
		case retort.EventTargetFinished:
			running--
		}
	}))
	if _, err := capped.Current(t.Context()); err != nil || most != 1 {
		t.Errorf("per-server 1: %d at once (err %v), want 1", most, err)
	}
	checkFleet(t, f, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"+
		"CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER, FOREIGN KEY (note_id) REFERENCES notes (id));\nCREATE INDEX tags_note_id_idx ON tags (note_id);\n")
}

func mustExec(t *testing.T, db *sql.DB, stmt string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
