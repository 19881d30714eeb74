package sqlite

import (
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// SQLite's pragmas report columns, indexes and foreign keys, but not
// constraint names, CHECK expressions, collations, generated expressions,
// AUTOINCREMENT or deferrability. Those are recovered here from the CREATE
// statement that SQLite itself accepted and stored in sqlite_schema. This is
// a tokenizer walking a statement already known to be valid, not a SQL
// parser: anything it does not recognise is skipped.

// tableDef is what the CREATE TABLE text tells beyond the pragmas.
type tableDef struct {
	columns      []colDef
	pkName       string
	pkConflict   string // ON CONFLICT of the primary key, upper case
	uniques      []namedCols
	checks       []*schema.Check
	fks          []fkDef
	withoutRowID bool
	strict       bool
}

type colDef struct {
	name          string
	collation     string
	generated     string // expression, "" if not generated
	autoincrement bool
	pkDesc        bool
}

type namedCols struct {
	name string
	cols []string
}

type fkDef struct {
	name              string
	cols              []string
	refTable          string
	match             string // as written, upper case; "" if absent
	deferrable        bool
	initiallyDeferred bool
}

// parser walks the significant tokens of one statement.
type parser struct {
	src  string
	toks []sqltok.Token
	i    int
}

func newParser(src string) *parser {
	return &parser{src: src, toks: sqltok.Lex(src, sqltok.Options{}, 0)}
}

func (p *parser) done() bool { return p.i >= len(p.toks) }

func (p *parser) peek() sqltok.Token {
	if p.done() {
		return sqltok.Token{}
	}
	return p.toks[p.i]
}

func (p *parser) is(kw string) bool { return !p.done() && p.toks[p.i].Is(kw) }

func (p *parser) punct(s string) bool {
	return !p.done() && p.toks[p.i].Kind == sqltok.Punct && p.toks[p.i].Text == s
}

// accept consumes kw if it is next.
func (p *parser) accept(kw string) bool {
	if p.is(kw) {
		p.i++
		return true
	}
	return false
}

// ident consumes an identifier (bare, quoted, or a string used as one).
func (p *parser) ident() string {
	if p.done() {
		return ""
	}
	name, ok := p.toks[p.i].Ident()
	if !ok {
		return ""
	}
	p.i++
	return name
}

// qualifiedIdent consumes [schema.]name and returns name.
func (p *parser) qualifiedIdent() string {
	name := p.ident()
	if p.punct(".") {
		p.i++
		name = p.ident()
	}
	return name
}

// group consumes a parenthesised group starting at "(" and returns the
// source text inside it, and the index range of its inner tokens.
func (p *parser) group() (text string, from, to int) {
	if !p.punct("(") {
		return "", p.i, p.i
	}
	open := p.i
	depth := 0
	for ; p.i < len(p.toks); p.i++ {
		t := p.toks[p.i]
		if t.Kind != sqltok.Punct {
			continue
		}
		switch t.Text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				close := p.i
				p.i++
				start := p.toks[open].Pos + 1
				end := p.toks[close].Pos
				return strings.TrimSpace(p.src[start:end]), open + 1, close
			}
		}
	}
	return strings.TrimSpace(p.src[p.toks[open].Pos+1:]), open + 1, len(p.toks)
}

// splitTop splits the tokens [from, to) at top-level commas.
func (p *parser) splitTop(from, to int) [][2]int {
	var out [][2]int
	depth, start := 0, from
	for i := from; i < to; i++ {
		t := p.toks[i]
		if t.Kind != sqltok.Punct {
			continue
		}
		switch t.Text {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, [2]int{start, i})
				start = i + 1
			}
		}
	}
	if start < to {
		out = append(out, [2]int{start, to})
	}
	return out
}

// text returns the source text of tokens [from, to).
func (p *parser) text(from, to int) string {
	if from >= to {
		return ""
	}
	last := p.toks[to-1]
	return strings.TrimSpace(p.src[p.toks[from].Pos : last.Pos+len(last.Text)])
}

// identList parses "(a, b, c)" at the current position.
func (p *parser) identList() []string {
	_, from, to := p.group()
	var out []string
	for _, r := range p.splitTop(from, to) {
		sub := &parser{src: p.src, toks: p.toks[r[0]:r[1]]}
		out = append(out, sub.ident())
	}
	return out
}

var columnConstraintStart = map[string]bool{
	"CONSTRAINT": true, "PRIMARY": true, "NOT": true, "NULL": true, "UNIQUE": true,
	"CHECK": true, "DEFAULT": true, "COLLATE": true, "REFERENCES": true, "GENERATED": true, "AS": true,
}

