package sqltok

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTokenize checks Tokenize's contract on any input, with every option
// combination: the tokens' texts concatenate to the input, each token
// starts where the previous one ended, none is empty, and lines are the
// 1-based line of each token's start (hence never decrease).
//
// Seeds live in testdata/fuzz/FuzzTokenize.
func FuzzTokenize(f *testing.F) {
	f.Add("SELECT 1")
	f.Fuzz(func(t *testing.T, src string) {
		for _, opt := range []Options{{}, {DollarQuotes: true}, {Backslash: true}, {DollarQuotes: true, Backslash: true}, {Backslash: true, NoBackslashEscapes: true}} {
			toks := Tokenize(src, opt)
			var b strings.Builder
			pos, line := 0, 1
			for i, tok := range toks {
				if tok.Text == "" {
					t.Fatalf("%+v: token %d is empty", opt, i)
				}
				if tok.Pos != pos {
					t.Fatalf("%+v: token %d %q at %d, want %d", opt, i, tok.Text, tok.Pos, pos)
				}
				if tok.Line != line {
					t.Fatalf("%+v: token %d %q on line %d, want %d", opt, i, tok.Text, tok.Line, line)
				}
				if tok.Kind < Word || tok.Kind > Param {
					t.Fatalf("%+v: token %d %q has kind %d", opt, i, tok.Text, tok.Kind)
				}
				b.WriteString(tok.Text)
				pos += len(tok.Text)
				line += strings.Count(tok.Text, "\n") // lines never decrease
			}
			if got := b.String(); got != src {
				t.Fatalf("%+v: tokens concatenate to %q, want the input %q", opt, got, src)
			}
			// Normalize and Significant never panic and drop only space and
			// comments.
			for _, tok := range Significant(toks) {
				if tok.Kind == Space || tok.Kind == Comment {
					t.Fatalf("Significant kept %v token %q", tok.Kind, tok.Text)
				}
			}
			if utf8.ValidString(src) {
				_ = Normalize(src, opt)
			}
		}
	})
}

func TestTokenizeKinds(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		opt  Options
		want []Kind // significant tokens
	}{
		{"words and punct", "SELECT a.b, (c)", Options{}, []Kind{Word, Word, Punct, Word, Punct, Punct, Word, Punct}},
		{"strings with doubled quotes", "'it''s' x'0f'", Options{}, []Kind{String, String}},
		{"quoted identifiers", "\"a\"\"b\" `c` [d e]", Options{}, []Kind{QuotedIdent, QuotedIdent, QuotedIdent}},
		{"numbers", "1 1.5 .5 1e10 0x1F", Options{}, []Kind{Number, Number, Number, Number, Number}},
		{"params", "? ?1 :a @b", Options{}, []Kind{Param, Param, Param, Param}},
		{"dollar quotes only with the option", "$x$ a ; $x$", Options{DollarQuotes: true}, []Kind{String}},
		{"dollar param", "$1", Options{DollarQuotes: true}, []Kind{Param}},
		{"backslash escapes only with the option", `'a\'b' c`, Options{Backslash: true}, []Kind{String, Word}},
		{"two-character operators", "a <= b || c -> d ->> e", Options{}, []Kind{Word, Punct, Word, Punct, Word, Punct, Word, Punct, Word}},
		{"unterminated string runs to the end", "'abc def", Options{}, []Kind{String}},
		{"SQLite: only x'..' is a prefixed string", "x'00' b'' e'x' n'y'", Options{}, []Kind{String, Word, String, Word, String, Word, String}},
		{"PostgreSQL: E'..', B'..', N'..'", "E'x' B'01' N'y'", Options{DollarQuotes: true}, []Kind{String, String, String}},
		{"MySQL: b'..', n'..'", "b'01' n'y'", Options{Backslash: true}, []Kind{String, String}},
		{"MySQL: # comment", "a # b; c\nd", Options{Backslash: true}, []Kind{Word, Word}},
		{"PostgreSQL: # is an operator", "a # b", Options{DollarQuotes: true}, []Kind{Word, Punct, Word}},
		{"MySQL: -- needs a space after it", "1--1", Options{Backslash: true}, []Kind{Number, Punct, Punct, Number}},
		{"MySQL: -- before a tab or the end", "1 --\t2\n3 --", Options{Backslash: true}, []Kind{Number, Number}},
		{"PostgreSQL: -- always a comment", "1--1", Options{DollarQuotes: true}, []Kind{Number}},
		{"MySQL: double-quoted string with escapes", `"a\"b" c`, Options{Backslash: true}, []Kind{QuotedIdent, Word}},
		{"MySQL: NO_BACKSLASH_ESCAPES", `'a\' b '`, Options{Backslash: true, NoBackslashEscapes: true}, []Kind{String, Word, String}},
		{"PostgreSQL: backslash is plain in '..'", `'a\' b '`, Options{DollarQuotes: true}, []Kind{String, Word, String}},
		{"PostgreSQL: E'..' escapes", `E'a\' b'`, Options{DollarQuotes: true}, []Kind{String}},
		{"PostgreSQL: nested comments", "/* a /* b */ c; */ d", Options{DollarQuotes: true}, []Kind{Word}},
		{"MySQL and SQLite: comments do not nest", "/* a /* b */ c */ d", Options{Backslash: true}, []Kind{Word, Punct, Punct, Word}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []Kind
			for _, tok := range Significant(Tokenize(tt.src, tt.opt)) {
				got = append(got, tok.Kind)
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("kinds = %v, want %v", got, tt.want)
			}
		})
	}
}

func slicesEqual(a, b []Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		name, a, b string
		same       bool
	}{
		{"layout and keyword case", "select  a from t where x>1", "SELECT a\nFROM t WHERE x > 1", true},
		{"comments", "a /* c */ + b -- d", "a + b", true},
		{"function call spacing", "datetime( 'now' )", "datetime('now')", true},
		{"string case kept", "'abc'", "'ABC'", false},
		{"quoted identifier case kept", `"Abc"`, `"abc"`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			na, nb := Normalize(tt.a, Options{}), Normalize(tt.b, Options{})
			if (na == nb) != tt.same {
				t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q; same = %t, want %t", tt.a, na, tt.b, nb, na == nb, tt.same)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"a""b"`: `a"b`, "`a``b`": "a`b", "[a b]": "a b", `'it''s'`: "it's", "plain": "plain", `"`: `"`,
	} {
		if got := Unquote(in); got != want {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
	}
}
