// Package renamehint reads the rename hints of a schema file: comments such
// as "-- retort:renamed-from old_name" (or sqldef's "-- @renamed
// from=old_name", or "-- retort:not-renamed-from old_name") on the line
// that defines a table, a column, an index or a UNIQUE constraint. Loading
// the file into a database drops its comments, so the file is read with the
// engine's lexer, and each hint is tied to the object defined on its line.
package renamehint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Error is a hint that cannot be used, at file:line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// object is a table, column or index defined in the file.
type object struct {
	kind        schema.RenameKind
	table, name string
	start       int // byte offset of its first token
	line, end   int // first and last line of its definition
	stmtEnd     int // tables: byte offset of the statement's end, -1 while open
	endLine     int // tables: line of the statement's end
	unsupported string
}

// Parse returns the rename hints of the script src (named file in errors)
// for the engine called engine (a dialect's Name). An unquoted name is
// folded as the engine folds unquoted identifiers (PostgreSQL: to lower
// case). A hint on a line that defines none of the objects a hint can
// name is an *Error.
func Parse(file, src, engine string) ([]schema.Rename, error) {
	if !strings.Contains(src, "renamed") {
		return nil, nil
	}
	objs, comments := scan(src, engine)
	fold := folder(engine)
	var out []schema.Rename
	for _, c := range comments {
		kind, old, ok := hint(c.Text)
		if !ok {
			continue
		}
		name := old
		if strings.ContainsAny(old[:min(len(old), 1)], "\"`[") {
			name = sqltok.Unquote(old)
		} else {
			name = fold(old)
		}
		if name == "" {
			return nil, &Error{File: file, Line: c.Line, Msg: "rename hint without a name: write -- retort:renamed-from old_name"}
		}
		o := target(objs, c)
		if o == nil {
			return nil, &Error{File: file, Line: c.Line, Msg: "rename hint on a line that defines no table, column, index or UNIQUE constraint"}
		}
		if o.unsupported != "" {
			return nil, &Error{File: file, Line: c.Line, Msg: o.unsupported}
		}
		out = append(out, schema.Rename{Kind: o.kind, Table: o.table, From: name, To: o.name,
			Not: kind == "not", File: file, Line: c.Line})
	}
	return out, nil
}

// scan returns the objects src defines and its comments, in order.
func scan(src, engine string) ([]*object, []sqltok.Token) {
	fold := folder(engine)
	ident := func(t sqltok.Token) string {
		name, _ := t.Ident()
		if t.Kind == sqltok.Word {
			return fold(name)
		}
		return name
	}
	toks := sqltok.Tokenize(src, sqlsplit.LexOptions(engine))
	var (
		objs     []*object
		comments []sqltok.Token
		stmt     []sqltok.Token // significant tokens of the statement so far
		depth    int
		table    *object // table of the CREATE TABLE being read
		elem     *object // the element of its body being read
		named    bool    // the statement's object is known
		// After a table's name: expectBody until the next token, which
		// starts the body if it is "("; inBody while the body is read;
		// startElem when the next token starts an element.
		expectBody, inBody, startElem bool
	)
	for i, t := range toks {
		switch t.Kind {
		case sqltok.Space:
			continue
		case sqltok.Comment:
			comments = append(comments, t)
			continue
		}
		last := t.Line + strings.Count(t.Text, "\n")
		if table != nil {
			table.end = last
		}
		// The ")" that closes a table's body is not part of its last
		// element.
		if elem != nil && !(t.Kind == sqltok.Punct && t.Text == ")" && depth == 1) {
			elem.end = last
		}
		if t.Kind == sqltok.Punct && t.Text == ";" && depth == 0 {
			if table != nil {
				table.stmtEnd, table.endLine = t.Pos, t.Line
			}
			stmt, table, elem, named = stmt[:0], nil, nil, false
			expectBody, inBody, startElem = false, false, false
			continue
		}
		stmt = append(stmt, t)
		if expectBody {
			expectBody = false
			inBody = table != nil && t.Kind == sqltok.Punct && t.Text == "(" && depth == 0
			startElem = inBody
		}
		if t.Kind == sqltok.Punct {
			switch t.Text {
			case "(":
				depth++
			case ")":
				depth--
				if inBody && depth == 0 {
					elem, inBody = nil, false
				}
			case ",":
				if inBody && depth == 1 {
					elem, startElem = nil, true
				}
			}
		}
		// CREATE TABLE or CREATE INDEX: the object, once its name is read.
		if table == nil && !named && len(stmt) >= 2 && stmt[0].Is("CREATE") {
			if o := createObject(toks[i+1:], stmt, ident); o != nil {
				named = true
				o.start, o.line, o.end, o.stmtEnd = stmt[0].Pos, stmt[0].Line, last, -1
				objs = append(objs, o)
				if o.kind == schema.RenameTable {
					table, expectBody = o, true
				}
			}
			continue
		}
		if !inBody || depth != 1 || t.Kind == sqltok.Punct && (t.Text == "(" || t.Text == ",") {
			continue
		}
		if startElem {
			startElem = false
			if o := bodyElement(t, toks[i+1:], table.name, ident); o != nil {
				o.start, o.line, o.end = t.Pos, t.Line, last
				objs = append(objs, o)
				elem = o
			}
		}
	}
	return objs, comments
}

