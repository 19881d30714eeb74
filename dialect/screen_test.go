package dialect_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// byLead is a screen that refuses DROP, skips GRANT and OWNER, and drops
// a leading \restrict line.
func byLead(stmt string) dialect.Verdict {
	if v := dialect.MetaCommands(stmt, sqltok.Options{DollarQuotes: true}, "psql meta-command", func(c string) bool { return c == `\restrict` }); v.Action != dialect.Allow || v.SQL != "" {
		return v
	}
	switch {
	case strings.HasPrefix(stmt, "DROP"):
		return dialect.Verdict{Action: dialect.Refuse, Kind: "DROP is not allowed"}
	case strings.HasPrefix(stmt, "GRANT"):
		return dialect.Verdict{Action: dialect.Skip, Kind: "GRANT"}
	case strings.HasPrefix(stmt, "OWNER"):
		return dialect.Verdict{Action: dialect.Skip, Kind: "OWNER TO"}
	}
	return dialect.Verdict{}
}

func TestScreenStatements(t *testing.T) {
	var buf bytes.Buffer
	s := &dialect.Screen{Classify: byLead, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	stmts := []sqlsplit.Stmt{
		{SQL: "\\restrict k\nCREATE TABLE a ()", Line: 1},
		{SQL: "GRANT x", Line: 3}, {SQL: "OWNER y", Line: 4}, {SQL: "GRANT z", Line: 5},
		{SQL: "\\restrict k", Line: 6},
	}
	got, err := s.Statements("f.sql", stmts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SQL != "CREATE TABLE a ()" || got[0].Line != 2 {
		t.Errorf("statements %+v, want CREATE TABLE a () at line 2", got)
	}
	s.Report()
	want := "skipped 3 statements that describe the server, not the schema: 2 GRANT, 1 OWNER TO"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("log %q, want %q", buf.String(), want)
	}
	buf.Reset()
	s.Report()
	if buf.Len() != 0 {
		t.Errorf("a second Report logged %q", buf.String())
	}

	_, err = s.Statements("f.sql", append(stmts, sqlsplit.Stmt{SQL: "DROP DATABASE x", Line: 9}))
	var le *dialect.LoadError
	var re *dialect.RefusedError
	if !errors.As(err, &le) || !errors.As(err, &re) || le.Line != 9 || le.File != "f.sql" {
		t.Errorf("got %v, want a refusal at f.sql:9", err)
	}
}

func TestMetaCommands(t *testing.T) {
	keep := func(c string) bool { return c == `\restrict` || c == `\unrestrict` }
	pg := sqltok.Options{DollarQuotes: true}
	tests := []struct {
		name, stmt string
		want       dialect.Verdict
	}{
		{"none", "CREATE TABLE t (id int)", dialect.Verdict{}},
		{"string with backslash", "SELECT '\n\\connect x'", dialect.Verdict{}},
		{"restrict", "\\restrict k\nSET x = 1", dialect.Verdict{SQL: "SET x = 1", Lines: 1}},
		{"quote in key", "\\restrict a'b\n\n/* c */\nSET x = 1", dialect.Verdict{SQL: "SET x = 1", Lines: 3}},
		{"two commands", "\\unrestrict a\n\\restrict b\nSET x = 1", dialect.Verdict{SQL: "SET x = 1", Lines: 2}},
		{"only commands", "\\unrestrict a\n-- end", dialect.Verdict{Action: dialect.Skip}},
		{"refused", "\\connect other\nSET x = 1", dialect.Verdict{Action: dialect.Refuse,
			Kind: `\connect is a psql meta-command: retort sends SQL to the database and runs no client commands`}},
		{"after restrict", "\\restrict k\n\\! id", dialect.Verdict{Action: dialect.Refuse,
			Kind: `\! is a psql meta-command: retort sends SQL to the database and runs no client commands`}},
		{"restrict mid-statement", "SET x =\n\\restrict k\n1", dialect.Verdict{Action: dialect.Refuse,
			Kind: `\restrict is a psql meta-command: retort sends SQL to the database and runs no client commands`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dialect.MetaCommands(tt.stmt, pg, "psql meta-command", keep); got != tt.want {
				t.Errorf("MetaCommands(%q) = %+v, want %+v", tt.stmt, got, tt.want)
			}
		})
	}
}
