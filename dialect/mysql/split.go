package mysql

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// Split splits a MySQL script into statements the way the mysql client
// does: quotes with backslash escapes, #, -- and /* */ comments, DELIMITER
// lines (as mysqldump writes around triggers), and, without DELIMITER, the
// BEGIN … END bodies of CREATE TRIGGER, PROCEDURE, FUNCTION and EVENT and
// of MariaDB's BEGIN NOT ATOMIC, with IF, CASE, LOOP, WHILE and REPEAT
// inside. "-- retort:begin" / "-- retort:end" blocks are kept whole.
func Split(src string) ([]sqlsplit.Stmt, error) {
	toks := sqltok.Tokenize(src, lexMySQL)
	var (
		out              []sqlsplit.Stmt
		delim            = ";"
		start            = -1
		words            int
		compound         bool
		depth, caseDepth int
		explicit         = -1
	)
	flush := func(end int) {
		if start >= 0 {
			var b strings.Builder
			for _, t := range toks[start:end] {
				b.WriteString(t.Text)
			}
			if text := strings.TrimSpace(b.String()); text != "" {
				out = append(out, sqlsplit.Stmt{SQL: text, Line: toks[start].Line})
			}
		}
		start, words, compound, depth, caseDepth = -1, 0, false, 0, 0
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind == sqltok.Comment {
			switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(t.Text, "--"))) {
			case "retort:begin":
				if explicit >= 0 {
					return nil, &sqlsplit.Error{Line: t.Line, Msg: "-- retort:begin inside another -- retort:begin block"}
				}
				flush(i)
				explicit = i
				continue
			case "retort:end":
				if explicit < 0 {
					return nil, &sqlsplit.Error{Line: t.Line, Msg: "-- retort:end without -- retort:begin"}
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
				continue
			}
		}
		if t.Kind == sqltok.Space || (t.Kind == sqltok.Comment && !executable(t.Text)) {
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
				return nil, &sqlsplit.Error{Line: t.Line, Msg: "DELIMITER without a delimiter"}
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
			case "IF", "LOOP", "WHILE", "REPEAT":
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
		return nil, &sqlsplit.Error{Line: toks[explicit].Line, Msg: "-- retort:begin without -- retort:end"}
	}
	if start >= 0 && depth > 0 && delim == ";" {
		return nil, &sqlsplit.Error{Line: toks[start].Line, Msg: fmt.Sprintf("unterminated BEGIN … END block (%d open)", depth)}
	}
	flush(len(toks))
	return out, nil
}

// atLineStart reports whether token i is the first on its line.
func atLineStart(toks []sqltok.Token, i int) bool {
	if i == 0 {
		return true
	}
	prev := toks[i-1]
	return prev.Kind == sqltok.Space && strings.Contains(prev.Text, "\n") ||
		prev.Kind == sqltok.Comment && strings.HasPrefix(prev.Text, "--") || prev.Kind == sqltok.Comment && strings.HasPrefix(prev.Text, "#")
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

// executable reports whether a comment is one the server runs:
// /*!40101 SET NAMES utf8mb4 */ (and MariaDB's /*M!…*/), as mysqldump writes.
func executable(comment string) bool {
	return strings.HasPrefix(comment, "/*!") || strings.HasPrefix(comment, "/*M!")
}
