package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
)

// Screen returns the screen for statements run in a scratch database
// (loading a desired schema, replaying migrations). It implements
// dialect.Screener; see screenStmt for what it refuses. SQLite has no
// server, so nothing is skipped: GRANT or OWNER TO in a SQLite file is
// the syntax error SQLite reports.
func (d *Dialect) Screen(context.Context, dialect.Querier) (*dialect.Screen, error) {
	return &dialect.Screen{Classify: screenStmt, Logger: d.logger}, nil
}

// fileFuncs are SQL functions and table-valued functions that reach the
// file system or the process (from SQLite's fileio, zipfile and csv
// extensions and the core), should the driver provide them.
var fileFuncs = map[string]string{
	"load_extension": "loads a shared library into the process",
	"readfile":       "reads a file", "writefile": "writes a file",
	"fsdir": "lists a directory", "zipfile": "reads or writes a zip file", "zipfile_cds": "reads a zip file",
	"fts3_tokenizer": "registers native code",
}

// filePragmas are pragmas that act outside the scratch database: on the
// file system, or on every database of the process.
var filePragmas = map[string]string{
	"temp_store_directory": "sets a directory of the file system for the whole process",
	"data_store_directory": "sets a directory of the file system for the whole process",
	"soft_heap_limit":      "sets a limit for the whole process",
	"hard_heap_limit":      "sets a limit for the whole process",
	"threads":              "sets a limit for the whole process",
}

// screenStmt refuses a statement that would act outside the in-memory scratch
// database: ATTACH (which creates or opens a file) and DETACH, VACUUM INTO
// a file, pragmas that set process-wide paths or limits, functions and
// virtual tables that reach files or load code (load_extension, readfile,
// zipfile, csv, …), and client dot- or meta-commands. Everything else
// runs.
func screenStmt(stmt string) dialect.Verdict {
	if v := dialect.MetaCommands(stmt, sqltok.Options{}, "client command", func(string) bool { return false }); v.Action != dialect.Allow {
		return v
	}
	toks := sqltok.Lex(stmt, sqltok.Options{}, 0)
	if len(toks) == 0 {
		return dialect.Verdict{}
	}
	refuse := func(reason string) dialect.Verdict { return dialect.Verdict{Action: dialect.Refuse, Kind: reason} }
	switch {
	case toks[0].Is("ATTACH"):
		return refuse("ATTACH opens another database file")
	case toks[0].Is("DETACH"):
		return refuse("DETACH acts on a database other than the scratch database")
	case toks[0].Is("VACUUM"):
		for _, t := range toks[1:] {
			if t.Is("INTO") {
				return refuse("VACUUM INTO writes a database file")
			}
		}
	case toks[0].Is("PRAGMA"):
		i := 1
		if i+1 < len(toks) && toks[i+1].Text == "." {
			i += 2
		}
		if i < len(toks) {
			name := strings.ToLower(sqltok.Unquote(toks[i].Text))
			if why, ok := filePragmas[name]; ok {
				return refuse(fmt.Sprintf("PRAGMA %s %s", name, why))
			}
		}
	case toks[0].Text == "." && len(toks) > 1 && toks[1].Kind == sqltok.Word && toks[0].Pos == 0:
		return refuse(fmt.Sprintf(".%s is a sqlite3 shell command: retort runs SQL, not the shell", toks[1].Text))
	}
	for i, t := range toks {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		name := strings.ToLower(sqltok.Unquote(t.Text))
		if why, ok := fileFuncs[name]; ok && dialect.Call(toks, i) {
			return refuse(fmt.Sprintf("%s() %s", name, why))
		}
		if i > 0 && toks[i-1].Is("USING") && (name == "csv" || name == "zipfile" || name == "fsdir") {
			return refuse(fmt.Sprintf("a %s virtual table reads files", name))
		}
	}
	return dialect.Verdict{}
}
