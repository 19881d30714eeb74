package migrate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

func TestHistoryRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.FixedZone("CEST", 2*60*60))
	written := []migrate.Record{
		{
			Revision: rev2, Parents: []string{rev1, "20251231000000"},
			Message: `it's a "merge"`, Checksum: strings.Repeat("ab", 32),
			AppliedAt: at, Duration: 1500*time.Millisecond + 999*time.Microsecond, Progress: -1,
		},
		{
			Revision: rev1, Message: "back\\slash\nnew line\ttab",
			Checksum: strings.Repeat("0", 64), AppliedAt: at, Progress: 3,
		},
	}
	// What reading them back gives: ordered by revision, durations in
	// whole milliseconds, and messages on one line without backslashes.
	want := []migrate.Record{
		{
			Revision: rev1, Message: "back/slash new line tab",
			Checksum: strings.Repeat("0", 64), AppliedAt: at, Progress: 3,
		},
		{
			Revision: rev2, Parents: []string{rev1, "20251231000000"},
			Message: `it's a "merge"`, Checksum: strings.Repeat("ab", 32),
			AppliedAt: at, Duration: 1500 * time.Millisecond, Progress: -1,
		},
	}
	tests := []struct {
		name  string
		table string
		want  string // the table's name in the database
	}{
		{name: "default table", table: "", want: migrate.DefaultTable},
		{name: "own table", table: "app_versions", want: "app_versions"},
		{name: "table name that needs quoting", table: `my "versions" table`, want: `my "versions" table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			h := migrate.NewHistory(sqlite.New(), tt.table)
			if h.Table() != tt.want {
				t.Errorf("Table() = %q, want %q", h.Table(), tt.want)
			}

			recs, err := h.Records(ctx, db)
			if err != nil || recs != nil {
				t.Fatalf("Records before Ensure = %v, %v; want no rows and no error", recs, err)
			}
			for range 2 { // Ensure may run on a database that has the table
				if err := h.Ensure(ctx, db); err != nil {
					t.Fatalf("Ensure: %v", err)
				}
			}
			if got := queryStrings(t, db, "SELECT name FROM sqlite_schema WHERE type = 'table'"); !cmp.Equal(got, []string{tt.want}) {
				t.Errorf("tables = %q, want %q", got, tt.want)
			}

			for _, r := range written {
				for _, s := range h.WriteSQL(r) {
					if _, err := db.ExecContext(ctx, s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
			recs, err = h.Records(ctx, db)
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			if diff := cmp.Diff(want, recs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Records (-want +got):\n%s", diff)
			}

			// Writing a revision again replaces its row.
			again := written[1]
			again.Progress = -1
			for _, s := range h.WriteSQL(again) {
				if _, err := db.ExecContext(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			recs, err = h.Records(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0].Revision != rev1 || !recs[0].Complete() {
				t.Errorf("after rewriting %s: Records = %+v, want it once, complete", rev1, recs)
			}

			if _, err := db.ExecContext(ctx, h.DeleteSQL(rev1)); err != nil {
				t.Fatal(err)
			}
			recs, err = h.Records(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Revision != rev2 {
				t.Errorf("after DeleteSQL(%s): Records = %+v, want only %s", rev1, recs, rev2)
			}
		})
	}
}

func TestHistoryUnreadableTable(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE retort_revisions (version INTEGER); INSERT INTO retort_revisions VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, err := migrate.NewHistory(sqlite.New(), "").Records(ctx, db)
	if err == nil || !strings.Contains(err.Error(), migrate.DefaultTable) {
		t.Errorf("Records of a foreign table = %v, want an error naming %s", err, migrate.DefaultTable)
	}
}

func TestAppliedAndCurrent(t *testing.T) {
	// rev1 ← rev2, rev1 ← rev3, and rev4 merges rev2 and rev3.
	g := graphOf(t, map[string]string{
		fileName(rev1, "a"): migration(rev1, "base", "a", "SELECT 1;", ""),
		fileName(rev2, "b"): migration(rev2, rev1, "b", "SELECT 1;", ""),
		fileName(rev3, "c"): migration(rev3, rev1, "c", "SELECT 1;", ""),
		fileName(rev4, "merge"): "-- retort:revision " + rev4 + "\n-- retort:parent " + rev2 + " " + rev3 +
			"\n-- retort:message merge\n-- migrate:up\n-- migrate:down\n",
	})
	done := func(revs ...string) []migrate.Record {
		var out []migrate.Record
		for _, r := range revs {
			out = append(out, migrate.Record{Revision: r, Progress: -1})
		}
		return out
	}
	tests := []struct {
		name        string
		records     []migrate.Record
		wantCurrent []string
		wantPartial map[string]int
	}{
		{name: "nothing applied", wantPartial: map[string]int{}},
		{name: "first revision", records: done(rev1), wantCurrent: []string{rev1}, wantPartial: map[string]int{}},
		{name: "two branches", records: done(rev1, rev2, rev3), wantCurrent: []string{rev2, rev3}, wantPartial: map[string]int{}},
		{name: "merged", records: done(rev1, rev2, rev3, rev4), wantCurrent: []string{rev4}, wantPartial: map[string]int{}},
		{
			name:        "partly applied revision is not current",
			records:     append(done(rev1, rev2), migrate.Record{Revision: rev3, Progress: 2}),
			wantCurrent: []string{rev2},
			wantPartial: map[string]int{rev3: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			applied, partial := migrate.Applied(tt.records)
			if diff := cmp.Diff(tt.wantPartial, partial); diff != "" {
				t.Errorf("Applied partial (-want +got):\n%s", diff)
			}
			if got := migrate.Current(g, applied); !cmp.Equal(got, tt.wantCurrent, cmpopts.EquateEmpty()) {
				t.Errorf("Current = %v, want %v", got, tt.wantCurrent)
			}
		})
	}
}

// A statement in flight (started, outcome unknown) is stored as a partial
// row with duration_ms -1 and read back as such; rewriting the row without
// the mark clears it.
func TestHistoryInFlight(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	h := migrate.NewHistory(sqlite.New(), "")
	if err := h.Ensure(ctx, db); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	rec := migrate.Record{Revision: rev1, Checksum: strings.Repeat("1", 64), AppliedAt: at, Duration: 700 * time.Millisecond, Progress: 2, InFlight: true}
	for _, step := range []struct {
		name  string
		write migrate.Record
		want  migrate.Record
	}{
		{"marked", rec, migrate.Record{Revision: rev1, Checksum: rec.Checksum, AppliedAt: at, Progress: 2, InFlight: true}},
		{"cleared", migrate.Record{Revision: rev1, Checksum: rec.Checksum, AppliedAt: at, Duration: 700 * time.Millisecond, Progress: 2},
			migrate.Record{Revision: rev1, Checksum: rec.Checksum, AppliedAt: at, Duration: 700 * time.Millisecond, Progress: 2}},
		{"a complete row is never in flight", migrate.Record{Revision: rev1, Checksum: rec.Checksum, AppliedAt: at, Progress: -1, InFlight: true},
			migrate.Record{Revision: rev1, Checksum: rec.Checksum, AppliedAt: at, Progress: -1}},
	} {
		for _, s := range h.WriteSQL(step.write) {
			if _, err := db.ExecContext(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		recs, err := h.Records(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]migrate.Record{step.want}, recs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: records (-want +got):\n%s", step.name, diff)
		}
	}
}