var tableConstraintStart = map[string]bool{
	"CONSTRAINT": true, "PRIMARY": true, "UNIQUE": true, "CHECK": true, "FOREIGN": true,
}

// parseCreateTable reads a CREATE TABLE statement as stored in sqlite_schema.
func parseCreateTable(src string) *tableDef {
	p := newParser(src)
	def := &tableDef{}
	// CREATE [TEMP] TABLE [IF NOT EXISTS] name
	for !p.done() && !p.is("TABLE") {
		p.i++
	}
	p.accept("TABLE")
	if p.accept("IF") {
		p.accept("NOT")
		p.accept("EXISTS")
	}
	p.qualifiedIdent()
	if !p.punct("(") {
		return def // CREATE TABLE … AS SELECT
	}
	_, from, to := p.group()
	for _, r := range p.splitTop(from, to) {
		item := &parser{src: p.src, toks: p.toks[r[0]:r[1]]}
		if tableConstraintStart[strings.ToUpper(item.peek().Text)] && item.peek().Kind == sqltok.Word {
			item.tableConstraints(def)
		} else {
			item.columnDef(def)
		}
	}
	// Table options: WITHOUT ROWID, STRICT, separated by commas.
	for !p.done() {
		switch {
		case p.accept("WITHOUT"):
			if p.accept("ROWID") {
				def.withoutRowID = true
			}
		case p.accept("STRICT"):
			def.strict = true
		default:
			p.i++
		}
	}
	return def
}

func (p *parser) columnDef(def *tableDef) {
	col := colDef{name: p.ident()}
	// The type runs until the first constraint keyword at depth 0.
	for !p.done() {
		t := p.peek()
		if t.Kind == sqltok.Word && columnConstraintStart[strings.ToUpper(t.Text)] {
			break
		}
		if t.Kind == sqltok.Punct && t.Text == "(" {
			p.group()
			continue
		}
		p.i++
	}
	name := ""
	for !p.done() {
		switch {
		case p.accept("CONSTRAINT"):
			name = p.ident()
			continue
		case p.accept("PRIMARY"):
			p.accept("KEY")
			if p.accept("DESC") {
				col.pkDesc = true
			}
			p.accept("ASC")
			def.pkConflict = p.conflictClause()
			if p.accept("AUTOINCREMENT") {
				col.autoincrement = true
			}
			if name != "" {
				def.pkName = name
			}
		case p.accept("NOT"):
			p.accept("NULL")
			p.conflictClause()
		case p.accept("NULL"):
			p.conflictClause()
		case p.accept("UNIQUE"):
			p.conflictClause()
			def.uniques = append(def.uniques, namedCols{name: name, cols: []string{col.name}})
		case p.accept("CHECK"):
			expr, _, _ := p.group()
			def.checks = append(def.checks, &schema.Check{Name: name, Expr: expr})
		case p.accept("DEFAULT"):
			if p.punct("(") {
				p.group()
			} else {
				if p.punct("+") || p.punct("-") {
					p.i++
				}
				p.i++
			}
		case p.accept("COLLATE"):
			col.collation = p.ident()
		case p.accept("REFERENCES"):
			fk := fkDef{name: name, cols: []string{col.name}}
			p.references(&fk)
			def.fks = append(def.fks, fk)
		case p.accept("GENERATED"):
			p.accept("ALWAYS")
		case p.accept("AS"):
			col.generated, _, _ = p.group()
			if !p.accept("STORED") {
				p.accept("VIRTUAL")
			}
		default:
			p.i++
		}
		name = ""
	}
	def.columns = append(def.columns, col)
}

// tableConstraints reads the table constraints of one comma-separated
// item: SQLite also accepts constraints that follow each other without a
// comma, as in "UNIQUE (a) CHECK (a > 0)".
func (p *parser) tableConstraints(def *tableDef) {
	for !p.done() {
		start := p.i
		p.tableConstraint(def)
		// Skip what the constraint left (a key's column list, ON CONFLICT)
		// up to the next one.
		for !p.done() && !(p.peek().Kind == sqltok.Word && tableConstraintStart[strings.ToUpper(p.peek().Text)]) {
			if p.punct("(") {
				p.group()
				continue
			}
			p.i++
		}
		if p.i == start {
			p.i++
		}
	}
}

