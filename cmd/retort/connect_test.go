package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/retortdb/retort/internal/testdb"
)

// fakeServer listens on a local port and, for each connection it accepts,
// either never answers (silent) or closes it at once. It returns host:port.
func fakeServer(t *testing.T, silent bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !silent {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// runExit runs the CLI and returns its exit code, stdout and stderr.
func runExit(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := retortCommand(t, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("retort %s: %v", strings.Join(args, " "), err)
	return 0, "", ""
}

// TestConnectTimeout: a server that accepts TCP connections and never
// answers (or drops them) makes a command fail within --connect-timeout,
// with exit 2 and an error naming the host but not the password, and
// without the driver's own log lines.
func TestConnectTimeout(t *testing.T) {
	for _, engine := range []string{"postgres", "mysql"} {
		for _, silent := range []bool{true, false} {
			name := engine + map[bool]string{true: " silent", false: " drops"}[silent]
			t.Run(name, func(t *testing.T) {
				addr := fakeServer(t, silent)
				url := fmt.Sprintf("%s://app:s3cret@%s/db", engine, addr)
				code, stdout, stderr := runExit(t, t.TempDir(), "inspect", "--url", url, "--connect-timeout", "1s")
				if code != 2 {
					t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
				}
				if !strings.Contains(stderr, "connect to "+addr) {
					t.Errorf("stderr does not name the server %s:\n%s", addr, stderr)
				}
				if silent && !strings.Contains(stderr, "no answer within 1s") {
					t.Errorf("stderr does not say the server did not answer within 1s:\n%s", stderr)
				}
				if strings.Contains(stderr, "s3cret") {
					t.Errorf("the password is in the output:\n%s", stderr)
				}
				if strings.Contains(stderr, "[mysql]") || strings.Contains(stderr, "packets.go") {
					t.Errorf("a driver log line reached stderr:\n%s", stderr)
				}
			})
		}
	}
}

// TestScratchConnectTimeout: commands that only load schema files into a
// scratch database on the configured server (diff of two files) are
// bounded by --connect-timeout too.
func TestScratchConnectTimeout(t *testing.T) {
	for _, engine := range []string{"postgres", "mysql"} {
		t.Run(engine, func(t *testing.T) {
			addr := fakeServer(t, true)
			dir := t.TempDir()
			for name, text := range map[string]string{"a.sql": "CREATE TABLE a (id int);", "b.sql": "CREATE TABLE b (id int);"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := runExit(t, dir, "diff", "--from", "file://a.sql", "--to", "file://b.sql",
				"--url", fmt.Sprintf("%s://app:s3cret@%s/db", engine, addr), "--connect-timeout", "1s")
			if code != 2 || !strings.Contains(stderr, addr+": no answer within 1s") || strings.Contains(stderr, "s3cret") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and an error naming %s, without the password", code, stderr, addr)
			}
		})
	}
}

// TestConnectTimeoutFromURL: the URL's own connect_timeout (PostgreSQL,
// seconds) or timeout (MySQL, a duration) bounds the attempt when
// --connect-timeout is not given.
func TestConnectTimeoutFromURL(t *testing.T) {
	for _, tt := range []struct{ engine, param, want string }{
		{"postgres", "connect_timeout=1", "no answer within 1s"},
		{"mysql", "timeout=1s", "no answer within 1s"},
	} {
		t.Run(tt.engine, func(t *testing.T) {
			addr := fakeServer(t, true)
			code, _, stderr := runExit(t, t.TempDir(), "inspect", "--url", fmt.Sprintf("%s://app@%s/db?%s", tt.engine, addr, tt.param))
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestWait: "retort wait" and --wait retry a server that is not there yet,
// saying what they wait for on stderr, and give up with exit 2 when the
// wait runs out; against a server that answers, wait exits 0.
func TestWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	for _, args := range [][]string{{"wait", "--wait=2s"}, {"inspect", "--wait=2s"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runExit(t, t.TempDir(), append(args, "--url", "postgres://app:s3cret@"+addr+"/db")...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "waiting for "+addr+" to answer") || !strings.Contains(stderr, "still failing after waiting") {
				t.Errorf("stderr does not say what it waited for:\n%s", stderr)
			}
			if strings.Contains(stderr, "s3cret") {
				t.Errorf("the password is in the output:\n%s", stderr)
			}
		})
	}
	for _, env := range []string{testdb.PostgresEnv, testdb.MySQLEnv} {
		t.Run("answers "+env, func(t *testing.T) {
			u := os.Getenv(env)
			if u == "" {
				t.Skipf("set %s", env)
			}
			if code, _, stderr := runExit(t, t.TempDir(), "wait", "--url", u); code != 0 || !strings.Contains(stderr, "answers") {
				t.Errorf("wait against a running server: exit %d, stderr:\n%s", code, stderr)
			}
		})
	}
}
