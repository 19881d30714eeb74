package cli

import (
	"slices"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      string
	}{
		{name: "words", in: "go run ./cmd/schema", want: []string{"go", "run", "./cmd/schema"}},
		{name: "blanks collapse", in: "  go \t run  ", want: []string{"go", "run"}},
		{name: "single quotes keep everything", in: `sh -c 'echo "$X" \n'`, want: []string{"sh", "-c", `echo "$X" \n`}},
		{name: "double quotes with escapes", in: `prog "a b" "say \"hi\" \\ \n"`, want: []string{"prog", "a b", `say "hi" \ \n`}},
		{name: "adjacent parts join", in: `a'b c'"d e"f`, want: []string{"ab cd ef"}},
		{name: "empty quoted argument", in: `prog '' ""`, want: []string{"prog", "", ""}},
		{name: "backslash outside quotes", in: `prog a\ b \'`, want: []string{"prog", "a b", "'"}},
		{name: "nothing expanded", in: `prog $HOME *.go a|b >out`, want: []string{"prog", "$HOME", "*.go", "a|b", ">out"}},
		{name: "empty", in: "   ", err: "no command"},
		{name: "unterminated single", in: "prog 'a", err: "unterminated single quote"},
		{name: "unterminated double", in: `prog "a\"`, err: "unterminated double quote"},
		{name: "trailing backslash", in: `prog \`, err: "backslash at the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitArgs(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("splitArgs(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("splitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			// What messages show splits back to the same arguments.
			if back, err := splitArgs(cmdName(got)); err != nil || !slices.Equal(back, got) {
				t.Errorf("splitArgs(cmdName(%q)) = %q, %v", got, back, err)
			}
		})
	}
}
