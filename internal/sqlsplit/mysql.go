package sqlsplit

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
)

// MySQL splits a MySQL or MariaDB script into statements the way the mysql
// client does: '..' and ".." strings with backslash escapes, `..`
// identifiers, #, "-- " and /* */ comments (an executable comment,
// /*!50001 … */ or /*M!100100 … */, is part of its statement and is sent
// to the server), DELIMITER lines (as mysqldump writes around triggers),
// and, without DELIMITER, the BEGIN … END bodies of CREATE TRIGGER,
// PROCEDURE, FUNCTION and EVENT and of MariaDB's BEGIN NOT ATOMIC, with IF,
// CASE, LOOP, WHILE, REPEAT and FOR inside. "-- retort:begin" /
// "-- retort:end" blocks are kept whole.
//
// Backslash escapes are lexed unless opt.NoBackslashEscapes is set. A
// statement of the script that sets the session's sql_mode (SET sql_mode =
// '…', SET @@SESSION.sql_mode = …, mysqldump's /*!40101 SET
// SQL_MODE=@OLD_SQL_MODE */) switches them off or on for the statements
// after it, as it does on the server: a literal mode with
// NO_BACKSLASH_ESCAPES switches them off, one without switches them on, and
// a mode saved in a user variable (SET @OLD_SQL_MODE=@@SQL_MODE) is
// restored from it. A mode the splitter cannot know (a function of
// @@sql_mode with no literal naming NO_BACKSLASH_ESCAPES) leaves it as it
// was.
func MySQL(src string, opt Options) ([]Stmt, error) {
	opt.Backslash = true
	opt.DollarQuotes = false
	toks := sqltok.Tokenize(src, opt)
	var (
		out              []Stmt
		delim            = ";"
		start            = -1
		words            int
		compound         bool
		depth, caseDepth int
		explicit         = -1
		modes            = map[string]bool{} // user variables holding a saved sql_mode
	)
	flush := func(end int) {
		if start >= 0 {
			if text := strings.TrimSpace(joinText(toks[start:end])); text != "" {
				out = append(out, Stmt{SQL: text, Line: toks[start].Line})
			}
		}
		start, words, compound, depth, caseDepth = -1, 0, false, 0, 0
	}
	// relex lexes src again after token i under opt, when the statement
	// just flushed changed whether backslashes escape.
	relex := func(i int) {
		if len(out) == 0 {
			return
		}
		nbe, ok := sqlModeSet(out[len(out)-1].SQL, opt, modes)
		if !ok || nbe == opt.NoBackslashEscapes {
			return
		}
		opt.NoBackslashEscapes = nbe
		t := toks[i]
		from := t.Pos + len(t.Text)
		line := t.Line + strings.Count(t.Text, "\n")
		rest := sqltok.Tokenize(src[from:], opt)
		for k := range rest {
			rest[k].Pos += from
			rest[k].Line += line - 1
		}
		toks = append(toks[:i+1], rest...)
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind == sqltok.Comment {
			switch marker(t.Text) {
			case "begin":
				if explicit >= 0 {
					return nil, &Error{Line: t.Line, Msg: "-- retort:begin inside another -- retort:begin block"}
				}
				flush(i)
				explicit = i
				continue
			case "end":
				if explicit < 0 {
					return nil, &Error{Line: t.Line, Msg: "-- retort:end without -- retort:begin"}
				}
				end := i
				for end > 0 && (toks[end-1].Kind == sqltok.Space || toks[end-1].Kind == sqltok.Comment) {
					end--
				}
				if end > 0 && toks[end-1].Kind == sqltok.Punct && toks[end-1].Text == ";" {
					end--
				}
				flush(end)
				explicit = -1
				relex(i)
				continue
			}
		}
		if t.Kind == sqltok.Space || (t.Kind == sqltok.Comment && !Executable(t.Text)) {
			continue
		}
		// DELIMITER x, a client command, on a line of its own.
		if start < 0 && explicit < 0 && t.Is("DELIMITER") && atLineStart(toks, i) {
			j := i + 1
			var b strings.Builder
			for ; j < len(toks) && !(toks[j].Kind == sqltok.Space && strings.Contains(toks[j].Text, "\n")); j++ {
				b.WriteString(toks[j].Text)
			}
			d := strings.TrimSpace(b.String())
			if d == "" {
				return nil, &Error{Line: t.Line, Msg: "DELIMITER without a delimiter"}
			}
			delim = d
			i = j - 1
			continue
		}
		if start < 0 {
			start = i
		}
		if explicit >= 0 {
			continue
		}
		if t.Kind == sqltok.Punct && strings.HasPrefix(src[t.Pos:], delim) && (delim != ";" || depth == 0) {
			flush(i)
			// Skip the rest of a delimiter longer than one token (;; or //).
			for end := t.Pos + len(delim); i+1 < len(toks) && toks[i+1].Pos < end; i++ {
			}
			relex(i)
			continue
		}
		if t.Kind != sqltok.Word {
			continue
		}
		words++
		w := strings.ToUpper(t.Text)
		if words <= 8 && toks[start].Is("CREATE") && (w == "TRIGGER" || w == "PROCEDURE" || w == "FUNCTION" || w == "EVENT") {
			compound = true
		}
		if words == 2 && toks[start].Is("BEGIN") && w == "NOT" {
			compound = true
			depth++ // the BEGIN that starts the statement
		}
		if !compound {
			continue
		}
		switch w {
		case "BEGIN":
			depth++
		case "CASE":
			caseDepth++
		case "END":
			switch next := nextWord(toks, i); next {
			case "IF", "LOOP", "WHILE", "REPEAT", "FOR":
				// END IF, END LOOP …: a control structure, not a block.
			case "CASE":
				caseDepth -= 2 // END CASE closes one; the CASE after it opens none
			default:
				if caseDepth > 0 {
					caseDepth--
				} else if depth > 0 {
					depth--
				}
			}
		}
	}
	if explicit >= 0 {
		return nil, &Error{Line: toks[explicit].Line, Msg: "-- retort:begin without -- retort:end"}
	}
	if start >= 0 && depth > 0 && delim == ";" {
		return nil, &Error{Line: toks[start].Line, Msg: fmt.Sprintf("unterminated BEGIN … END block (%d open)", depth)}
	}
	flush(len(toks))
	return out, nil
}