// folder returns how the engine folds an unquoted identifier.
func folder(engine string) func(string) string {
	if engine == "postgres" {
		return strings.ToLower
	}
	return func(s string) string { return s }
}

// Locate returns the line of src on which a hint about the object of kind
// named name (on table; for a table, table is its name) belongs, and the
// text of that line; 0 and "" when src does not define it. Names compare
// case-insensitively.
func Locate(src, engine string, kind schema.RenameKind, table, name string) (int, string) {
	objs, _ := scan(src, engine)
	for _, o := range objs {
		if o.kind != kind || !strings.EqualFold(o.table, table) || !strings.EqualFold(o.name, name) {
			continue
		}
		line := o.end
		if kind == schema.RenameTable {
			// The CREATE TABLE line, unless an element starts on it too:
			// then after the statement's semicolon.
			line = o.line
			for _, e := range objs {
				if e != o && e.kind != schema.RenameTable && e.table == o.table && e.line == o.line && o.endLine > 0 {
					line = o.endLine
				}
			}
		}
		lines := strings.Split(src, "\n")
		return line, strings.TrimRight(lines[line-1], "\r")
	}
	return 0, ""
}

// target returns the object the comment c is about: of the objects whose
// definition covers c's line, the one that started last; but a table
// whose statement ended on that line before c.
func target(objs []*object, c sqltok.Token) *object {
	var best *object
	for _, o := range objs {
		if o.start > c.Pos {
			break
		}
		if o.kind == schema.RenameTable && o.stmtEnd >= 0 && o.stmtEnd < c.Pos && o.endLine == c.Line {
			return o
		}
		if o.line <= c.Line && c.Line <= o.end {
			best = o
		}
	}
	return best
}

// hint reports whether the comment text is a rename hint, its kind ("" or
// "not") and the old name as written (quotes kept).
func hint(text string) (kind, old string, ok bool) {
	s := strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(s, "--"):
		s = s[2:]
	case strings.HasPrefix(s, "#"):
		s = s[1:]
	case strings.HasPrefix(s, "/*"):
		s = strings.TrimSuffix(s[2:], "*/")
	default:
		return "", "", false
	}
	s = strings.TrimSpace(s)
	for _, p := range []struct{ prefix, kind string }{
		{"retort:renamed-from", ""}, {"retort:not-renamed-from", "not"},
	} {
		if rest, found := strings.CutPrefix(s, p.prefix); found {
			if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				return "", "", false
			}
			return p.kind, firstName(strings.TrimSpace(rest)), true
		}
	}
	rest, found := strings.CutPrefix(s, "@renamed")
	if !found || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", "", false
	}
	rest, found = strings.CutPrefix(strings.TrimSpace(rest), "from=")
	if !found {
		return "", "", true
	}
	return "", firstName(rest), true
}

