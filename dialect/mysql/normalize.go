package mysql

import (
	"database/sql"
	"strconv"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
)

// lexMySQL lexes MySQL text: backslash escapes in strings, # comments.
var lexMySQL = sqltok.Options{Backslash: true}

var intTypes = map[string]bool{"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true}

// normType returns a COLUMN_TYPE without what differs between servers and
// says nothing: the display width of integer types (MariaDB and MySQL
// before 8.0.19 report int(11), MySQL 8.0.19+ int), except tinyint(1),
// which every server keeps and clients read as a boolean, and widths that
// ZEROFILL gives meaning to. Keywords are lower case; ENUM and SET values
// keep their case.
func normType(colType string) string {
	open := strings.IndexByte(colType, '(')
	if open < 0 {
		return strings.ToLower(colType)
	}
	base := strings.ToLower(colType[:open])
	if base == "enum" || base == "set" {
		return base + colType[open:]
	}
	t := strings.ToLower(colType)
	closeAt := strings.IndexByte(t, ')')
	if closeAt < open {
		return t
	}
	width, rest := t[open+1:closeAt], t[closeAt+1:]
	switch {
	case intTypes[base] && !strings.Contains(rest, "zerofill") && !(base == "tinyint" && width == "1"):
		return base + rest
	case base == "year":
		return base + rest
	}
	return t
}

// charsetOf returns the character set of a collation (utf8mb4_bin →
// utf8mb4).
func charsetOf(coll string) string {
	if i := strings.IndexByte(coll, '_'); i > 0 {
		return strings.ToLower(coll[:i])
	}
	return strings.ToLower(coll)
}

var numericTypes = map[string]bool{
	"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true,
	"decimal": true, "numeric": true, "float": true, "double": true, "real": true, "bit": true,
}

// normDefault returns a column default as SQL: "" for none (and for
// DEFAULT NULL, which a nullable column has anyway), a quoted literal, a
// number, CURRENT_TIMESTAMP[(n)], or any other expression in parentheses.
//
// MariaDB (10.2.7+) reports defaults as SQL already: 'text' quoted, NULL as
// the word NULL, expressions as text (current_timestamp()). MySQL reports
// literals unquoted and marks expressions DEFAULT_GENERATED in EXTRA.
func (in *inspector) normDefault(def sql.NullString, dataType, extra string) string {
	if !def.Valid {
		return ""
	}
	s := strings.TrimSpace(def.String)
	if in.srv.MariaDB {
		switch {
		case strings.EqualFold(s, "NULL"):
			return ""
		case isLiteral(s):
			return s
		}
		if ts, ok := timestampFn(s); ok {
			return ts
		}
		return parenthesize(s)
	}
	if strings.Contains(extra, "default_generated") {
		if ts, ok := timestampFn(s); ok {
			return ts
		}
		return parenthesize(in.unescape(s))
	}
	if ts, ok := timestampFn(s); ok && (dataType == "timestamp" || dataType == "datetime") {
		return ts // MySQL 5.7 reports CURRENT_TIMESTAMP without DEFAULT_GENERATED
	}
	if numericTypes[dataType] {
		return s
	}
	return literal(s)
}

// isLiteral reports whether s is a single literal: a quoted string (with
// an optional introducer), a number, b'…', x'…' or 0x….
func isLiteral(s string) bool {
	toks := sqltok.Significant(sqltok.Tokenize(s, lexMySQL))
	if len(toks) == 2 && toks[0].Kind == sqltok.Punct && (toks[0].Text == "-" || toks[0].Text == "+") {
		toks = toks[1:]
	}
	if len(toks) == 2 && toks[0].Kind == sqltok.Word && strings.HasPrefix(toks[0].Text, "_") {
		toks = toks[1:] // _utf8mb4'…'
	}
	return len(toks) == 1 && (toks[0].Kind == sqltok.String || toks[0].Kind == sqltok.Number)
}

// timestampFn recognises CURRENT_TIMESTAMP and its synonyms (now(),
// current_timestamp(), localtime, localtimestamp, with an optional
// precision) and returns it as CURRENT_TIMESTAMP or CURRENT_TIMESTAMP(n).
func timestampFn(s string) (string, bool) {
	l := strings.ToLower(strings.Join(strings.Fields(s), ""))
	for strings.HasPrefix(l, "(") && strings.HasSuffix(l, ")") && enclosed(l) {
		l = l[1 : len(l)-1]
	}
	name, args := l, ""
	if i := strings.IndexByte(l, '('); i >= 0 {
		if !strings.HasSuffix(l, ")") {
			return "", false
		}
		name, args = l[:i], l[i+1:len(l)-1]
	} else if name == "now" {
		return "", false // now needs its parentheses
	}
	switch name {
	case "current_timestamp", "now", "localtime", "localtimestamp":
	default:
		return "", false
	}
	if args == "" || args == "0" {
		return "CURRENT_TIMESTAMP", true
	}
	if _, err := strconv.Atoi(args); err != nil {
		return "", false
	}
	return "CURRENT_TIMESTAMP(" + args + ")", true
}

// normTimestamp is timestampFn for ON UPDATE, which only takes
// CURRENT_TIMESTAMP: anything else is returned as it is.
func normTimestamp(s string) string {
	if ts, ok := timestampFn(s); ok {
		return ts
	}
	return strings.TrimSpace(s)
}

// parenthesize returns an expression inside one pair of parentheses.
func parenthesize(s string) string {
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && enclosed(s) {
		return s
	}
	return "(" + s + ")"
}

// enclosed reports whether the first "(" of s closes at its last
// character.
func enclosed(s string) bool {
	depth := 0
	for i, t := range sqltok.Tokenize(s, lexMySQL) {
		if t.Kind != sqltok.Punct {
			continue
		}
		switch t.Text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return t.Pos == len(s)-1 && i >= 0
			}
		}
	}
	return false
}

// unescape undoes the backslash escaping MySQL 8 applies to quotes inside
// the expressions information_schema shows (_utf8mb4\'a\'). MariaDB shows
// them as written.
func (in *inspector) unescape(s string) string {
	if in.srv.MariaDB {
		return s
	}
	return strings.ReplaceAll(s, `\'`, `'`)
}

// unqualify removes the qualification by the database's own name from a
// view definition (`db`.`t`.`c` → `t`.`c`), which the server adds and
// which would differ between a scratch database and the target.
func unqualify(def, db string) string {
	toks := sqltok.Tokenize(def, lexMySQL)
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if (t.Kind == sqltok.QuotedIdent || t.Kind == sqltok.Word) && i+1 < len(toks) && toks[i+1].Text == "." {
			if name, _ := t.Ident(); name == db {
				i++ // and the dot
				continue
			}
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// mentionsName reports whether the SQL text src names name as a bare or
// quoted identifier.
func mentionsName(src, name string) bool {
	for _, t := range sqltok.Tokenize(src, lexMySQL) {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		if n, ok := t.Ident(); ok && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
