package dialect

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// Action is what loading into a scratch database does with a statement.
type Action uint8

// Actions.
const (
	// Allow runs the statement: schema-level SQL and session settings.
	Allow Action = iota
	// Skip does not run the statement and counts it in a warning: it
	// describes the live server (owners, privileges, roles), not the schema.
	Skip
	// Refuse stops the load before anything runs: the statement would act
	// outside the scratch database (another database, the server's
	// configuration, its file system or programs).
	Refuse
)

// Verdict is an engine's decision on one statement of a desired schema or
// of a migration replayed into a scratch database.
type Verdict struct {
	Action Action
	// Kind is what the statement is: for Skip the kind counted in the
	// report ("OWNER TO", "GRANT"), for Refuse the reason, written to
	// follow "refused, nothing was run: ".
	Kind string
	// SQL, when not empty, runs instead of the statement: the statement
	// without the pg_dump \restrict / \unrestrict lines it began with.
	SQL string
	// Lines is how many lines SQL starts below the statement.
	Lines int
}

// Screener is implemented by engines that sort the statements run in a
// scratch database (loading a desired schema, replaying migrations for
// autogenerate and check) into Allow, Skip and Refuse. Migrations applied
// to a real database (upgrade, downgrade) are never screened.
type Screener interface {
	// Screen returns the screen for statements that will run on scratch, a
	// scratch database of the engine (MySQL reads the names of the
	// server's other databases from it).
	Screen(ctx context.Context, scratch Querier) (*Screen, error)
}

// Screen sorts statements with an engine's Classify and counts those it
// skips. It is safe for concurrent use.
type Screen struct {
	// Classify returns the verdict on one statement.
	Classify func(stmt string) Verdict
	// Logger receives Report's warning.
	Logger *slog.Logger

	mu      sync.Mutex
	skipped map[string]int
}

// RefusedError is a statement that a screen refused. Nothing of the script
// ran.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string {
	return "refused, nothing was run: " + e.Reason
}

// Check returns the SQL to run for the statement stmt at line of file and
// the line it starts on: "" for a skipped statement (counted for Report),
// and a *LoadError wrapping a *RefusedError for a refused one.
func (s *Screen) Check(file string, line int, stmt string) (string, int, error) {
	v := s.Classify(stmt)
	switch v.Action {
	case Refuse:
		return "", line, &LoadError{File: file, Line: line, Err: &RefusedError{Reason: v.Kind}}
	case Skip:
		if v.Kind != "" {
			s.mu.Lock()
			if s.skipped == nil {
				s.skipped = map[string]int{}
			}
			s.skipped[v.Kind]++
			s.mu.Unlock()
		}
		return "", line, nil
	}
	if v.SQL != "" {
		return v.SQL, line + v.Lines, nil
	}
	return stmt, line, nil
}

// Statements checks every statement of the script file before any runs
// and returns those to run: the first refused one is an error naming its
// line, skipped ones are left out.
func (s *Screen) Statements(file string, stmts []sqlsplit.Stmt) ([]sqlsplit.Stmt, error) {
	out := make([]sqlsplit.Stmt, 0, len(stmts))
	for _, st := range stmts {
		sql, line, err := s.Check(file, st.Line, st.SQL)
		if err != nil {
			return nil, err
		}
		if sql != "" {
			out = append(out, sqlsplit.Stmt{SQL: sql, Line: line})
		}
	}
	return out, nil
}

// Report logs one warning naming the kinds and counts of the statements
// skipped so far, if any, and starts counting afresh.
func (s *Screen) Report() {
	s.mu.Lock()
	skipped := s.skipped
	s.skipped = nil
	s.mu.Unlock()
	if len(skipped) == 0 || s.Logger == nil {
		return
	}
	s.Logger.Warn(SkippedMessage(skipped))
}

