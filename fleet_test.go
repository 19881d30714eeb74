package retort_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
)

// fleetMigrations are the two migrations every fleet test applies.
var fleetMigrations = fstest.MapFS{
	"20260101000000_notes.sql": {Data: []byte("-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n-- migrate:down\nDROP TABLE notes;\n")},
	"20260102000000_tags.sql": {Data: []byte("-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id));\n" +
		"CREATE INDEX tags_note_id_idx ON tags (note_id);\n-- migrate:down\nDROP TABLE tags;\n")},
}

const (
	rev1 = "20260101000000"
	rev2 = "20260102000000"
)

// sqliteFleet creates n empty SQLite files and returns their targets.
func sqliteFleet(t *testing.T, n int) []*retort.Target {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("tenant%02d.db", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := retort.GlobTargets("sqlite:"+dir+"/*.db", "")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// state is what a database holds: its user tables and its version rows.
type state struct{ tables, revisions []string }

func (s state) String() string { return fmt.Sprintf("tables %v revisions %v", s.tables, s.revisions) }

// sqliteState reads a SQLite target's state with the plain driver.
func sqliteState(t *testing.T, tg *retort.Target) state {
	t.Helper()
	return queryState(t, openFile(t, tg), `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'retort_revisions' ORDER BY name`,
		`SELECT name FROM sqlite_master WHERE name = 'retort_revisions'`, `SELECT revision FROM retort_revisions WHERE progress < 0 ORDER BY revision`)
}

// queryState runs the tables query and, when probe finds the version
// table, the revisions query.
func queryState(t *testing.T, db *sql.DB, tables, probe, revisions string) state {
	t.Helper()
	var s state
	s.tables = column(t, db, tables)
	if len(column(t, db, probe)) > 0 {
		s.revisions = column(t, db, revisions)
	}
	return s
}

// column returns the first column of query's rows.
func column(t *testing.T, q dialect.Querier, query string, args ...any) []string {
	t.Helper()
	out, err := dialect.Names(t.Context(), q, "", query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// openFile opens a SQLite target with the plain driver.
func openFile(t *testing.T, tg *retort.Target) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", tg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var (
	untouched = state{}
	atHead    = state{tables: []string{"notes", "tags"}, revisions: []string{rev1, rev2}}
	atRev1    = state{tables: []string{"notes"}, revisions: []string{rev1}}
)

// conflict gives a target a table of its own named notes, so that the
// first migration fails there.
func conflict(t *testing.T, tg *retort.Target) state {
	t.Helper()
	if _, err := openFile(t, tg).Exec(`CREATE TABLE notes (legacy TEXT)`); err != nil {
		t.Fatal(err)
	}
	return state{tables: []string{"notes"}}
}

// untouchedFleet is the state of n fresh targets.
func untouchedFleet(n int) map[int]state {
	before := map[int]state{}
	for i := range n {
		before[i] = untouched
	}
	return before
}

func sameState(a, b state) bool {
	return slices.Equal(a.tables, b.tables) && slices.Equal(a.revisions, b.revisions)
}

func newFleet(t *testing.T, ts []*retort.Target, opts ...retort.FleetOption) *retort.Fleet {
	t.Helper()
	f, err := retort.NewFleet(ts, fleetMigrations, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFleetSQLiteUpgradeAndResume(t *testing.T) {
	ts := sqliteFleet(t, 12)
	f := newFleet(t, ts, retort.WithParallel(3))
	rep, err := f.Upgrade(t.Context(), "head")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Targets {
		if r.Status != retort.TargetDone || len(r.From) != 0 || !slices.Equal(r.To, []string{rev2}) || len(r.Results) != 2 {
			t.Errorf("target %d: %v from %v to %v, %d results, err %v", i, r.Status, r.From, r.To, len(r.Results), r.Err)
		}
		if s := sqliteState(t, ts[i]); !sameState(s, atHead) {
			t.Errorf("%s: %v, want %v", ts[i].Redacted, s, atHead)
		}
	}
	// Re-running does nothing, and says so per target.
	rep, err = f.Upgrade(t.Context(), "head")
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Count(retort.TargetUpToDate); n != len(ts) {
		t.Fatalf("%d up to date on the second run, want %d", n, len(ts))
	}
	// Downgrade one step everywhere, then read where each is.
	if _, err := f.Downgrade(t.Context(), "-1"); err != nil {
		t.Fatal(err)
	}
	rep, err = f.Current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Targets {
		if !slices.Equal(r.To, []string{rev1}) {
			t.Errorf("target %d at %v after downgrade -1, want %s", i, r.To, rev1)
		}
		if s := sqliteState(t, ts[i]); !sameState(s, atRev1) {
			t.Errorf("%s: %v, want %v", ts[i].Redacted, s, atRev1)
		}
	}
	rep, err = f.Pending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Targets[5].Pending; len(p) != 1 || p[0].Revision != rev2 {
		t.Fatalf("pending %v, want %s", p, rev2)
	}
}

// checkFleetOutcome asserts that every target is in a state its result
// explains: failed ones as before, not-started ones untouched, done ones at
// head. It returns how many targets had each status.
func checkFleetOutcome(t *testing.T, rep *retort.FleetReport, read func(*retort.Target) state, before map[int]state) map[retort.TargetStatus]int {
	t.Helper()
	counts := map[retort.TargetStatus]int{}
	for i, r := range rep.Targets {
		counts[r.Status]++
		got := read(r.Target)
		want := atHead
		switch r.Status {
		case retort.TargetFailed, retort.TargetNotStarted:
			want = before[i]
		}
		if !sameState(got, want) {
			t.Errorf("target %d (%s, %v): %v, want %v", i, r.Name(), r.Status, got, want)
		}
	}
	return counts
}

func TestFleetFaultStopsRollout(t *testing.T) {
	ts := sqliteFleet(t, 9)
	before := untouchedFleet(len(ts))
	before[4] = conflict(t, ts[4])
	rep, err := newFleet(t, ts, retort.WithParallel(2)).Upgrade(t.Context(), "head")
	var fe *retort.FleetError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FleetError", err)
	}
	if !strings.Contains(err.Error(), "1 of 9 databases failed: "+ts[4].Redacted) || !strings.Contains(err.Error(), "not started") {
		t.Errorf("error %q: want the failed database named and the rest not started", err)
	}
	var se *migrate.StmtError
	if !errors.As(err, &se) {
		t.Errorf("err does not unwrap to the failed statement: %v", err)
	}
	counts := checkFleetOutcome(t, rep, func(tg *retort.Target) state { return sqliteState(t, tg) }, before)
	if counts[retort.TargetFailed] != 1 || counts[retort.TargetNotStarted] == 0 || counts[retort.TargetDone] < 4 {
		t.Errorf("statuses %v: want 1 failed, targets 0-3 done, some not started", counts)
	}
	for i := 5; i < len(ts); i++ {
		// With 2 at a time, at most the one running beside target 4 is
		// started after it fails.
		if i > 5 && rep.Targets[i].Status != retort.TargetNotStarted {
			t.Errorf("target %d: %v, want not-started", i, rep.Targets[i].Status)
		}
	}
	if rep.Stopped == "" {
		t.Error("report does not say why the rollout stopped")
	}
}

func TestFleetContinueOnError(t *testing.T) {
	ts := sqliteFleet(t, 6)
	before := untouchedFleet(len(ts))
	before[2] = conflict(t, ts[2])
	rep, err := newFleet(t, ts, retort.WithParallel(2), retort.WithContinueOnError()).Upgrade(t.Context(), "head")
	if err == nil || !strings.Contains(err.Error(), "1 of 6 databases failed: "+ts[2].Redacted) {
		t.Fatalf("err = %v, want the one failure named", err)
	}
	counts := checkFleetOutcome(t, rep, func(tg *retort.Target) state { return sqliteState(t, tg) }, before)
	if counts[retort.TargetDone] != 5 || counts[retort.TargetFailed] != 1 {
		t.Errorf("statuses %v: want 5 done, 1 failed", counts)
	}
}

func TestFleetCanaryStops(t *testing.T) {
	ts := sqliteFleet(t, 8)
	before := untouchedFleet(len(ts))
	before[1] = conflict(t, ts[1])
	// Even with continue-on-error, a failed canary stops everything.
	rep, err := newFleet(t, ts, retort.WithParallel(3), retort.WithCanary(3), retort.WithContinueOnError()).Upgrade(t.Context(), "head")
	if err == nil {
		t.Fatal("no error")
	}
	counts := checkFleetOutcome(t, rep, func(tg *retort.Target) state { return sqliteState(t, tg) }, before)
	if counts[retort.TargetDone] != 2 || counts[retort.TargetFailed] != 1 || counts[retort.TargetNotStarted] != 5 {
		t.Errorf("statuses %v: want the 2 other canaries done, 5 not started", counts)
	}
	for i := range 3 {
		if !rep.Targets[i].Canary {
			t.Errorf("target %d not marked canary", i)
		}
	}
	if !strings.Contains(rep.Stopped, "canary") {
		t.Errorf("Stopped = %q", rep.Stopped)
	}
}

func TestFleetCanaryStopsOneAtATime(t *testing.T) {
	ts := sqliteFleet(t, 5)
	before := map[int]state{0: untouched, 1: conflict(t, ts[1]), 2: untouched, 3: untouched, 4: untouched}
	rep, _ := newFleet(t, ts, retort.WithParallel(1), retort.WithCanary(3)).Upgrade(t.Context(), "head")
	counts := checkFleetOutcome(t, rep, func(tg *retort.Target) state { return sqliteState(t, tg) }, before)
	if counts[retort.TargetDone] != 1 || counts[retort.TargetNotStarted] != 3 || !strings.Contains(rep.Stopped, "canary") {
		t.Errorf("statuses %v, stopped %q: want canary 0 done, 1 failed, the rest not started, the canary named", counts, rep.Stopped)
	}
}

func TestFleetCanaryPasses(t *testing.T) {
	ts := sqliteFleet(t, 5)
	var mu sync.Mutex
	var order []int
	f := newFleet(t, ts, retort.WithParallel(4), retort.WithCanary(1), retort.WithFleetProgress(func(e retort.FleetEvent) {
		if e.Kind == retort.EventTargetFinished {
			mu.Lock()
			order = append(order, e.Index)
			mu.Unlock()
		}
	}))
	if _, err := f.Upgrade(t.Context(), "head"); err != nil {
		t.Fatal(err)
	}
	if len(order) != 5 || order[0] != 0 {
		t.Fatalf("finish order %v: want the canary (0) first, then the 4 others", order)
	}
}

func TestFleetInterrupted(t *testing.T) {
	ts := sqliteFleet(t, 10)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	started := map[int]bool{}
	// Cancel while the fifth database runs its second migration.
	f := newFleet(t, ts, retort.WithParallel(2), retort.WithFleetProgress(func(e retort.FleetEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Kind == retort.EventTargetStarted:
			started[e.Index] = true
		case e.Kind == retort.EventTargetProgress && e.Index == 4 && e.Event.Kind == migrate.StatementStarted && e.Event.Revision == rev2:
			cancel()
		}
	}))
	rep, err := f.Upgrade(ctx, "head")
	if err == nil {
		t.Fatal("no error after the interruption")
	}
	if !strings.Contains(rep.Stopped, "interrupted") || !rep.Interrupted {
		t.Errorf("Stopped = %q, want interrupted", rep.Stopped)
	}
	for i, r := range rep.Targets {
		s := sqliteState(t, r.Target)
		switch {
		case !started[i]:
			if r.Status != retort.TargetNotStarted || !sameState(s, untouched) {
				t.Errorf("target %d started after the interruption: %v, %v", i, r.Status, s)
			}
		case r.Status == retort.TargetDone:
			if !sameState(s, atHead) {
				t.Errorf("target %d done but %v", i, s)
			}
		default:
			// Interrupted while running: each migration applied whole or
			// rolled back, and the report says where the database is.
			if !sameState(s, untouched) && !sameState(s, atRev1) && !sameState(s, atHead) {
				t.Errorf("target %d half-applied: %v", i, s)
			}
			if len(s.revisions) > 0 && !slices.Equal(r.To, s.revisions[len(s.revisions)-1:]) {
				t.Errorf("target %d: report says %v, database is at %v", i, r.To, s.revisions)
			}
		}
	}
	if rep.Targets[4].Status != retort.TargetFailed || !sameState(sqliteState(t, ts[4]), atRev1) {
		t.Errorf("target 4: %v %v, want failed at %s (its second migration rolled back)", rep.Targets[4].Status, sqliteState(t, ts[4]), rev1)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v does not unwrap to context.Canceled", err)
	}
}

func TestNewFleetRefuses(t *testing.T) {
	a, _ := retort.ParseURL("sqlite:a.db")
	b, _ := retort.ParseURL("postgres://u@h/db")
	tests := []struct {
		name    string
		targets []*retort.Target
		opts    []retort.FleetOption
		wantErr string
	}{
		{name: "no targets", wantErr: "no database to migrate"},
		{name: "two engines", targets: []*retort.Target{a, b}, wantErr: "a fleet is of one engine"},
		{name: "twice", targets: []*retort.Target{a, a}, wantErr: "sqlite:a.db is named twice"},
		{name: "parallel 0", targets: []*retort.Target{a}, opts: []retort.FleetOption{retort.WithParallel(0)}, wantErr: "WithParallel: 0 is not positive"},
		{name: "negative canary", targets: []*retort.Target{a}, opts: []retort.FleetOption{retort.WithCanary(-1)}, wantErr: "WithCanary: -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := retort.NewFleet(tt.targets, fleetMigrations, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
