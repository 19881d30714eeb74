package cli

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// Vocabulary the fuzz tests build command lines, configurations and
// environments from: real commands and flags, with values both good and bad.
var (
	fuzzWords = []string{
		"init", "revision", "new", "upgrade", "up", "downgrade", "down", "current", "history", "status",
		"heads", "stamp", "merge", "check", "lint", "diff", "apply", "inspect", "version", "completion",
		"bash", "zsh", "head", "heads", "base", "+1", "-1", "+x", "-", "--", "20260101000001", "2026",
		"-m", "msg", "--autogenerate", "--rev-id", "99999999999999", "--sql", "--sql=base", "--sql=x:y",
		"--json", "--dry-run", "--allow-destructive", "--allow-changed", "--format", "json", "sql", "xml",
		"--dir", "migrations", "nowhere", "--schema", "schema.sql", "missing.sql", "--config", "retort.toml",
		"other.toml", "--url", "sqlite:app.db", "sqlite:", "sqlite::memory:", "sqlite:apq.db", "postgres://u:p#w@h/db",
		"mysql://", "oracle://x", "--dev-url", "--from", "--to", "file://schema.sql", "dir://migrations",
		"file://", "dir://", "--lock-timeout", "1s", "-3s", "--dialect", "mariadb", "postgresql", "sqlite3",
		"cobol", "--version", "--help", "-h", "", " ", "\x00", "é",
	}
	fuzzConfigs = []string{
		"",
		"dialect = \"sqlite\"\nurl = \"sqlite:app.db\"\n",
		"dialect = \"postgres\"\n",
		"dialect = \"cobol\"\n",
		"url = \"postgres://u:secret@127.0.0.1:1/db?connect_timeout=1\"\n",
		"dialect = \"sqlite\"\nurl = \"mysql://root@127.0.0.1:1/db\"\n",
		"dir = \"\"\nschema = \"\"\n",
		"dir = \"sub/../migrations\"\nschema = \"/dev/null\"\n",
		"nonsense = 1\n",
		"url = [1, 2]\n",
		"[[[",
		"exclude = [\"*\"]\nurl = \"sqlite:app.db\"\n",
	}
	fuzzURLs = []string{"", "sqlite:app.db", "sqlite:apq.db", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=1",
		"mysql://root:se#cret@127.0.0.1:1/db", "nonsense", "sqlite:", "file:x.db"}
)

// fuzzOnce runs one command line in a fresh project and fails if the CLI
// panicked or returned an exit code outside the contract.
func fuzzOnce(t *testing.T, args []string, config, retortURL, databaseURL string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{}
	for k, v := range testProject {
		files[k] = v
	}
	files["retort.toml"] = config
	writeFiles(t, dir, files)
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"RETORT_DATABASE_URL": retortURL, "DATABASE_URL": databaseURL}
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Dir: dir,
		Getenv: func(k string) string { return vars[k] }}
	code := env.Run(context.Background(), args)
	if code < 0 || code > 2 {
		t.Fatalf("retort %q: exit %d", args, code)
	}
	if strings.Contains(stderr.String(), "internal error") {
		t.Fatalf("retort %q (config %q, RETORT_DATABASE_URL %q, DATABASE_URL %q) panicked:\n%s",
			args, config, retortURL, databaseURL, stderr.String())
	}
	for _, secret := range []string{"secret", "se#cret"} {
		if strings.Contains(stdout.String()+stderr.String(), secret) && !strings.Contains(strings.Join(args, " "), secret) {
			t.Fatalf("retort %q: a password reached the output:\n%s%s", args, stdout.String(), stderr.String())
		}
	}
}

// TestRandomCommandLines runs a fixed set of random command lines,
// configurations and environments: none may panic.
func TestRandomCommandLines(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	rng := rand.New(rand.NewPCG(10, 3))
	for i := 0; i < n; i++ {
		args := make([]string, rng.IntN(6))
		for j := range args {
			args[j] = fuzzWords[rng.IntN(len(fuzzWords))]
		}
		fuzzOnce(t, args, fuzzConfigs[rng.IntN(len(fuzzConfigs))], fuzzURLs[rng.IntN(len(fuzzURLs))], fuzzURLs[rng.IntN(len(fuzzURLs))])
	}
}

// FuzzMain: go test ./internal/cli -run '^$' -fuzz FuzzMain. Arguments are
// separated by NUL bytes.
func FuzzMain(f *testing.F) {
	f.Add("current", fuzzConfigs[1], "", "")
	f.Add("check\x00--json", fuzzConfigs[2], "", "sqlite:app.db")
	f.Add("upgrade\x00+1", fuzzConfigs[0], "sqlite:app.db", "")
	f.Add("revision\x00-m\x00x\x00--autogenerate", fuzzConfigs[6], "", "")
	f.Add("init\x00--dialect\x00mariadb", "", "", "")
	f.Fuzz(func(t *testing.T, args, config, retortURL, databaseURL string) {
		if strings.Contains(retortURL+databaseURL+config, "//") && !strings.Contains(retortURL+databaseURL+config, "127.0.0.1:1/") {
			t.Skip("no server URLs but the closed port: a fuzzer must not scan the network")
		}
		list := strings.Split(args, "\x00")
		for _, a := range append(list, config, retortURL, databaseURL) {
			if strings.Contains(a, "..") || strings.Contains(a, "\"/") || strings.HasPrefix(a, "/") || strings.Contains(a, "=/") {
				t.Skip("paths outside the project: the fuzzer must not write there")
			}
		}
		fuzzOnce(t, list, config, retortURL, databaseURL)
	})
}
