package lint

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/migrate"
)

// ParseNolint reads the argument of a "-- retort:nolint" comment: rule
// codes separated by commas or spaces ("RT101, RT106"), in any case.
// Text after "--" is a free-form reason and ignored. It returns the codes
// upper-cased, or an error naming the first word that is not a known code.
func ParseNolint(arg string) ([]string, error) {
	if i := strings.Index(arg, "--"); i >= 0 {
		arg = arg[:i]
	}
	words := strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(words) == 0 {
		return nil, fmt.Errorf("no rule codes (want e.g. RT101)")
	}
	var out []string
	for _, w := range words {
		code := strings.ToUpper(w)
		if _, ok := RuleFor(code); !ok {
			return nil, fmt.Errorf("%q is not a rule code (want RT1xx, listed in docs/lint.md)", w)
		}
		out = append(out, code)
	}
	return out, nil
}

// nolintRule is the finding for a "-- retort:nolint" comment that does not
// parse.
const nolintRule = "RT100"

// Acknowledge marks the findings of f that f acknowledges: those whose code
// a "-- retort:nolint" comment names, in the header (the whole file) or on
// the line(s) just before their statement, and destructive ones whose
// statement carries the "-- retort: destructive" mark that autogenerate
// writes. A nolint comment that does not parse is a finding of its own
// (RT100, an error).
func Acknowledge(f *migrate.File, ds []Diagnostic) []Diagnostic {
	fileCodes := map[string]bool{}
	stmtCodes := map[int]map[string]bool{} // statement line → codes
	marked := map[int]bool{}               // statement lines with the destructive mark
	var out []Diagnostic
	for _, a := range f.Annotations {
		stmt := nextStatement(f, a)
		if a.Kind == migrate.DestructiveMark {
			if stmt > 0 {
				marked[stmt] = true
			}
			continue
		}
		codes, err := ParseNolint(a.Arg)
		if err != nil {
			out = append(out, Diagnostic{Code: nolintRule, Severity: Error, File: f.Name, Line: a.Line,
				Message: "-- retort:nolint: " + err.Error(), Hint: "write -- retort:nolint RT101[,RT106] with the codes to accept"})
			continue
		}
		set := fileCodes
		if a.Section != 0 {
			if stmt == 0 {
				continue
			}
			if stmtCodes[stmt] == nil {
				stmtCodes[stmt] = map[string]bool{}
			}
			set = stmtCodes[stmt]
		}
		for _, c := range codes {
			set[c] = true
		}
	}
	for _, d := range ds {
		lines := d.marks
		if len(lines) == 0 {
			lines = []int{statementAt(f, d.Line)}
		}
		r, _ := RuleFor(d.Code)
		switch {
		case fileCodes[d.Code]:
			d.Acknowledged = "nolint"
		case anyLine(lines, func(l int) bool { return stmtCodes[l][d.Code] }):
			d.Acknowledged = "nolint"
		case r.Destructive && anyLine(lines, func(l int) bool { return marked[l] }):
			d.Acknowledged = "destructive"
		}
		out = append(out, d)
	}
	return out
}

func anyLine(lines []int, f func(int) bool) bool {
	for _, l := range lines {
		if l > 0 && f(l) {
			return true
		}
	}
	return false
}

// nextStatement returns the line of the first statement after annotation
// a in its section, 0 if none.
func nextStatement(f *migrate.File, a migrate.Annotation) int {
	if a.Section == 0 {
		return 0
	}
	for _, st := range f.Section(a.Section).Statements() {
		if st.Line > a.Line {
			return st.Line
		}
	}
	return 0
}

// statementAt returns the line of the statement of f that line falls in
// (the last one starting at or before it), 0 if none.
func statementAt(f *migrate.File, line int) int {
	sec := f.Up
	if f.Down.Line != 0 && line > f.Down.Line {
		sec = f.Down
	}
	at := 0
	for _, st := range sec.Statements() {
		if st.Line > line {
			break
		}
		at = st.Line
	}
	return at
}
