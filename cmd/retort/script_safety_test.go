package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// fakeT is a testscript.T that records how a test ended: Fatal and Skip
// stop the caller (by panicking with fakeStop, which run recovers), Errorf
// marks it failed and returns.
type fakeT struct {
	fatal, skipped, errors []string
}

type fakeStop struct{}

func (f *fakeT) Skip(args ...any) {
	f.skipped = append(f.skipped, fmt.Sprint(args...))
	panic(fakeStop{})
}
func (f *fakeT) Fatal(args ...any) { f.fatal = append(f.fatal, fmt.Sprint(args...)); panic(fakeStop{}) }
func (f *fakeT) FailNow()          { f.Fatal("FailNow") }
func (f *fakeT) Parallel()         {}
func (f *fakeT) Log(...any)        {}
func (f *fakeT) Verbose() bool     { return false }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Run(name string, fn func(testscript.T)) { f.run(func() { fn(f) }) }

// run calls fn, stopping where Fatal or Skip stop it.
func (f *fakeT) run(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fakeStop); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

// A script suite whose directory holds no script fails instead of
// passing (or skipping) with nothing run; so does a missing directory.
func TestScriptSuiteWithoutScriptsFails(t *testing.T) {
	for name, dir := range map[string]string{"empty": t.TempDir(), "missing": t.TempDir() + "/none"} {
		t.Run(name, func(t *testing.T) {
			f := &fakeT{}
			f.run(func() { runScripts(f, params(dir)) })
			if len(f.skipped) > 0 || len(f.fatal) != 1 || !strings.Contains(f.fatal[0], "no txtar") {
				t.Errorf("runScripts on a directory without scripts: fatal %q, skipped %q; want one failure", f.fatal, f.skipped)
			}
		})
	}
}

// A failed cleanup in a script (testdb's drop of the script's database
// reports through scriptTB.Errorf) fails the script's test.
func TestScriptCleanupErrorFails(t *testing.T) {
	f := &fakeT{}
	f.run(func() { scriptError(f, "testdb: drop database retort_test_x: boom") })
	if len(f.errors)+len(f.fatal) != 1 {
		t.Errorf("scriptError: errors %q, fatal %q; want the test failed once", f.errors, f.fatal)
	}
}
