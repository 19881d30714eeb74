package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// run runs the CLI in dir with the environment vars and returns the exit
// code, stdout and stderr. It fails the test if the command panicked (Run
// reports a panic as an internal error).
func run(t *testing.T, dir string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: dir,
		Getenv: func(k string) string { return vars[k] }}
	code := env.Run(context.Background(), args)
	if strings.Contains(stderr.String(), "internal error") {
		t.Errorf("retort %s: %s", strings.Join(args, " "), stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

// writeFiles writes a project into dir, which it marks as the top of a
// git work tree so that no retort.toml above it is found.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func migrationFile(rev, parent, msg, up, down string) string {
	return "-- retort:revision " + rev + "\n-- retort:parent " + parent + "\n-- retort:message " + msg +
		"\n\n-- migrate:up\n" + up + "\n-- migrate:down\n" + down + "\n"
}

var testProject = map[string]string{
	"retort.toml": "dialect = \"sqlite\"\nurl = \"sqlite:app.db\"\n",
	"schema.sql":  "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n",
	"migrations/20260101000001_users.sql": migrationFile("20260101000001", "base", "users",
		"CREATE TABLE users (id INTEGER PRIMARY KEY);", "DROP TABLE users;"),
	"migrations/20260101000002_notes.sql": migrationFile("20260101000002", "20260101000001", "notes",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY);", "DROP TABLE notes;"),
}

// TestEveryCommandWithAnAppliedRevisionNotInMigrations: the database has a
// revision applied whose file is gone (another branch). `current` used to
// panic (nil pointer); no command may, and each either reports the state
// or refuses with the error naming the fix.
func TestEveryCommandWithAnAppliedRevisionNotInMigrations(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, testProject)
	if code, _, stderr := run(t, dir, nil, "upgrade"); code != 0 {
		t.Fatalf("upgrade: %d %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(dir, "migrations/20260101000002_notes.sql")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr
	}{
		{[]string{"current"}, 0, "20260101000002 (not in migrations/) notes", "retort stamp 20260101000001"},
		{[]string{"current", "--json"}, 0, `"in_migrations": false`, ""},
		{[]string{"history"}, 0, "20260101000001 -> 20260101000002  applied  notes  (not in migrations/)", "not in the migrations directory"},
		{[]string{"history", "--json"}, 0, `"in_migrations": false`, ""},
		{[]string{"heads"}, 0, "20260101000001 (head) users", ""},
		{[]string{"check"}, 2, "", "retort stamp 20260101000001"},
		{[]string{"check", "--json"}, 2, `"code": "applied_revision_not_in_migrations"`, ""},
		{[]string{"lint"}, 2, "", "not in the migrations directory"},
		{[]string{"upgrade"}, 2, "", "check out the branch that has it"},
		{[]string{"downgrade", "-1"}, 2, "", "not in the migrations directory"},
		{[]string{"downgrade", "base"}, 2, "", "not in the migrations directory"},
		{[]string{"upgrade", "--sql"}, 0, "CREATE TABLE users", ""},
		{[]string{"downgrade", "base", "--sql"}, 0, "DROP TABLE users", ""},
		{[]string{"diff", "--from", "sqlite:app.db", "--to", "file://schema.sql"}, 0, "", ""},
		{[]string{"inspect"}, 0, "CREATE TABLE", ""},
		{[]string{"apply", "--to", "file://schema.sql", "--dry-run"}, 0, "", ""},
		{[]string{"revision", "-m", "next", "--rev-id", "20260101000003"}, 0, "Created migrations/20260101000003_next.sql", ""},
		{[]string{"merge", "-m", "m"}, 2, "", "nothing to merge"},
		{[]string{"version"}, 0, "retort ", ""},
		{[]string{"stamp", "20260101000001"}, 0, "Stamped 20260101000001.", ""},
		{[]string{"current"}, 0, "20260101000001 users", ""},
	}
	// Commands the table does not name (added later) run without
	// arguments: they may fail, but not panic.
	named := map[string]bool{"help": true, "completion": true}
	for _, tt := range tests {
		named[tt.args[0]] = true
	}
	root := (&Env{Getenv: func(string) string { return "" }}).rootCommand()
	for _, c := range root.Commands() {
		if !named[c.Name()] {
			if code, _, _ := run(t, dir, nil, c.Name()); code < 0 || code > 2 {
				t.Errorf("retort %s: exit %d", c.Name(), code)
			}
		}
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, dir, nil, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("retort %s: exit %d, want %d; stdout %q, want %q in it; stderr %q, want %q in it",
				strings.Join(tt.args, " "), code, tt.code, stdout, tt.stdout, stderr, tt.stderr)
		}
	}
}

// TestPanicIsABugReport: a panic anywhere in a command is caught by Run,
// reported as a bug with the place to report it, and exits 2.
func TestPanicIsABugReport(t *testing.T) {
	for _, args := range [][]string{{"current"}, {"current", "--json"}} {
		var stdout, stderr bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: t.TempDir(),
			Getenv: func(string) string { panic("boom") }}
		code := env.Run(context.Background(), args)
		if code != ExitError || !strings.Contains(stderr.String(), "internal error") ||
			!strings.Contains(stderr.String(), bugURL) || !strings.Contains(stderr.String(), "boom") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a bug report", args, code, stderr.String())
		}
		if len(args) == 2 && !strings.Contains(stdout.String(), `"code": "internal"`) {
			t.Errorf("--json: stdout %q, want an error object", stdout.String())
		}
	}
}

// TestRevisionsInTheSameSecond: a second `revision` in the same second
// takes the next free second instead of failing with "already exists".
func TestRevisionsInTheSameSecond(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"retort.toml": "url = \"sqlite:app.db\"\n", "migrations/.keep": ""})
	at := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	for i, want := range []string{"20261125103000_a.sql", "20261125103001_b.sql", "20261125103002_c.sql"} {
		var stdout, stderr bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: dir,
			Getenv: func(string) string { return "" }, Now: func() time.Time { return at }}
		msg := string(rune('a' + i))
		if code := env.Run(context.Background(), []string{"revision", "-m", msg}); code != 0 {
			t.Fatalf("revision %d: exit %d: %s", i, code, stderr.String())
		}
		if got := stdout.String(); got != "Created migrations/"+want+"\n" {
			t.Errorf("revision %d: %q, want %s", i, got, want)
		}
	}
	// An explicit --rev-id that is taken is still an error.
	if code, _, stderr := run(t, dir, nil, "revision", "-m", "d", "--rev-id", "20261125103000"); code != 2 || !strings.Contains(stderr, "already exists") {
		t.Errorf("taken --rev-id: exit %d, %q", code, stderr)
	}
}

// TestEveryCommandHasExamples: every --help has an Examples section, and
// the aliases users of other tools type work.
func TestEveryCommandHasExamples(t *testing.T) {
	env := &Env{Getenv: func(string) string { return "" }}
	root := env.rootCommand()
	if root.Example == "" {
		t.Error("retort --help has no examples")
	}
	for _, c := range root.Commands() {
		if c.Example == "" {
			t.Errorf("retort %s --help has no examples", c.Name())
		}
	}
	for alias, name := range map[string]string{"up": "upgrade", "down": "downgrade", "status": "history", "new": "revision"} {
		c, _, err := root.Find([]string{alias})
		if err != nil || c.Name() != name {
			t.Errorf("alias %s: %v, %v; want %s", alias, c, err, name)
		}
	}
}