func (p *parser) tableConstraint(def *tableDef) {
	name := ""
	if p.accept("CONSTRAINT") {
		name = p.ident()
	}
	switch {
	case p.accept("PRIMARY"):
		p.accept("KEY")
		def.pkName = name
		p.group() // the columns: their order and collation come from the key's index
		def.pkConflict = p.conflictClause()
	case p.accept("UNIQUE"):
		def.uniques = append(def.uniques, namedCols{name: name, cols: p.indexedColumns()})
	case p.accept("CHECK"):
		expr, _, _ := p.group()
		def.checks = append(def.checks, &schema.Check{Name: name, Expr: expr})
	case p.accept("FOREIGN"):
		p.accept("KEY")
		fk := fkDef{name: name, cols: p.identList()}
		p.accept("REFERENCES")
		p.references(&fk)
		def.fks = append(def.fks, fk)
	}
}

// indexedColumns parses "(a COLLATE x DESC, b)" and returns the column names.
func (p *parser) indexedColumns() []string {
	_, from, to := p.group()
	var out []string
	for _, r := range p.splitTop(from, to) {
		sub := &parser{src: p.src, toks: p.toks[r[0]:r[1]]}
		out = append(out, sub.ident())
	}
	return out
}

// references parses the part of a foreign key clause after REFERENCES.
func (p *parser) references(fk *fkDef) {
	fk.refTable = p.qualifiedIdent()
	if p.punct("(") {
		p.group()
	}
	for !p.done() {
		switch {
		case p.accept("ON"):
			p.i++ // DELETE | UPDATE
			switch {
			case p.accept("SET"):
				p.i++
			case p.accept("NO"):
				p.i++
			default:
				p.i++
			}
		case p.accept("MATCH"):
			fk.match = strings.ToUpper(p.ident())
		case p.accept("NOT"):
			if p.accept("DEFERRABLE") {
				p.initially(fk)
				fk.deferrable, fk.initiallyDeferred = false, false
			}
		case p.accept("DEFERRABLE"):
			fk.deferrable = true
			p.initially(fk)
		default:
			return
		}
	}
}

func (p *parser) initially(fk *fkDef) {
	if p.accept("INITIALLY") {
		if p.accept("DEFERRED") {
			fk.initiallyDeferred = true
		} else {
			p.accept("IMMEDIATE")
		}
	}
}

// conflictClause consumes "ON CONFLICT resolution" and returns the
// resolution, upper case, or "" when there is none.
func (p *parser) conflictClause() string {
	if p.is("ON") && p.i+2 < len(p.toks) && p.toks[p.i+1].Is("CONFLICT") {
		p.i += 3
		return strings.ToUpper(p.toks[p.i-1].Text)
	}
	return ""
}

// indexDef is what the CREATE INDEX text tells beyond the pragmas: each key's
// expression as written, and the WHERE clause.
type indexDef struct {
	exprs []string // per key, "" for a plain column
	where string
}

// parseCreateIndex reads a CREATE INDEX statement as stored in sqlite_schema.
func parseCreateIndex(src string) *indexDef {
	p := newParser(src)
	def := &indexDef{}
	for !p.done() && !p.is("ON") {
		p.i++
	}
	p.accept("ON")
	p.qualifiedIdent()
	_, from, to := p.group()
	for _, r := range p.splitTop(from, to) {
		def.exprs = append(def.exprs, keyExpr(p, r[0], r[1]))
	}
	if p.accept("WHERE") {
		def.where = p.text(p.i, len(p.toks))
	}
	return def
}

// keyExpr returns the expression of one indexed key without its trailing
// COLLATE and ASC/DESC, or "" when the key is a plain column.
func keyExpr(p *parser, from, to int) string {
	if to > from && (p.toks[to-1].Is("ASC") || p.toks[to-1].Is("DESC")) {
		to--
	}
	if to-from >= 2 && p.toks[to-2].Is("COLLATE") {
		to -= 2
	}
	if to-from == 1 {
		if _, ok := p.toks[from].Ident(); ok && p.toks[from].Kind != sqltok.String {
			return ""
		}
	}
	// (expr) and expr are the same key: keep the bare form.
	for to-from >= 2 && p.toks[from].Text == "(" && p.toks[to-1].Text == ")" && balancedOuter(p.toks[from:to]) {
		from++
		to--
	}
	return p.text(from, to)
}

// mentions reports whether the SQL text src names any of the identifiers in
// names (lower-cased), as a bare or quoted identifier.
func mentions(src string, names map[string]bool) bool {
	for _, t := range sqltok.Tokenize(src, sqltok.Options{}) {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		if name, ok := t.Ident(); ok && names[fold(name)] {
			return true
		}
	}
	return false
}