// firstName returns the identifier at the start of s: a quoted one with its
// quotes, or the text up to the first space.
func firstName(s string) string {
	if s == "" {
		return ""
	}
	if q := s[0]; q == '"' || q == '`' || q == '[' {
		end := q
		if q == '[' {
			end = ']'
		}
		for i := 1; i < len(s); i++ {
			if s[i] == end {
				if i+1 < len(s) && s[i+1] == end && q != '[' {
					i++
					continue
				}
				return s[:i+1]
			}
		}
		return s
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// createObject returns the table or index a CREATE statement defines, once
// stmt (its significant tokens so far) holds its name, or nil.
func createObject(rest []sqltok.Token, stmt []sqltok.Token, ident func(sqltok.Token) string) *object {
	words := stmt[1:]
	i := skipWords(words, 0, "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "OR", "REPLACE", "FULLTEXT", "SPATIAL")
	if i >= len(words) {
		return nil
	}
	kind := words[i]
	if !kind.Is("TABLE") && !kind.Is("INDEX") {
		return nil
	}
	i = skipWords(words, i+1, "IF", "NOT", "EXISTS", "CONCURRENTLY")
	// The name: the last part of a dotted name, complete when the next
	// significant token is not a dot.
	if i >= len(words) || len(words)-i > 3 {
		return nil
	}
	name := words[len(words)-1]
	if name.Kind != sqltok.Word && name.Kind != sqltok.QuotedIdent {
		return nil
	}
	if next := nextSignificant(rest); next.Kind == sqltok.Punct && next.Text == "." {
		return nil
	}
	if kind.Is("TABLE") {
		n := ident(name)
		return &object{kind: schema.RenameTable, table: n, name: n}
	}
	table := indexTable(rest, ident)
	if table == "" {
		return nil
	}
	return &object{kind: schema.RenameIndex, table: table, name: ident(name)}
}

// skipWords returns the index of the first token of words from i on that
// is none of the keywords kw.
func skipWords(words []sqltok.Token, i int, kw ...string) int {
	for i < len(words) && slices.ContainsFunc(kw, words[i].Is) {
		i++
	}
	return i
}

// indexTable returns the table of CREATE INDEX name ON table, given the
// tokens after the index name: the last part of the (dotted) name after
// ON; "" when there is none.
func indexTable(rest []sqltok.Token, ident func(sqltok.Token) string) string {
	var table string
	for j, t := range rest {
		if t.Kind == sqltok.Space || t.Kind == sqltok.Comment {
			continue
		}
		if t.Is("ON") {
			k := j + 1
			for k < len(rest) && (rest[k].Kind == sqltok.Space || rest[k].Kind == sqltok.Comment || rest[k].Is("ONLY")) {
				k++
			}
			for k < len(rest) {
				if rest[k].Kind == sqltok.Word || rest[k].Kind == sqltok.QuotedIdent {
					table = ident(rest[k])
				}
				if n := nextSignificant(rest[k+1:]); n.Kind == sqltok.Punct && n.Text == "." {
					k += 2
					for k < len(rest) && rest[k].Kind == sqltok.Space {
						k++
					}
					continue
				}
				break
			}
		}
		break
	}
	return table
}

// bodyElement returns the object an element of a CREATE TABLE body
// defines, given its first token t: a column, a named index (MySQL's KEY
// and INDEX, UNIQUE KEY name) or a named UNIQUE constraint; nil for
// anything else.
func bodyElement(t sqltok.Token, rest []sqltok.Token, table string, ident func(sqltok.Token) string) *object {
	sig := significant(rest, 4)
	switch {
	case t.Is("CONSTRAINT"):
		if len(sig) < 2 {
			return nil
		}
		o := &object{kind: schema.RenameConstraint, table: table, name: ident(sig[0])}
		if !sig[1].Is("UNIQUE") {
			o.unsupported = "rename hints are read on tables, columns, indexes and UNIQUE constraints; a renamed foreign key, primary key or CHECK is dropped and added, which loses no data: remove the hint"
		}
		return o
	case t.Is("UNIQUE"), t.Is("INDEX"), t.Is("KEY"), t.Is("FULLTEXT"), t.Is("SPATIAL"):
		// MySQL's [UNIQUE|FULLTEXT|SPATIAL] [KEY|INDEX] [name] (cols); a
		// column may be called key or index where that is not reserved.
		for len(sig) > 0 && (sig[0].Is("KEY") || sig[0].Is("INDEX")) {
			sig = sig[1:]
		}
		if len(sig) == 0 || sig[0].Kind == sqltok.Punct {
			return nil
		}
		if len(sig) > 1 && (sig[1].Text == "(" || sig[1].Is("USING")) {
			return &object{kind: schema.RenameIndex, table: table, name: ident(sig[0])}
		}
		if t.Is("UNIQUE") {
			return nil
		}
	case t.Is("PRIMARY"), t.Is("FOREIGN"), t.Is("CHECK"), t.Is("EXCLUDE"), t.Is("LIKE"), t.Is("PERIOD"):
		return nil
	}
	if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent && !(t.Kind == sqltok.String && strings.HasPrefix(t.Text, "'")) {
		return nil
	}
	return &object{kind: schema.RenameColumn, table: table, name: ident(t)}
}

func nextSignificant(toks []sqltok.Token) sqltok.Token {
	if s := significant(toks, 1); len(s) > 0 {
		return s[0]
	}
	return sqltok.Token{}
}

func significant(toks []sqltok.Token, n int) []sqltok.Token {
	var out []sqltok.Token
	for _, t := range toks {
		if t.Kind == sqltok.Space || t.Kind == sqltok.Comment {
			continue
		}
		out = append(out, t)
		if len(out) == n {
			break
		}
	}
	return out
}
