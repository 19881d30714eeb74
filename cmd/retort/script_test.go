package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/retortdb/retort/cmd/retort/internal/cli"
	"github.com/retortdb/retort/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite expected output in testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"retort": func() {
			quietDrivers()
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScriptSQLite runs the CLI scripts that need no server.
func TestScriptSQLite(t *testing.T) {
	runScripts(scriptT{t}, params("testdata/script/sqlite"))
}

// TestScriptPostgres runs the CLI scripts against the PostgreSQL server of
// RETORT_TEST_POSTGRES_URL; each script gets a database of its own in
// $DATABASE_URL.
func TestScriptPostgres(t *testing.T) {
	p := params("testdata/script/postgres")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		env.Setenv("DATABASE_URL", testdb.Postgres(scriptTB{env}))
		return nil
	}
	if os.Getenv(testdb.PostgresEnv) == "" {
		t.Skipf("set %s to run the PostgreSQL scripts", testdb.PostgresEnv)
	}
	runScripts(scriptT{t}, p)
}

// TestScriptMySQL runs the CLI scripts against the MySQL/MariaDB server of
// RETORT_TEST_MYSQL_URL; each script gets a database of its own in
// $DATABASE_URL.
func TestScriptMySQL(t *testing.T) {
	p := params("testdata/script/mysql")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		env.Setenv("DATABASE_URL", testdb.MySQL(scriptTB{env}))
		return nil
	}
	if os.Getenv(testdb.MySQLEnv) == "" {
		t.Skipf("set %s to run the MySQL scripts", testdb.MySQLEnv)
	}
	runScripts(scriptT{t}, p)
}

// runScripts runs the scripts of p.Dir. A directory without scripts (or
// none at all) fails the test, never skips it: a suite that runs nothing
// must not pass.
func runScripts(t testscript.T, p testscript.Params) {
	testscript.RunT(t, p)
}

// scriptT is a *testing.T as a testscript.T.
type scriptT struct{ *testing.T }

func (t scriptT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(t *testing.T) { f(scriptT{t}) })
}

func (t scriptT) Verbose() bool { return testing.Verbose() }

// scriptTB lets testdb work inside a testscript Setup.
type scriptTB struct{ env *testscript.Env }

func (s scriptTB) Helper()                           {}
func (s scriptTB) Skipf(format string, args ...any)  { s.env.T().Skip(fmt.Sprintf(format, args...)) }
func (s scriptTB) Fatalf(format string, args ...any) { s.env.T().Fatal(fmt.Sprintf(format, args...)) }
func (s scriptTB) Errorf(format string, args ...any) {
	scriptError(s.env.T(), fmt.Sprintf(format, args...))
}
func (s scriptTB) Cleanup(f func()) { s.env.Defer(f) }

// scriptError marks the script's test failed with msg and lets it go on
// (testscript.T has no Errorf; the *testing.T behind it has): a cleanup
// that fails, such as dropping the script's database, fails the test.
func scriptError(t testscript.T, msg string) {
	if e, ok := t.(interface{ Errorf(string, ...any) }); ok {
		e.Errorf("%s", msg)
		return
	}
	t.Fatal(msg)
}

func params(dir string) testscript.Params {
	return testscript.Params{
		Dir:           dir,
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// Scripts must not pick up the developer's database.
			env.Setenv("RETORT_DATABASE_URL", "")
			env.Setenv("DATABASE_URL", "")
			// Nor a retort.toml above $WORK: the search for one in parent
			// directories stops at the top of a git work tree.
			return os.Mkdir(filepath.Join(env.WorkDir, ".git"), 0o755)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
			"sql":   cmdSQL,
			"mysql": cmdMySQL, // mysql_cmd_test.go
		},
	}
}

// cmdExits runs "exits N command args..." and fails unless command exits
// with status N. Its stdout and stderr are kept for later checks.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdSQL runs "sql DBFILE QUERY": QUERY is executed on the SQLite file
// (foreign keys on, as in an application) and any rows it returns are
// printed one per line, columns separated by "|".
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sql DBFILE QUERY")
	}
	ts.Stdout() // an empty result must replace the previous command's output
	err := runSQL(ts, ts.MkAbs(args[0]), args[1])
	if neg {
		if err == nil {
			ts.Fatalf("sql succeeded unexpectedly")
		}
		fmt.Fprintf(ts.Stderr(), "%v\n", err)
		return
	}
	ts.Check(err)
}

func runSQL(ts *testscript.TestScript, path, query string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(v)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		fmt.Fprintln(ts.Stdout(), strings.Join(parts, "|"))
	}
	return rows.Err()
}
