// Package sqltok is a small SQL lexer. It understands the quoting and comment
// rules of SQLite, PostgreSQL and MySQL well enough to split statements and to
// recover the few facts that catalogs do not report (constraint names,
// expressions as written). It never evaluates or validates SQL: the database
// is the parser.
package sqltok

import (
	"strings"
)

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	Word        Kind = iota + 1 // keyword or bare identifier
	QuotedIdent                 // "x", `x` or [x]
	String                      // 'x', x'..', E'..' and $tag$..$tag$
	Number                      // 123, 1.5e3, 0x1F
	Punct                       // ( ) , ; . and operators
	Comment                     // -- … or /* … */
	Space                       // whitespace
	Param                       // ?, ?1, :name, @name, $1
)

// Token is one lexeme of the input. Text is the exact source text; Line is
// the 1-based line on which the token starts and Pos its byte offset.
type Token struct {
	Kind Kind
	Text string
	Line int
	Pos  int
}

// Is reports whether t is the keyword kw (compared case-insensitively).
func (t Token) Is(kw string) bool {
	return t.Kind == Word && strings.EqualFold(t.Text, kw)
}

// Ident returns the identifier t names: the unquoted text of a quoted
// identifier or the text of a bare word. ok is false for other kinds.
func (t Token) Ident() (name string, ok bool) {
	switch t.Kind {
	case Word:
		return t.Text, true
	case QuotedIdent:
		return Unquote(t.Text), true
	case String:
		// SQLite accepts 'name' where an identifier is expected.
		if strings.HasPrefix(t.Text, "'") {
			return Unquote(t.Text), true
		}
	}
	return "", false
}

// Options selects dialect-specific lexing. The zero value lexes SQLite:
// x'..' is the only prefixed string, so that in b'..' the b is a word.
type Options struct {
	// DollarQuotes enables PostgreSQL's $tag$…$tag$ strings (and, as
	// Backslash does, the E'..', B'..' and N'..' prefixed strings).
	DollarQuotes bool
	// Backslash enables MySQL's lexical rules: backslash escapes inside
	// strings (unless NoBackslashEscapes), # comments, "--" starting a
	// comment only when a space, a control character or the end of the
	// input follows it ("1--1" is 1 - -1), and the b'..' and n'..'
	// prefixed strings.
	Backslash bool
	// NoBackslashEscapes, with Backslash, lexes strings as MySQL does under
	// sql_mode NO_BACKSLASH_ESCAPES: a backslash is an ordinary character.
	NoBackslashEscapes bool
}

// escapes reports whether a backslash escapes the next character in '..'
// and ".." under opt.
func (opt Options) escapes() bool { return opt.Backslash && !opt.NoBackslashEscapes }

// Tokenize splits src into tokens, including spaces and comments, so that
// concatenating the Text of every token gives src back. Unterminated
// quotes and comments run to the end of the input; Tokenize never fails.
func Tokenize(src string, opt Options) []Token {
	return lex(src, opt, true, 0)
}

// Lex returns the significant tokens of src (no spaces, no comments), as
// Significant(Tokenize(src, opt)) would, without building the others. With
// max > 0 it stops after max tokens.
func Lex(src string, opt Options, max int) []Token {
	return lex(src, opt, false, max)
}

func lex(src string, opt Options, all bool, max int) []Token {
	toks := make([]Token, 0, len(src)/6+1)
	line := 1
	i := 0
	for i < len(src) {
		start := i
		kind := lexOne(src, &i, opt)
		text := src[start:i]
		if all || (kind != Space && kind != Comment) {
			toks = append(toks, Token{Kind: kind, Text: text, Line: line, Pos: start})
			if max > 0 && len(toks) == max {
				break
			}
		}
		if kind == Space || kind == Comment || kind == String || kind == QuotedIdent {
			line += strings.Count(text, "\n")
		}
	}
	return toks
}

// Significant returns the tokens that are neither space nor comment.
func Significant(toks []Token) []Token {
	out := make([]Token, 0, len(toks))
	for _, t := range toks {
		if t.Kind != Space && t.Kind != Comment {
			out = append(out, t)
		}
	}
	return out
}