// sqlModeSet reports whether stmt sets the session's sql_mode, and if so
// whether the new mode has NO_BACKSLASH_ESCAPES. saved maps user variables
// (lower case, without @) that hold a saved mode to that mode's
// NO_BACKSLASH_ESCAPES; stmt's assignments to them are recorded.
func sqlModeSet(stmt string, opt Options, saved map[string]bool) (nbe, ok bool) {
	toks := sqltok.Significant(sqltok.Tokenize(ExpandExecutable(stmt, opt), opt))
	if len(toks) < 3 || !toks[0].Is("SET") {
		return false, false
	}
	// Assignments are separated by commas at depth 0.
	var assigns [][]sqltok.Token
	depth, from := 0, 1
	for i := 1; i <= len(toks); i++ {
		if i == len(toks) || (depth == 0 && toks[i].Text == ",") {
			assigns = append(assigns, toks[from:i])
			from = i + 1
			continue
		}
		switch toks[i].Text {
		case "(":
			depth++
		case ")":
			depth--
		}
	}
	global := false
	for _, a := range assigns {
		eq := -1
		for k, t := range a {
			if t.Kind == sqltok.Punct && (t.Text == "=" || t.Text == ":=") {
				eq = k
				break
			}
		}
		if eq < 1 {
			continue
		}
		lhs, rhs := a[:eq], a[eq+1:]
		switch {
		case lhs[0].Is("GLOBAL"):
			global = true
			lhs = lhs[1:]
		case lhs[0].Is("SESSION") || lhs[0].Is("LOCAL"):
			global = false
			lhs = lhs[1:]
		}
		name := strings.TrimSuffix(strings.ToLower(joinText(lhs)), ":") // x := y lexes as x, :, =
		switch name {
		case "@@global.sql_mode":
			continue
		case "sql_mode", "@@sql_mode", "@@session.sql_mode", "@@local.sql_mode":
			if global && name == "sql_mode" {
				continue
			}
		default:
			if strings.HasPrefix(name, "@") && !strings.HasPrefix(name, "@@") {
				if v := strings.ToLower(joinText(rhs)); v == "@@sql_mode" || v == "@@session.sql_mode" {
					saved[strings.TrimPrefix(name, "@")] = opt.NoBackslashEscapes
				}
			}
			continue
		}
		if len(rhs) == 1 && rhs[0].Kind == sqltok.String {
			nbe, ok = strings.Contains(strings.ToUpper(rhs[0].Text), "NO_BACKSLASH_ESCAPES"), true
			continue
		}
		if len(rhs) == 1 && rhs[0].Kind == sqltok.Param && strings.HasPrefix(rhs[0].Text, "@") {
			if v, found := saved[strings.ToLower(strings.TrimPrefix(rhs[0].Text, "@"))]; found {
				nbe, ok = v, true
			}
			continue
		}
		for _, t := range rhs {
			if t.Kind == sqltok.String && strings.Contains(strings.ToUpper(t.Text), "NO_BACKSLASH_ESCAPES") {
				nbe, ok = true, true
			}
		}
	}
	return nbe, ok
}

func joinText(toks []sqltok.Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Text)
	}
	return b.String()
}

// ExpandExecutable replaces the executable comments of a MySQL statement
// (/*!50001 … */, /*M!100100 … */) by the text the server runs.
func ExpandExecutable(stmt string, opt Options) string {
	var b strings.Builder
	for _, t := range sqltok.Tokenize(stmt, opt) {
		if t.Kind == sqltok.Comment && Executable(t.Text) {
			inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(t.Text, "/*"), "M"), "*/")
			inner = strings.TrimPrefix(inner, "!")
			inner = strings.TrimLeft(inner, "0123456789")
			b.WriteString(" " + inner + " ")
			continue
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// atLineStart reports whether token i is the first on its line.
func atLineStart(toks []sqltok.Token, i int) bool {
	if i == 0 {
		return true
	}
	prev := toks[i-1]
	return prev.Kind == sqltok.Space && strings.Contains(prev.Text, "\n") ||
		prev.Kind == sqltok.Comment && (strings.HasPrefix(prev.Text, "--") || strings.HasPrefix(prev.Text, "#"))
}

// nextWord returns the upper-cased word after token i, or "" when the next
// significant token is not a word.
func nextWord(toks []sqltok.Token, i int) string {
	for _, t := range toks[i+1:] {
		if t.Kind == sqltok.Space || t.Kind == sqltok.Comment {
			continue
		}
		if t.Kind == sqltok.Word {
			return strings.ToUpper(t.Text)
		}
		return ""
	}
	return ""
}

// Executable reports whether a comment is one the server runs:
// /*!40101 SET NAMES utf8mb4 */ (and MariaDB's /*M!…*/), as mysqldump writes.
func Executable(comment string) bool {
	return strings.HasPrefix(comment, "/*!") || strings.HasPrefix(comment, "/*M!")
}
