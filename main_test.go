package retort_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/testdb"
)

// TestMain says, once at the end of the run, which server tests were
// skipped for want of their DSN variable. `go test ./...` hides the output
// of packages that pass, so the line goes to the terminal itself when
// there is one (and to stdout otherwise, which `go test -v` and `go test .`
// show). The line must come on every run, so the run rewrites a marker file
// in testdata (ignored by git): go test does not cache a result that read a
// file of the module changed in the last seconds.
func TestMain(m *testing.M) {
	var skipped []string
	for _, e := range []struct{ env, engine string }{{testdb.PostgresEnv, "PostgreSQL"}, {testdb.MySQLEnv, "MySQL"}} {
		if os.Getenv(e.env) == "" {
			skipped = append(skipped, fmt.Sprintf("%s (set %s)", e.engine, e.env))
		}
	}
	code := m.Run()
	if len(skipped) > 0 {
		var w io.Writer = os.Stdout
		tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		if err == nil && !testing.Verbose() {
			w = tty
		}
		fmt.Fprintf(w, "NOTE: the tests that need a server were skipped in every package: %s\n", strings.Join(skipped, ", "))
		if err == nil {
			tty.Close()
		}
	}
	os.Exit(code)
}

// TestServerVariables checks that the server variables that are set name a
// server of the right engine. When one is unset, it keeps go test from
// caching the run, so that TestMain's note comes every time: it rewrites a
// marker file of the module (ignored by git), and go test does not cache a
// result that read a file changed in the last seconds. Files a test opens
// are only logged while the tests run, hence a test rather than TestMain.
func TestServerVariables(t *testing.T) {
	unset := false
	for env, dialect := range map[string]string{testdb.PostgresEnv: "postgres", testdb.MySQLEnv: "mysql"} {
		v := os.Getenv(env)
		if v == "" {
			unset = true
			continue
		}
		if target, err := retort.ParseURL(v); err != nil || target.Dialect != dialect {
			t.Errorf("%s: want a %s URL: %v", env, dialect, err)
		}
	}
	if !unset {
		return
	}
	marker := filepath.Join("testdata", ".server-tests-skipped")
	if err := os.WriteFile(marker, []byte(time.Now().String()), 0o644); err != nil {
		t.Log(err)
	}
	_, _ = os.ReadFile(marker)
}
