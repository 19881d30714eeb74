package sqltok

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CommentLine returns text as one "--" comment line, "-- " followed by
// EscapeLine(text), without a line terminator. Every comment retort prints
// into SQL (plan notes, migration headers, offline-script headers) is built
// here, so that a name or message cannot end the comment early.
func CommentLine(text string) string { return "-- " + EscapeLine(text) }

// EscapeLine returns s with everything that a SQL client could take for the
// end of a line, or that a terminal would act on, written as an escape:
// CR, LF and tab as \r, \n, \t; other ASCII control characters and bytes
// that are not UTF-8 as \xNN; C1 controls (NEL U+0085 among them), the
// Unicode line and paragraph separators U+2028/U+2029, bidirectional
// formatting characters and the byte-order mark as \uNNNN. psql ends a "--"
// comment at CR as well as LF; the sqlite3 shell runs a "." line that
// follows one. The result is meant to be read, not parsed back; backslashes
// are left as they are.
func EscapeLine(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !unsafeRune(r, n):
			b.WriteString(s[i : i+n])
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && n == 1, r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether the rune r, n bytes long, must be escaped.
func unsafeRune(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // not UTF-8
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1 (NEL U+0085)
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x200e && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r == 0xfeff:
		return true
	}
	return false
}

// ExcerptLen is the most of a statement's text that an error quotes.
const ExcerptLen = 200

// Excerpt returns what an error message quotes of the statement stmt: its
// first line, at most ExcerptLen bytes of it, escaped as EscapeLine does;
// when anything was left out, an ellipsis and the statement's length in
// bytes follow ("INSERT INTO t VALUES ('xxxx … (10485790 bytes)").
func Excerpt(stmt string) string {
	line, _, _ := strings.Cut(stmt, "\n")
	if len(line) <= ExcerptLen && len(line) == len(stmt) {
		return EscapeLine(stmt)
	}
	return EscapeLine(cut(line, ExcerptLen)) + fmt.Sprintf(" … (%d bytes)", len(stmt))
}

// ErrorTextLen is the most of an engine's error message that retort's
// errors repeat: engines quote names and tokens of the failing statement
// in their messages, at any length.
const ErrorTextLen = 1000

// ClipError returns err's message, cut to ErrorTextLen bytes and followed
// by an ellipsis and its full length when it is longer.
func ClipError(err error) string {
	msg := err.Error()
	if len(msg) <= ErrorTextLen {
		return msg
	}
	return cut(msg, ErrorTextLen) + fmt.Sprintf(" … (%d bytes)", len(msg))
}

// cut returns at most max bytes of s, ending at a rune boundary, without
// trailing spaces.
func cut(s string, max int) string {
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return strings.TrimRight(s, " ")
}