func lexOne(s string, i *int, opt Options) Kind {
	c := s[*i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
		for *i < len(s) && strings.IndexByte(" \t\n\r\f\v", s[*i]) >= 0 {
			*i++
		}
		return Space
	case c == '-' && *i+1 < len(s) && s[*i+1] == '-' && (!opt.Backslash || *i+2 == len(s) || s[*i+2] <= ' '):
		j := strings.IndexByte(s[*i:], '\n')
		if j < 0 {
			*i = len(s)
		} else {
			*i += j // the newline belongs to the following space token
		}
		return Comment
	case c == '#' && opt.Backslash:
		j := strings.IndexByte(s[*i:], '\n')
		if j < 0 {
			*i = len(s)
		} else {
			*i += j
		}
		return Comment
	case c == '/' && *i+1 < len(s) && s[*i+1] == '*':
		if opt.DollarQuotes {
			nestedComment(s, i)
			return Comment
		}
		j := strings.Index(s[*i+2:], "*/")
		if j < 0 {
			*i = len(s)
		} else {
			*i += 2 + j + 2
		}
		return Comment
	case c == '\'':
		quoted(s, i, '\'', opt.escapes())
		return String
	case c == '"':
		quoted(s, i, '"', opt.escapes())
		return QuotedIdent
	case c == '`':
		quoted(s, i, '`', false)
		return QuotedIdent
	case c == '[':
		j := strings.IndexByte(s[*i:], ']')
		if j < 0 {
			*i = len(s)
		} else {
			*i += j + 1
		}
		return QuotedIdent
	case (c == 'x' || c == 'X' || ((opt.DollarQuotes || opt.Backslash) &&
		(c == 'e' || c == 'E' || c == 'b' || c == 'B' || c == 'n' || c == 'N'))) &&
		*i+1 < len(s) && s[*i+1] == '\'':
		*i++
		quoted(s, i, '\'', opt.escapes() || (opt.DollarQuotes && (c == 'e' || c == 'E')))
		return String
	case c == '$' && opt.DollarQuotes:
		if tag, ok := dollarTag(s[*i:]); ok {
			j := strings.Index(s[*i+len(tag):], tag)
			if j < 0 {
				*i = len(s)
			} else {
				*i += len(tag) + j + len(tag)
			}
			return String
		}
		*i++
		for *i < len(s) && isDigit(s[*i]) {
			*i++
		}
		return Param
	case c == '?':
		*i++
		for *i < len(s) && isDigit(s[*i]) {
			*i++
		}
		return Param
	case (c == ':' || c == '@' || c == '$') && *i+1 < len(s) && isIdentStart(s[*i+1]):
		*i++
		for *i < len(s) && isIdentPart(s[*i]) {
			*i++
		}
		return Param
	case isDigit(c) || (c == '.' && *i+1 < len(s) && isDigit(s[*i+1])):
		lexNumber(s, i)
		return Number
	case isIdentStart(c):
		for *i < len(s) && isIdentPart(s[*i]) {
			*i++
		}
		return Word
	}
	// Operators: keep common two-character ones together.
	if *i+1 < len(s) {
		switch s[*i : *i+2] {
		case "<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "::", "->":
			*i += 2
			if s[*i-2:*i] == "->" && *i < len(s) && s[*i] == '>' {
				*i++
			}
			return Punct
		}
	}
	*i++
	return Punct
}

// quoted advances past a quoted run starting at s[*i] == q, where a doubled
// quote stands for itself.
func quoted(s string, i *int, q byte, backslash bool) {
	*i++
	for *i < len(s) {
		c := s[*i]
		if backslash && c == '\\' {
			*i += 2
			continue
		}
		*i++
		if c == q {
			if *i < len(s) && s[*i] == q {
				*i++
				continue
			}
			return
		}
	}
	if *i > len(s) {
		*i = len(s)
	}
}

// nestedComment advances past a PostgreSQL block comment starting at
// s[*i:], where /* … */ nest.
func nestedComment(s string, i *int) {
	depth := 0
	for *i < len(s) {
		switch {
		case strings.HasPrefix(s[*i:], "/*"):
			depth++
			*i += 2
		case strings.HasPrefix(s[*i:], "*/"):
			depth--
			*i += 2
			if depth == 0 {
				return
			}
		default:
			*i++
		}
	}
}

func dollarTag(s string) (string, bool) {
	// s starts with '$'. A tag is $$ or $ident$.
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !(isIdentPart(c) && !(j == 1 && isDigit(c))) {
			return "", false
		}
	}
	return "", false
}

func lexNumber(s string, i *int) {
	if s[*i] == '0' && *i+1 < len(s) && (s[*i+1] == 'x' || s[*i+1] == 'X') {
		*i += 2
		for *i < len(s) && isHex(s[*i]) {
			*i++
		}
		return
	}
	for *i < len(s) && (isDigit(s[*i]) || s[*i] == '_') {
		*i++
	}
	if *i < len(s) && s[*i] == '.' {
		*i++
		for *i < len(s) && isDigit(s[*i]) {
			*i++
		}
	}
	if *i < len(s) && (s[*i] == 'e' || s[*i] == 'E') {
		j := *i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			*i = j
			for *i < len(s) && isDigit(s[*i]) {
				*i++
			}
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// Unquote removes one level of identifier or string quoting: "a""b" → a"b,
// `a“b` → a`b, [a b] → a b, 'it”s' → it's. Other text is returned as is.
func Unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	switch q := s[0]; q {
	case '"', '`', '\'':
		if s[len(s)-1] != q {
			return s[1:]
		}
		inner := s[1 : len(s)-1]
		return strings.ReplaceAll(inner, string([]byte{q, q}), string(q))
	case '[':
		if s[len(s)-1] == ']' {
			return s[1 : len(s)-1]
		}
	}
	return s
}

// Normalize returns src with comments removed and runs of whitespace
// collapsed the way Join would print it, so that two spellings of the same
// expression that differ only in layout compare equal. Keyword case is
// folded to upper case; identifiers, quoted text and strings keep theirs.
func Normalize(src string, opt Options) string {
	return Join(Lex(src, opt, 0))
}

// Join prints significant tokens with single spaces between words and no
// space inside parentheses or before commas.
func Join(toks []Token) string {
	var b strings.Builder
	for i, t := range toks {
		text := t.Text
		if t.Kind == Word {
			text = strings.ToUpper(text)
		}
		if i > 0 && needSpace(toks[i-1], t) {
			b.WriteByte(' ')
		}
		b.WriteString(text)
	}
	return b.String()
}

func needSpace(prev, cur Token) bool {
	if cur.Kind == Punct && (cur.Text == ")" || cur.Text == "," || cur.Text == "." || cur.Text == ";") {
		return false
	}
	if prev.Kind == Punct && (prev.Text == "(" || prev.Text == ".") {
		return false
	}
	if cur.Kind == Punct && cur.Text == "(" && (prev.Kind == Word || prev.Kind == QuotedIdent) {
		return false
	}
	return true
}
