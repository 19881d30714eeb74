package lint

import (
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// toks returns the significant tokens of a statement, lexed by the
// engine's rules (on MySQL, "# DROP COLUMN x" is a comment).
func toks(sql, engine string) []sqltok.Token {
	return sqltok.Lex(sql, sqlsplit.LexOptions(engine), 0)
}

// words returns the upper-cased text of the first n significant tokens.
func words(sql string, n int, engine string) []string {
	var out []string
	for _, t := range sqltok.Lex(sql, sqlsplit.LexOptions(engine), n) {
		out = append(out, strings.ToUpper(t.Text))
	}
	return out
}

func hasSeq(ws []string, seq ...string) bool {
	for i := 0; i+len(seq) <= len(ws); i++ {
		match := true
		for j, s := range seq {
			if ws[i+j] != s {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// diag is a finding of code on a statement line with a message; the
// severity and hint come from the rule.
func diag(code string, line int, msg string) Diagnostic {
	return Diagnostic{Code: code, Line: line, Message: msg}
}

// destructive (RT101) finds up statements that drop tables or columns, or
// delete all rows. Dropped tables and columns come from the schema's
// change when the migration was replayed, from the statements otherwise.
func destructive(p *Pass) []Diagnostic {
	f := p.File
	// With the migration replayed, drops are read from the schema's
	// change (schemaEffects), which sees every spelling of them.
	replayed := p.Effect != nil && p.Effect.After != nil
	var out []Diagnostic
	for _, st := range f.Up.Statements() {
		ws := words(st.SQL, 64, p.Engine)
		msg := ""
		switch {
		case replayed && (len(ws) == 0 || ws[0] == "DROP" || ws[0] == "ALTER"):
			continue
		case hasSeq(ws, "DROP", "TABLE") && len(ws) > 0 && ws[0] == "DROP":
			if isRebuildDrop(f, st.SQL, p.Engine) {
				continue
			}
			msg = "drops a table"
		case len(ws) > 0 && ws[0] == "ALTER" && hasSeq(ws, "DROP", "COLUMN"):
			msg = "drops a column"
		case len(ws) > 0 && ws[0] == "TRUNCATE":
			msg = "deletes every row"
		case len(ws) > 1 && ws[0] == "DELETE" && !hasSeq(ws, "WHERE"):
			msg = "deletes every row (DELETE without WHERE)"
		default:
			continue
		}
		out = append(out, diag("RT101", st.Line, msg))
	}
	return out
}

// isRebuildDrop reports whether a DROP TABLE belongs to a table rebuild in
// the same section: a later ALTER TABLE … RENAME TO gives the dropped name
// to another table.
func isRebuildDrop(f *migrate.File, drop, engine string) bool {
	ts := toks(drop, engine)
	if len(ts) < 3 {
		return false
	}
	name := lastName(ts[2:])
	for _, st := range f.Up.Statements() {
		if _, to, ok := renameTable(toks(st.SQL, engine)); ok && strings.EqualFold(to, name) {
			return true
		}
	}
	return false
}

// renameTable returns the names of ALTER TABLE a RENAME TO b and (MySQL)
// RENAME TABLE a TO b.
func renameTable(ts []sqltok.Token) (from, to string, ok bool) {
	switch {
	case len(ts) > 2 && ts[0].Is("RENAME") && ts[1].Is("TABLE"):
		from = lastName(ts[2:])
		for i := 2; i+1 < len(ts); i++ {
			if ts[i].Is("TO") {
				return from, lastName(ts[i+1:]), true
			}
		}
	case len(ts) > 2 && ts[0].Is("ALTER") && ts[1].Is("TABLE"):
		rest := skipWords(ts[2:], "IF", "EXISTS", "ONLY")
		from = lastName(rest)
		for i := 0; i+2 < len(rest); i++ {
			if rest[i].Is("RENAME") && (rest[i+1].Is("TO") || rest[i+1].Is("AS")) {
				return from, lastName(rest[i+2:]), true
			}
		}
	}
	return "", "", false
}

func skipWords(ts []sqltok.Token, kws ...string) []sqltok.Token {
	for len(ts) > 0 {
		skip := false
		for _, k := range kws {
			if ts[0].Is(k) {
				skip = true
			}
		}
		if !skip {
			break
		}
		ts = ts[1:]
	}
	return ts
}

// irreversible (RT102) finds migrations without a down section.
func irreversible(p *Pass) []Diagnostic {
	f := p.File
	if f.Down.Line != 0 || len(f.Down.Segments) > 0 {
		return nil
	}
	return []Diagnostic{diag("RT102", 1, "has no -- migrate:down section")}
}

// pragmaInMigration (RT103) finds PRAGMA foreign_keys in SQLite migrations,
// which is a no-op inside the migration's transaction.
func pragmaInMigration(p *Pass) []Diagnostic {
	if p.Engine != "sqlite" {
		return nil
	}
	var out []Diagnostic
	for _, sec := range []migrate.Section{p.File.Up, p.File.Down} {
		if sec.Tx == migrate.TxOff {
			continue
		}
		for _, st := range sec.Statements() {
			if ws := words(st.SQL, 2, p.Engine); len(ws) == 2 && ws[0] == "PRAGMA" && (ws[1] == "FOREIGN_KEYS" || ws[1] == "LEGACY_ALTER_TABLE") {
				out = append(out, diag("RT103", st.Line, "PRAGMA "+strings.ToLower(ws[1])+" has no effect inside the migration's transaction"))
			}
		}
	}
	return out
}

// mixedDDLAndData (RT104) finds MySQL migrations that mix schema changes
// with data changes: DDL commits implicitly, so a failure half-way leaves
// the data change without the schema change or the other way round.
func mixedDDLAndData(p *Pass) []Diagnostic {
	if p.Engine != "mysql" {
		return nil
	}
	var ddl, dml int
	line := 0
	for _, st := range p.File.Up.Statements() {
		ws := words(st.SQL, 1, p.Engine)
		if len(ws) == 0 {
			continue
		}
		switch ws[0] {
		case "CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE":
			ddl++
		case "INSERT", "UPDATE", "DELETE", "REPLACE":
			dml++
			if line == 0 {
				line = st.Line
			}
		}
	}
	if ddl == 0 || dml == 0 {
		return nil
	}
	return []Diagnostic{diag("RT104", line, "mixes schema changes and data changes")}
}

// envelope (RT120, RT121) finds statements that act on retort's
// transaction envelope: transaction control anywhere, and on SQLite the
// PRAGMAs that RT103 does not cover.
func envelope(p *Pass) []Diagnostic {
	var out []Diagnostic
	for _, sec := range []migrate.Section{p.File.Up, p.File.Down} {
		for _, st := range sec.Statements() {
			ws := words(st.SQL, 2, p.Engine)
			if len(ws) == 0 {
				continue
			}
			switch ws[0] {
			case "BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE", "ABORT":
				out = append(out, diag("RT120", st.Line, ws[0]+" inside a migration ends or nests retort's transaction"))
			case "START":
				if len(ws) > 1 && ws[1] == "TRANSACTION" {
					out = append(out, diag("RT120", st.Line, "START TRANSACTION inside a migration ends or nests retort's transaction"))
				}
			case "PRAGMA":
				if p.Engine == "sqlite" && len(ws) > 1 && ws[1] != "FOREIGN_KEYS" && ws[1] != "LEGACY_ALTER_TABLE" {
					out = append(out, diag("RT121", st.Line, "PRAGMA "+strings.ToLower(ws[1])+" in a migration"))
				}
			}
		}
	}
	return out
}

// renames (RT116) finds renames of tables and columns in up sections,
// except the final rename of a table rebuild.
func renames(p *Pass) []Diagnostic {
	var out []Diagnostic
	for _, r := range renameStatements(p.File, p.Engine) {
		switch r.hint.Kind {
		case schema.RenameTable:
			out = append(out, diag("RT116", r.line, "renames table "+r.hint.From+" to "+r.hint.To))
		case schema.RenameColumn:
			out = append(out, diag("RT116", r.line, "renames column "+r.table+"."+r.hint.From+" to "+r.hint.To))
		}
	}
	return out
}

// RenameHints returns the renames that f's up section writes (ALTER TABLE
// … RENAME [COLUMN], RENAME INDEX, RENAME CONSTRAINT, ALTER INDEX … RENAME,
// MySQL RENAME TABLE and CHANGE), as rename hints for diff.Compare: with
// them the schema before and after the migration differ by a rename, not
// by a drop and an add. before, the schema before the migration, gives the
// table of an index renamed with ALTER INDEX.
func RenameHints(f *migrate.File, engine string, before *schema.Schema) []schema.Rename {
	var out []schema.Rename
	for _, r := range renameStatements(f, engine) {
		if r.hint.Table == "" && before != nil {
			for _, t := range before.Tables {
				if _, ok := t.Index(r.hint.From); ok {
					r.hint.Table = t.Name
				}
			}
		}
		out = append(out, r.hint)
	}
	return out
}

// renameStmt is one rename an up statement writes.
type renameStmt struct {
	line  int
	table string // the column's table as the statement names it
	hint  schema.Rename
}

// renameStatements returns the renames of f's up section in order; a
// column's table is given by its name after the section's table renames.
func renameStatements(f *migrate.File, engine string) []renameStmt {
	var out []renameStmt
	for _, st := range f.Up.Statements() {
		ts := toks(st.SQL, engine)
		if from, to, ok := renameTable(ts); ok {
			if !droppedBefore(f, st.Line, to, engine) {
				out = append(out, renameStmt{line: st.Line, hint: schema.Rename{Kind: schema.RenameTable, Table: to, From: from, To: to}})
			}
			continue
		}
		if len(ts) > 5 && ts[0].Is("ALTER") && ts[1].Is("INDEX") {
			rest := skipWords(ts[2:], "IF", "EXISTS")
			from := lastName(rest)
			if i := indexOf(rest, "RENAME"); i > 0 && i+2 < len(rest) && rest[i+1].Is("TO") {
				to, _ := rest[i+2].Ident()
				out = append(out, renameStmt{line: st.Line, hint: schema.Rename{Kind: schema.RenameIndex, From: from, To: to}})
			}
			continue
		}
		if len(ts) < 3 || !ts[0].Is("ALTER") || !ts[1].Is("TABLE") {
			continue
		}
		rest := skipWords(ts[2:], "IF", "EXISTS", "ONLY")
		table := lastName(rest)
		for i := 0; i+1 < len(rest); i++ {
			var from, to string
			kind := schema.RenameColumn
			switch {
			case rest[i].Is("RENAME") && i+4 < len(rest) && (rest[i+1].Is("INDEX") || rest[i+1].Is("KEY") || rest[i+1].Is("CONSTRAINT")) && rest[i+3].Is("TO"):
				kind = schema.RenameIndex
				if rest[i+1].Is("CONSTRAINT") {
					kind = schema.RenameConstraint
				}
				from, _ = rest[i+2].Ident()
				to, _ = rest[i+4].Ident()
			case rest[i].Is("RENAME"):
				from, to = renamedColumn(rest[i+1:])
			case rest[i].Is("CHANGE") && engine == "mysql":
				j := i + 1
				if rest[j].Is("COLUMN") {
					j++
				}
				if j+1 < len(rest) {
					from, _ = rest[j].Ident()
					to, _ = rest[j+1].Ident()
				}
			}
			if from != "" && to != "" && !strings.EqualFold(from, to) {
				out = append(out, renameStmt{line: st.Line, table: table, hint: schema.Rename{Kind: kind, Table: table, From: from, To: to}})
			}
		}
	}
	// A column or index hint names its table as it is after the migration.
	for i := range out {
		if out[i].hint.Kind == schema.RenameTable {
			continue
		}
		for _, r := range out[i+1:] {
			if r.hint.Kind == schema.RenameTable && strings.EqualFold(r.hint.From, out[i].hint.Table) {
				out[i].hint.Table = r.hint.To
			}
		}
	}
	return out
}

// renamedColumn reads "[COLUMN] a TO b" after RENAME; "" for the other
// renames (TO, AS, CONSTRAINT, INDEX, KEY).
func renamedColumn(ts []sqltok.Token) (from, to string) {
	if len(ts) > 0 && ts[0].Is("COLUMN") {
		ts = ts[1:]
	} else if len(ts) > 0 && (ts[0].Is("TO") || ts[0].Is("AS") || ts[0].Is("CONSTRAINT") || ts[0].Is("INDEX") || ts[0].Is("KEY")) {
		return "", ""
	}
	if len(ts) < 3 || !ts[1].Is("TO") {
		return "", ""
	}
	from, _ = ts[0].Ident()
	to, _ = ts[2].Ident()
	return from, to
}

func indexOf(ts []sqltok.Token, kw string) int {
	for i, t := range ts {
		if t.Is(kw) {
			return i
		}
	}
	return -1
}

// droppedBefore reports whether an up statement before line drops table
// name: the rename that ends a rebuild.
func droppedBefore(f *migrate.File, line int, name, engine string) bool {
	for _, st := range f.Up.Statements() {
		if st.Line >= line {
			break
		}
		ts := toks(st.SQL, engine)
		if len(ts) > 2 && ts[0].Is("DROP") && ts[1].Is("TABLE") && strings.EqualFold(lastName(skipWords(ts[2:], "IF", "EXISTS")), name) {
			return true
		}
	}
	return false
}
