package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
)

// copyEvents is a row copy of 1,000 rows in batches of 100, then a small
// table's copy in one batch.
func copyEvents() []migrate.Event {
	var out []migrate.Event
	for n := int64(100); n <= 1000; n += 100 {
		out = append(out, migrate.Event{Kind: migrate.RowsCopied, Copied: dialect.Copied{Table: "notes", Rows: n, Total: 1000}})
	}
	return append(out, migrate.Event{Kind: migrate.RowsCopied, Copied: dialect.Copied{Table: "tags", Rows: 5, Total: 5}},
		migrate.Event{Kind: migrate.Finished, Direction: migrate.Up, Revision: "r1", Message: "m"})
}

func TestProgressRendering(t *testing.T) {
	tests := []struct {
		name              string
		terminal, verbose bool
		quiet             bool
		want              []string // substrings of stderr, in order
		not               []string
	}{
		{name: "plain lines", want: []string{
			"  copying rows of notes: 100/1000 (10%)\n", "  copying rows of notes: 200/1000 (20%)\n",
			"  copying rows of notes: 1000/1000 (100%)\n"},
			not: []string{"\r", "tags"}},
		{name: "plain lines, verbose: small copies too", verbose: true,
			want: []string{"notes: 1000/1000 (100%)\n", "  copying rows of tags: 5/5 (100%)\n"}},
		{name: "terminal bar", terminal: true, want: []string{
			"\r  copying rows of notes [###...........................] 100/1000 (10%)",
			"\r  copying rows of notes [##############################] 1000/1000 (100%)\n"},
			not: []string{"tags"}},
		{name: "quiet", quiet: true, not: []string{"copying"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{Stdout: &stdout, Stderr: &stderr, verbose: tt.verbose, quiet: tt.quiet}
			p := &progress{env: env, terminal: tt.terminal}
			for _, e := range copyEvents() {
				p.event(e)
			}
			got := stderr.String()
			checkOutput(t, got, tt.want, tt.not)
			if tt.quiet && (got != "" || stdout.Len() != 0) {
				t.Errorf("-q printed stdout %q, stderr %q", stdout.String(), got)
			}
			if !tt.quiet && stdout.String() != "upgrade r1 m (0s)\n" {
				t.Errorf("stdout = %q, want the one result line", stdout.String())
			}
		})
	}
}

// checkOutput fails unless got holds each of want, in order, and none of
// not.
func checkOutput(t *testing.T, got string, want, not []string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q (in order):\n%q", w, got)
		}
		rest = rest[i+len(w):]
	}
	for _, n := range not {
		if strings.Contains(got, n) {
			t.Errorf("output has %q:\n%q", n, got)
		}
	}
}
