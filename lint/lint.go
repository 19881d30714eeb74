// Package lint analyzes migration files before they run and reports what
// deserves a second look: statements that lose data, migrations that cannot
// be reverted, SQL that does not do what it seems to under retort's
// transaction envelope. Each finding has a code and a hint.
package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/migrate"
)

// Diagnostic is one finding.
type Diagnostic struct {
	Code    string `json:"code"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d: %s %s\n  hint: %s", d.File, d.Line, d.Code, d.Message, d.Hint)
}

// Analyzer checks one migration file for engine (sqlite, postgres, mysql).
type Analyzer interface {
	Analyze(f *migrate.File, engine string) []Diagnostic
}

// AnalyzerFunc adapts a function to Analyzer.
type AnalyzerFunc func(f *migrate.File, engine string) []Diagnostic

// Analyze calls fn.
func (fn AnalyzerFunc) Analyze(f *migrate.File, engine string) []Diagnostic { return fn(f, engine) }

// Analyzers returns every analyzer of the package.
func Analyzers() []Analyzer {
	return []Analyzer{AnalyzerFunc(destructive), AnalyzerFunc(irreversible), AnalyzerFunc(pragmaInMigration), AnalyzerFunc(mixedDDLAndData), AnalyzerFunc(looksRenamed)}
}

// Run applies analyzers to files and returns the findings ordered by file
// and line. Go migrations' placeholders (File.Go) hold no SQL and are
// skipped.
func Run(files []*migrate.File, engine string, analyzers ...Analyzer) []Diagnostic {
	var out []Diagnostic
	for _, f := range files {
		if f.Go != nil {
			continue // a Go migration's placeholder holds no SQL
		}
		for _, a := range analyzers {
			out = append(out, a.Analyze(f, engine)...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// words returns the upper-cased leading keywords of a statement, lexed by
// the engine's rules (on MySQL, "# DROP COLUMN x" is a comment).
func words(sql string, n int, engine string) []string {
	var out []string
	for _, t := range sqltok.Lex(sql, sqlsplit.LexOptions(engine), n) {
		if len(out) == n {
			break
		}
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

// destructive (RT101) finds up statements that drop tables or columns, or
// delete all rows.
func destructive(f *migrate.File, engine string) []Diagnostic {
	var out []Diagnostic
	for _, st := range f.Up.Statements() {
		ws := words(st.SQL, 64, engine)
		msg := ""
		switch {
		case hasSeq(ws, "DROP", "TABLE") && len(ws) > 0 && ws[0] == "DROP":
			if isRebuildDrop(f, st.SQL) {
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
		out = append(out, Diagnostic{Code: "RT101", File: f.Name, Line: st.Line, Message: msg,
			Hint: "data is lost on upgrade; move or back it up first, and make sure the down section can restore the schema"})
	}
	return out
}

// isRebuildDrop reports whether a DROP TABLE belongs to a SQLite rebuild in
// the same section (the table is recreated from _retort_new_*).
func isRebuildDrop(f *migrate.File, drop string) bool {
	toks := sqltok.Lex(drop, sqltok.Options{}, 0)
	if len(toks) == 0 {
		return false
	}
	name, _ := toks[len(toks)-1].Ident()
	for _, st := range f.Up.Statements() {
		if strings.Contains(st.SQL, "RENAME TO") && strings.Contains(st.SQL, "_retort_new_"+name) {
			return true
		}
	}
	return false
}

// irreversible (RT102) finds migrations without a down section.
func irreversible(f *migrate.File, _ string) []Diagnostic {
	if f.Down.Line != 0 || len(f.Down.Segments) > 0 {
		return nil
	}
	return []Diagnostic{{Code: "RT102", File: f.Name, Line: 1, Message: "has no -- migrate:down section",
		Hint: "downgrade stops at this migration; add a down section (retort revision --autogenerate writes one)"}}
}

// pragmaInMigration (RT103) finds PRAGMA foreign_keys in SQLite migrations,
// which is a no-op inside the migration's transaction.
func pragmaInMigration(f *migrate.File, engine string) []Diagnostic {
	if engine != "sqlite" {
		return nil
	}
	var out []Diagnostic
	for _, sec := range []migrate.Section{f.Up, f.Down} {
		if sec.Tx == migrate.TxOff {
			continue
		}
		for _, st := range sec.Statements() {
			if ws := words(st.SQL, 2, engine); len(ws) == 2 && ws[0] == "PRAGMA" && (ws[1] == "FOREIGN_KEYS" || ws[1] == "LEGACY_ALTER_TABLE") {
				out = append(out, Diagnostic{Code: "RT103", File: f.Name, Line: st.Line,
					Message: "PRAGMA " + strings.ToLower(ws[1]) + " has no effect inside the migration's transaction",
					Hint:    "remove it: retort switches foreign_keys off around every migration and checks foreign keys before COMMIT"})
			}
		}
	}
	return out
}

// mixedDDLAndData (RT104) finds MySQL migrations that mix schema changes
// with data changes: DDL commits implicitly, so a failure half-way leaves
// the data change without the schema change or the other way round.
func mixedDDLAndData(f *migrate.File, engine string) []Diagnostic {
	if engine != "mysql" {
		return nil
	}
	var ddl, dml int
	line := 0
	for _, st := range f.Up.Statements() {
		ws := words(st.SQL, 1, engine)
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
	return []Diagnostic{{Code: "RT104", File: f.Name, Line: line, Message: "mixes schema changes and data changes",
		Hint: "MySQL commits DDL implicitly; put data changes in a migration of their own"}}
}
