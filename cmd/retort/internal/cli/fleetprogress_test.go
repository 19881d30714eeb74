package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// fleetEvents: three databases; a starts and finishes, b fails, c is
// still running its first migration.
func fleetEvents(ts []*retort.Target) []retort.FleetEvent {
	return []retort.FleetEvent{
		{Kind: retort.EventTargetStarted, Index: 0, Target: ts[0]},
		{Kind: retort.EventTargetStarted, Index: 1, Target: ts[1]},
		{Kind: retort.EventTargetFinished, Index: 0, Target: ts[0], Result: &retort.TargetResult{Target: ts[0], Status: retort.TargetDone,
			To: []string{"r2"}, Duration: 1500 * time.Millisecond}},
		{Kind: retort.EventTargetStarted, Index: 2, Target: ts[2]},
		{Kind: retort.EventTargetProgress, Index: 2, Target: ts[2], Event: migrate.Event{Kind: migrate.Started, Revision: "r1"}},
		{Kind: retort.EventTargetFinished, Index: 1, Target: ts[1], Result: &retort.TargetResult{Target: ts[1], Status: retort.TargetFailed,
			Err: errors.New("t.sql:2: table notes already exists\n  in: CREATE TABLE notes"), Duration: time.Millisecond}},
	}
}

func TestFleetProgressRendering(t *testing.T) {
	var ts []*retort.Target
	for _, u := range []string{"sqlite:a.db", "postgres://u:secret@h/app?schema=b", "sqlite:c.db"} {
		tg, err := retort.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	tests := []struct {
		name     string
		terminal bool
		quiet    bool
		want     []string // substrings of stderr, in order
		not      []string
	}{
		{name: "plain lines, one per database as it ends", want: []string{
			"upgrade: done sqlite:a.db base -> r2 (1.5s) [1/3]\n",
			"upgrade: failed postgres://u:xxxxx@h/app?schema=b: t.sql:2: table notes already exists [2/3]\n"},
			not: []string{"\x1b[", "secret", "in: CREATE", "running"}},
		{name: "terminal block, failure printed above it", terminal: true, want: []string{
			"upgrade: 1/3 finished (1 done, 0 up to date, 0 failed), 1 running",
			"  slowest  sqlite:a.db (1.5s)\n",
			"\x1b[", // the block erased
			"upgrade: failed postgres://u:xxxxx@h/app?schema=b: t.sql:2: table notes already exists\n",
			"upgrade: 2/3 finished (1 done, 0 up to date, 1 failed), 1 running",
			"  running  sqlite:c.db r1 (",
			"  slowest  sqlite:a.db (1.5s)\n"},
			not: []string{"secret"}},
		{name: "quiet", quiet: true, not: []string{"upgrade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			env := &Env{Stderr: &stderr, quiet: tt.quiet, Getenv: func(string) string { return "" }}
			p := newFleetProgress(env, "upgrade")
			p.terminal = tt.terminal
			p.total, p.began = len(ts), time.Now()
			for i, e := range fleetEvents(ts) {
				p.event(e)
				if i == 2 && tt.terminal {
					p.mu.Lock()
					p.draw() // what the ticker does
					p.mu.Unlock()
				}
			}
			p.stop()
			got := stderr.String()
			checkOutput(t, got, tt.want, tt.not)
			if tt.terminal && !strings.HasSuffix(got, "\x1b[J") {
				t.Errorf("the block is not erased at the end:\n%q", got)
			}
		})
	}
}
