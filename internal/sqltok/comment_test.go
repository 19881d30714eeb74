package sqltok

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "rebuild notes: add column x", "rebuild notes: add column x"},
		{"non-ASCII letters kept", "café 表 🙂", "café 表 🙂"},
		{"backslash kept", `a\b`, `a\b`},
		{"carriage return", "cr\rDROP TABLE users; --", `cr\rDROP TABLE users; --`},
		{"line feed", "a\n.shell rm x", `a\n.shell rm x`},
		{"tab", "a\tb", `a\tb`},
		{"escape and DEL", "a\x1b[2Jb\x7f", `a\x1b[2Jb\x7f`},
		{"NUL", "a\x00b", `a\x00b`},
		{"NEL", "a\u0085b", `a\u0085b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"paragraph separator", "a\u2029b", `a\u2029b`},
		{"bidi override", "a\u202eb", `a\u202eb`},
		{"byte-order mark", "\ufeffa", `\ufeffa`},
		{"not UTF-8", "a\xffb", `a\xffb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeLine(tt.in); got != tt.want {
				t.Errorf("EscapeLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := CommentLine(tt.in); got != "-- "+tt.want {
				t.Errorf("CommentLine(%q) = %q", tt.in, got)
			}
		})
	}
}

// FuzzEscapeLine checks that the escaped text is valid UTF-8 and holds no
// control character and no Unicode line terminator, whatever the input.
func FuzzEscapeLine(f *testing.F) {
	f.Add("cr\rDROP TABLE users; --")
	f.Add("a\u2028b\u0085c\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeLine(s)
		if !utf8.ValidString(got) {
			t.Fatalf("EscapeLine(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 {
				t.Fatalf("EscapeLine(%q) = %q holds %U", s, got, r)
			}
		}
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("EscapeLine(%q) = %q holds a line break", s, got)
		}
	})
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes, 2 per rune
	tests := []struct{ name, in, want string }{
		{"short", "DROP TABLE t", "DROP TABLE t"},
		{"more lines", "CREATE TABLE t (\n  a INT\n)", "CREATE TABLE t ( … (26 bytes)"},
		{"long line cut at a rune boundary", long, strings.Repeat("é", 100) + " … (300 bytes)"},
		{"control characters escaped", "SELECT '\x1b[2J'", `SELECT '\x1b[2J'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.in); got != tt.want {
				t.Errorf("Excerpt(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	odd := "x" + long // the cut falls inside a rune
	if got := Excerpt(odd); !utf8.ValidString(got) || !strings.HasPrefix(got, "x"+strings.Repeat("é", 99)+" …") {
		t.Errorf("Excerpt cut a rune: %q", got)
	}
}

func TestClipError(t *testing.T) {
	short := errors.New("near \"x\": syntax error")
	if got := ClipError(short); got != short.Error() {
		t.Errorf("ClipError(%q) = %q", short, got)
	}
	long := errors.New("no such column: " + strings.Repeat("x", 5000))
	got := ClipError(long)
	if len(got) > ErrorTextLen+30 || !strings.HasSuffix(got, " … (5016 bytes)") || !strings.HasPrefix(got, "no such column: xxx") {
		t.Errorf("ClipError of a 5016-byte message = %.80q… (%d bytes)", got, len(got))
	}
}
