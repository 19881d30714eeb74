// Package lint analyzes migration files before they run and reports what
// deserves a second look: statements that lose data, changes that fail on
// the rows a table already has, locks that stall writers, renames that
// break the code still running, SQL that does not do what it seems to
// under retort's transaction envelope. Each finding has a code, a
// severity, a message and a hint with the safe rewrite; docs/lint.md lists
// the rules.
//
// Statement-level facts (CONCURRENTLY, NOT VALID, PRAGMA, COMMIT) come
// from the engine's tokenizer. What a migration does to the schema comes
// from the database itself: the caller replays the migrations in a scratch
// database and passes each file's schema before and after (Effect), whose
// difference (diff.Compare) the rules classify.
package lint

import (
	"fmt"
	"sort"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// Severity says how much a finding matters. Only unacknowledged findings
// of severity Error make retort lint exit 1.
type Severity uint8

const (
	// Info is worth knowing; nothing to do.
	Info Severity = iota + 1
	// Warning deserves a look: the change may fail or block writers.
	Warning
	// Error loses data or breaks the migration unless acknowledged.
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText writes the severity as String does.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one finding.
type Diagnostic struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint"`
	// Acknowledged says why the finding does not fail the lint: "nolint"
	// (a "-- retort:nolint" comment names its code) or "destructive" (the
	// "-- retort: destructive" mark is on its statement); "" otherwise.
	Acknowledged string `json:"acknowledged,omitempty"`

	probe *probe // the rows to count with a database, if any
	marks []int  // lines of the statements the finding is about
}

func (d Diagnostic) String() string {
	s := fmt.Sprintf("%s:%d: %s %s (%s)\n  hint: %s", d.File, d.Line, d.Code, d.Message, d.Severity, d.Hint)
	if d.Acknowledged != "" {
		s += "\n  acknowledged: " + d.Acknowledged
	}
	return s
}

// Failing reports whether d makes the lint fail: an unacknowledged Error.
func (d Diagnostic) Failing() bool { return d.Severity == Error && d.Acknowledged == "" }

// Effect is what one migration's up section does to the schema, as a
// scratch database that replayed the migrations saw it.
type Effect struct {
	// Before and After are the schemas before and after the up section.
	Before, After *schema.Schema
	// Changes is diff.Compare(Before, After).
	Changes []diff.Change
	// Err is the error of a replay that failed at this migration; Before
	// is then the schema before it and After nil.
	Err error
}

// Pass is what an analyzer sees of one migration file.
type Pass struct {
	File *migrate.File
	// Engine is "sqlite", "postgres" or "mysql".
	Engine string
	// Effect is the file's effect on the schema, nil when the migrations
	// could not be replayed (no scratch database): the rules that need it
	// then say nothing.
	Effect *Effect
	// Narrows reports whether a column type change may change stored
	// values (the engine's dialect.Narrower); nil when unknown.
	Narrows func(mt *diff.ModifyTable, c *diff.ModifyColumn) bool
}

// Analyzer checks one migration file.
type Analyzer interface {
	Analyze(p *Pass) []Diagnostic
}

// AnalyzerFunc adapts a function to Analyzer.
type AnalyzerFunc func(p *Pass) []Diagnostic

// Analyze calls fn.
func (fn AnalyzerFunc) Analyze(p *Pass) []Diagnostic { return fn(p) }

// Analyzers returns every analyzer of the package.
func Analyzers() []Analyzer {
	return []Analyzer{
		AnalyzerFunc(destructive), AnalyzerFunc(irreversible), AnalyzerFunc(pragmaInMigration),
		AnalyzerFunc(mixedDDLAndData), AnalyzerFunc(looksRenamed), AnalyzerFunc(envelope),
		AnalyzerFunc(renames), AnalyzerFunc(locking), AnalyzerFunc(schemaEffects),
		AnalyzerFunc(replayFailed),
	}
}

// Run applies analyzers to passes, marks the findings that the files
// acknowledge (Acknowledge), and returns them ordered by file and line.
// Go migrations' placeholders (File.Go) hold no SQL and are skipped.
func Run(passes []*Pass, analyzers ...Analyzer) []Diagnostic {
	var out []Diagnostic
	for _, p := range passes {
		if p.File.Go != nil {
			continue // a Go migration's placeholder holds no SQL
		}
		var ds []Diagnostic
		for _, a := range analyzers {
			ds = append(ds, a.Analyze(p)...)
		}
		for i := range ds {
			if ds[i].File == "" {
				ds[i].File = p.File.Name
			}
			fillRule(&ds[i])
		}
		out = append(out, Acknowledge(p.File, ds)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Failing reports whether any of ds fails the lint.
func Failing(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Failing() {
			return true
		}
	}
	return false
}

// fillRule sets the severity and hint a rule documents where the analyzer
// left them out.
func fillRule(d *Diagnostic) {
	r, ok := RuleFor(d.Code)
	if !ok {
		return
	}
	if d.Severity == 0 {
		d.Severity = r.Severity
	}
	if d.Hint == "" {
		d.Hint = r.Hint
	}
}