// SkippedMessage describes skipped statements by kind, most frequent first:
// "skipped 12 statements that describe the server, not the schema: 8 OWNER
// TO, 4 GRANT".
func SkippedMessage(skipped map[string]int) string {
	kinds := make([]string, 0, len(skipped))
	total := 0
	for k, n := range skipped {
		kinds = append(kinds, k)
		total += n
	}
	sort.Slice(kinds, func(i, j int) bool {
		if skipped[kinds[i]] != skipped[kinds[j]] {
			return skipped[kinds[i]] > skipped[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", skipped[k], k)
	}
	noun := "statements that describe"
	if total == 1 {
		noun = "statement that describes"
	}
	return fmt.Sprintf("skipped %d %s the server, not the schema: %s", total, noun, strings.Join(parts, ", "))
}

// ScreenFor returns d's screen for statements to run on scratch, or nil
// when d does not screen.
func ScreenFor(ctx context.Context, d Dialect, scratch Querier) (*Screen, error) {
	sc, ok := d.(Screener)
	if !ok {
		return nil, nil
	}
	return sc.Screen(ctx, scratch)
}

// MetaCommands handles the client meta-commands (lines starting with a
// backslash, such as psql's \connect or \!) at the start of stmt, lexed
// with opt; client names them in errors ("psql meta-command"). keep
// reports the commands that are accepted and dropped (pg_dump's \restrict
// and \unrestrict); any other is refused. It returns the zero Verdict for
// a statement without meta-commands, Skip (with no Kind: not counted) for
// one made only of accepted commands, and Allow with SQL and Lines set for
// the statement that follows accepted commands. A meta-command line
// elsewhere in the statement is refused too: retort sends statements to
// the server, never through a client.
func MetaCommands(stmt string, opt sqltok.Options, client string, keep func(cmd string) bool) Verdict {
	lineStart, first := true, true
	for _, t := range sqltok.Tokenize(stmt, opt) {
		switch t.Kind {
		case sqltok.Space:
			if strings.Contains(t.Text, "\n") {
				lineStart = true
			}
			continue
		case sqltok.Comment:
			continue
		}
		if !(t.Kind == sqltok.Punct && t.Text == `\` && lineStart) {
			first, lineStart = false, false
			continue
		}
		// The command runs to the end of its line, whatever it holds.
		lineEnd := len(stmt)
		if n := strings.IndexByte(stmt[t.Pos:], '\n'); n >= 0 {
			lineEnd = t.Pos + n
		}
		cmd := strings.Fields(stmt[t.Pos:lineEnd])[0]
		if !first || !keep(cmd) {
			return Verdict{Action: Refuse, Kind: fmt.Sprintf("%s is a %s: retort sends SQL to the database and runs no client commands", cmd, client)}
		}
		rest := stmt[lineEnd:]
		lines := strings.Count(stmt[:lineEnd], "\n")
		v := MetaCommands(rest, opt, client, keep)
		switch {
		case v.Action != Allow:
			return v
		case v.SQL != "":
			v.Lines += lines
			return v
		}
		next := sqltok.Lex(rest, opt, 1)
		if len(next) == 0 {
			return Verdict{Action: Skip} // nothing but accepted commands
		}
		return Verdict{SQL: strings.TrimSpace(rest[next[0].Pos:]), Lines: lines + strings.Count(rest[:next[0].Pos], "\n")}
	}
	return Verdict{}
}

// Call reports whether toks[i] is the name of a function being called: a
// word followed by "(" that is not the name of a table, index or other
// object being created or referenced (CREATE TABLE dblink (…) is not a
// call to dblink). A table function after FROM or JOIN is a call.
func Call(toks []sqltok.Token, i int) bool {
	if i+1 >= len(toks) || toks[i+1].Text != "(" {
		return false
	}
	if i == 0 {
		return true
	}
	p := toks[i-1]
	if p.Text == "." {
		return i < 2 || !isObjectWord(toks[i-2]) && !(i >= 3 && isObjectWord(toks[i-3]))
	}
	return !isObjectWord(p)
}

func isObjectWord(t sqltok.Token) bool {
	for _, w := range []string{"TABLE", "EXISTS", "REFERENCES", "ON", "INTO", "INDEX", "VIEW", "TRIGGER", "TYPE", "FUNCTION", "PROCEDURE"} {
		if t.Is(w) {
			return true
		}
	}
	return false
}
