// Package sqlsplit splits a SQL script into statements, one splitter per
// engine, each with that engine's lexical rules (For picks it by the
// engine's name): SQLite and PostgreSQL share Split (quotes, comments, the
// BEGIN … END body of a CREATE TRIGGER, PROCEDURE, FUNCTION or EVENT with
// CASE … END, END IF, END LOOP … inside it; PostgreSQL adds dollar quotes,
// E'..' strings and nested /* */ comments), MySQL has its own (# and "-- "
// comments, backslash escapes, DELIMITER). All of them keep a statement
// between "-- retort:begin" / "-- retort:end" markers whole.
package sqlsplit

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
)

// Stmt is one statement of a script.
type Stmt struct {
	// SQL is the statement's text without the terminating semicolon,
	// trimmed of surrounding space and of comments before it.
	SQL string
	// Line is the 1-based line of the script on which the statement starts.
	Line int
}

// Options selects dialect-specific lexing; see sqltok.Options.
type Options = sqltok.Options

// Func splits a script into statements.
type Func func(src string) ([]Stmt, error)

// SQLite splits a SQLite script: '..' strings, "..", `..` and [..]
// identifiers, -- and /* */ comments (not nested), x'..' blobs, and trigger
// bodies (BEGIN … END).
func SQLite(src string) ([]Stmt, error) { return Split(src, Options{}) }

// Postgres splits a PostgreSQL script: SQLite's rules plus dollar quotes
// ($$ … $$, $tag$ … $tag$), E'..' strings with backslash escapes, nested
// /* /* */ */ comments and BEGIN ATOMIC … END function bodies. A backslash
// in a plain '..' string is an ordinary character (standard_conforming_strings).
func Postgres(src string) ([]Stmt, error) { return Split(src, Options{DollarQuotes: true}) }

// For returns the splitter of the engine called name, as a dialect's Name
// spells it: "sqlite", "postgres" or "mysql" (MySQL and MariaDB, with
// backslash escapes; see MySQL). Any other name, and "", gets Postgres,
// whose rules are the common ground of SQLite's and PostgreSQL's.
func For(name string) Func {
	switch name {
	case "sqlite":
		return SQLite
	case "mysql":
		return func(src string) ([]Stmt, error) { return MySQL(src, Options{}) }
	}
	return Postgres
}

// LexOptions returns the lexer options of the engine called name (see For).
func LexOptions(name string) Options {
	switch name {
	case "sqlite":
		return Options{}
	case "mysql":
		return Options{Backslash: true}
	}
	return Options{DollarQuotes: true}
}

// Error is a script that cannot be split, such as an unterminated
// "-- retort:begin" block.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Split returns the statements of src. Empty statements (a lone ";") and
// text made only of comments are dropped.
func Split(src string, opt Options) ([]Stmt, error) {
	toks := sqltok.Tokenize(src, opt)
	var (
		out       []Stmt
		start     = -1 // index of the first significant token of the statement
		explicit  = -1 // line of an open -- retort:begin
		trigger   bool // statement is CREATE … TRIGGER, PROCEDURE, FUNCTION or EVENT
		blockDep  int  // BEGIN … END depth inside its body
		skip      = -1 // token that an END before it has consumed
		caseDep   int
		words     int // significant words seen in this statement
		lastSigni = -1
	)
	flush := func(end int) {
		if start >= 0 {
			var b strings.Builder
			for _, t := range toks[start:end] {
				b.WriteString(t.Text)
			}
			text := strings.TrimSpace(b.String())
			if text != "" {
				out = append(out, Stmt{SQL: text, Line: toks[start].Line})
			}
		}
		start, trigger, blockDep, caseDep, words, lastSigni = -1, false, 0, 0, 0, -1
	}
	for i, t := range toks {
		if t.Kind == sqltok.Comment {
			switch marker(t.Text) {
			case "begin":
				if explicit >= 0 {
					return nil, &Error{Line: t.Line, Msg: "-- retort:begin inside another -- retort:begin block"}
				}
				flush(i)
				explicit = t.Line
				continue
			case "end":
				if explicit < 0 {
					return nil, &Error{Line: t.Line, Msg: "-- retort:end without -- retort:begin"}
				}
				end := i
				if lastSigni >= 0 && toks[lastSigni].Text == ";" {
					end = lastSigni
				}
				flush(end)
				explicit = -1
				continue
			}
		}
		if t.Kind == sqltok.Space || t.Kind == sqltok.Comment {
			continue
		}
		if start < 0 {
			start = i
		}
		lastSigni = i
		if t.Kind == sqltok.Word {
			words++
			if words <= 5 && toks[start].Is("CREATE") &&
				(t.Is("TRIGGER") || t.Is("PROCEDURE") || t.Is("FUNCTION") || t.Is("EVENT")) {
				trigger = true
			}
			if trigger && i == skip {
				continue // the IF/CASE/LOOP … of an END IF, END CASE, END LOOP
			}
			if trigger {
				switch {
				case t.Is("BEGIN"):
					blockDep++
				case t.Is("CASE"):
					caseDep++
				case t.Is("END"):
					next := nextSignificant(toks, i)
					switch {
					case next >= 0 && (toks[next].Is("IF") || toks[next].Is("LOOP") || toks[next].Is("WHILE") ||
						toks[next].Is("REPEAT") || toks[next].Is("FOR")):
						skip = next // closes a control statement, not a block
					case caseDep > 0:
						caseDep--
						if next >= 0 && toks[next].Is("CASE") {
							skip = next
						}
					case blockDep > 0:
						blockDep--
					}
				}
			}
		}
		if t.Kind == sqltok.Punct && t.Text == ";" && explicit < 0 && blockDep == 0 {
			flush(i)
		}
	}
	if explicit >= 0 {
		return nil, &Error{Line: explicit, Msg: "-- retort:begin without -- retort:end"}
	}
	flush(len(toks))
	return out, nil
}

// nextSignificant returns the index of the first token after i that is
// neither space nor comment, or -1.
func nextSignificant(toks []sqltok.Token, i int) int {
	for j := i + 1; j < len(toks); j++ {
		if toks[j].Kind != sqltok.Space && toks[j].Kind != sqltok.Comment {
			return j
		}
	}
	return -1
}

// marker returns "begin" or "end" for a "-- retort:begin" / "-- retort:end"
// comment, and "" otherwise.
func marker(comment string) string {
	s := strings.TrimSpace(strings.TrimPrefix(comment, "--"))
	switch strings.ToLower(s) {
	case "retort:begin":
		return "begin"
	case "retort:end":
		return "end"
	}
	return ""
}
