package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNolint(t *testing.T) {
	tests := []struct {
		name, arg string
		want      []string
		err       string
	}{
		{name: "one", arg: "RT101", want: []string{"RT101"}},
		{name: "commas and spaces", arg: "rt101, RT106  RT116", want: []string{"RT101", "RT106", "RT116"}},
		{name: "reason after --", arg: "RT101 -- the column was unused", want: []string{"RT101"}},
		{name: "unknown code", arg: "RT101,RT999", err: `"RT999" is not a rule code`},
		{name: "a word", arg: "destructive", err: `"destructive" is not a rule code`},
		{name: "only a reason", arg: "-- because", err: "no rule codes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNolint(tt.arg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseNolint(f *testing.F) {
	for _, s := range []string{"RT101", "rt101, RT106 -- why", "", ",,", "RT1", "RT101\tRT102", "-- x", "RT10１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		codes, err := ParseNolint(arg)
		if err != nil {
			if codes != nil {
				t.Fatalf("codes %v with error %v", codes, err)
			}
			return
		}
		if len(codes) == 0 {
			t.Fatal("no codes and no error")
		}
		for _, c := range codes {
			if _, ok := RuleFor(c); !ok || c != strings.ToUpper(c) {
				t.Fatalf("code %q is not a rule", c)
			}
		}
	})
}
