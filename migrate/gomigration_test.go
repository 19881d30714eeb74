package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/dialect/sqlite"
)

const goHead = "-- retort:revision 20261201120000\n-- retort:parent 20261125103000\n-- retort:message backfill slugs\n"

func TestParseGoPlaceholder(t *testing.T) {
	tests := []struct {
		name, src        string
		version, program string
	}{
		{"canonical", goHead + "-- retort:go version:1 program:braindump\n", "1", "braindump"},
		{"options in any order and case", goHead + "-- RETORT:GO Program:./cmd/app Version:2026-12-01.b\n", "2026-12-01.b", "./cmd/app"},
		{"comments around the headers", "-- the slug backfill\n" + goHead + "-- retort:go version:1 program:app\n\n-- see slug.go\n", "1", "app"},
		{"go line before the other headers", "-- retort:go version:1 program:app\n" + goHead, "1", "app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("20261201120000_backfill_slugs.sql", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if f.Go == nil {
				t.Fatal("Go is nil, want a placeholder")
			}
			got := []string{f.Revision, strings.Join(f.Parents, ","), f.Message, f.Go.Version, f.Go.Program}
			want := []string{"20261201120000", "20261125103000", "backfill slugs", tt.version, tt.program}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("placeholder (-want +got):\n%s", d)
			}
			if len(f.Up.Segments)+len(f.Down.Segments) != 0 {
				t.Errorf("sections hold statements: %+v %+v", f.Up, f.Down)
			}
			if f.Checksum != GoChecksum(f.Revision, tt.version) {
				t.Errorf("Checksum = %s, want GoChecksum(revision, version) = %s", f.Checksum, GoChecksum(f.Revision, tt.version))
			}
			again, err := Parse(f.Name, Format(f))
			if err != nil {
				t.Fatalf("Parse(Format(f)): %v\n%s", err, Format(f))
			}
			if again.Go == nil || *again.Go != (GoPlaceholder{Version: tt.version, Program: tt.program, Line: 4}) || again.Checksum != f.Checksum {
				t.Errorf("Parse(Format(f)) = %+v %s\n%s", again.Go, again.Checksum, Format(f))
			}
		})
	}
}

func TestParseGoPlaceholderErrors(t *testing.T) {
	const name = "20261201120000_x.sql"
	const goLine = "-- retort:go version:1 program:app\n"
	tests := []struct{ name, src, want string }{
		{"SQL in the placeholder", goHead + goLine + "UPDATE notes SET slug = '';\n", "5: SQL in a Go migration's placeholder (-- retort:go at line 4): its up and down are Go code, the file holds only headers"},
		{"up section in the placeholder", goHead + goLine + "-- migrate:up\n", "5: -- migrate:up in a Go migration's placeholder (-- retort:go at line 4): its up and down are Go code, the file holds only headers"},
		{"go line inside a section", goHead + "-- migrate:up\n" + goLine, "5: -- retort:go after -- migrate:up (a Go migration's placeholder has no sections)"},
		{"duplicate go line", goHead + goLine + goLine, "5: duplicate -- retort:go line (first at line 4)"},
		{"no version", goHead + "-- retort:go program:app\n", "4: -- retort:go needs version:V, the registered code's version (part of the checksum)"},
		{"no program", goHead + "-- retort:go version:1\n", "4: -- retort:go needs program:NAME, the program that registers and runs the Go code"},
		{"nothing after go", goHead + "-- retort:go\n", "4: -- retort:go needs version:V, the registered code's version (part of the checksum)"},
		{"empty value", goHead + "-- retort:go version: program:app\n", "4: option version: needs a value after the colon"},
		{"repeated option", goHead + "-- retort:go version:1 version:2 program:app\n", "4: option version: repeated after -- retort:go"},
		{"unknown option", goHead + "-- retort:go version:1 program:app transaction:false\n", `4: unknown option "transaction:false" after -- retort:go (want version:V program:NAME)`},
		{"no revision header", "-- retort:parent base\n" + goLine, "2: a Go migration's placeholder needs a -- retort:revision header"},
		{"no parent header", "-- retort:revision 20261201120000\n" + goLine, `1: missing -- retort:parent header (write "-- retort:parent base" for a first revision)`},
		{"typo", goHead + "-- retort:og version:1 program:app\n", `4: unknown directive "-- retort:og" (did you mean -- retort:go?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(name, []byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if got := err.Error(); got != name+":"+tt.want {
				t.Errorf("err = %s\nwant %s:%s", got, name, tt.want)
			}
		})
	}
}

// TestGoChecksum: a Go migration's checksum is that of its revision and
// version, and nothing else of its placeholder.
func TestGoChecksum(t *testing.T) {
	parse := func(src string) string {
		t.Helper()
		f, err := Parse("20261201120000_x.sql", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return f.Checksum
	}
	base := parse(goHead + "-- retort:go version:1 program:app\n")
	if !strings.HasPrefix(base, "go1:") || len(base) > 64 {
		t.Fatalf("checksum %q: want go1: and at most 64 characters (the version table's column)", base)
	}
	same := map[string]string{
		"another message": strings.Replace(goHead, "backfill slugs", "fill the slugs", 1) + "-- retort:go version:1 program:app\n",
		"another parent":  strings.Replace(goHead, "20261125103000", "base", 1) + "-- retort:go version:1 program:app\n",
		"another program": goHead + "-- retort:go version:1 program:other\n",
	}
	for name, src := range same {
		if got := parse(src); got != base {
			t.Errorf("%s: checksum %s, want it unchanged (%s)", name, got, base)
		}
	}
	if got := parse(goHead + "-- retort:go version:2 program:app\n"); got == base {
		t.Errorf("another version: checksum unchanged (%s)", got)
	}
	if GoChecksum("1", "2") == GoChecksum("12", "") || GoChecksum("a", "1") == GoChecksum("b", "1") {
		t.Error("GoChecksum confuses revisions and versions")
	}
}

func TestBindGo(t *testing.T) {
	up := func(context.Context, dialect.Querier) error { return nil }
	read := func(t *testing.T) []*File {
		t.Helper()
		sqlFile, err := Parse("1_a.sql", []byte("-- retort:revision 1\n-- retort:parent base\n-- migrate:up\nSELECT 1;\n"))
		if err != nil {
			t.Fatal(err)
		}
		goFile, err := Parse("2_b.sql", []byte("-- retort:revision 2\n-- retort:parent 1\n-- retort:go version:v1 program:app\n"))
		if err != nil {
			t.Fatal(err)
		}
		return []*File{sqlFile, goFile}
	}
	tests := []struct {
		name string
		ms   []GoMigration
		want string // "" for no error
	}{
		{"bound", []GoMigration{{Revision: "2", Version: "v1", Up: up}}, ""},
		{"none registered", nil, ""},
		{"no placeholder", []GoMigration{{Revision: "3", Version: "v1", Up: up}}, "Go migration 3 is registered, but the migrations directory has no file for it"},
		{"registered over a SQL file", []GoMigration{{Revision: "1", Version: "v1", Up: up}}, "Go migration 1 is registered, but 1_a.sql is a SQL migration"},
		{"other version", []GoMigration{{Revision: "2", Version: "v2", Up: up}}, "Go migration 2 is registered as version v2, but 2_b.sql:3 says version:v1"},
		{"twice", []GoMigration{{Revision: "2", Version: "v1", Up: up}, {Revision: "2", Version: "v1", Up: up}}, "Go migration 2 is registered twice"},
		{"no up", []GoMigration{{Revision: "2", Version: "v1"}}, "Go migration 2 has no Up function"},
		{"no version", []GoMigration{{Revision: "2", Up: up}}, `Go migration 2: version "" must be non-empty`},
		{"invalid revision", []GoMigration{{Revision: "2-x", Version: "v1", Up: up}}, `Go migration with invalid revision "2-x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := read(t)
			err := BindGo(files, tt.ms)
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			case tt.want == "" && len(tt.ms) > 0 && files[1].Go.Code != &tt.ms[0]:
				t.Fatal("placeholder not bound to its code")
			}
		})
	}
}

// TestGoQuerierRefuses: a Go migration may not end its transaction, and on
// MySQL may not run anything but data statements (classified by the
// engine's tokenizer, so a keyword in a comment or a string does not fool
// it).
func TestGoQuerierRefuses(t *testing.T) {
	tests := []struct {
		stmt                   string
		query                  bool // through QueryContext
		sqlite, postgres, myql bool // refused
	}{
		{"UPDATE notes SET slug = 'commit'", false, false, false, false},
		{"/* CREATE */ INSERT INTO t VALUES (1)", false, false, false, false},
		{"SELECT id FROM notes", false, false, false, false},
		{"WITH x AS (SELECT 1) SELECT * FROM x", false, false, false, false},
		{"ROLLBACK TO SAVEPOINT s", false, false, false, true},
		{"CREATE TABLE t (id INT)", false, false, false, true},
		{"  alter table notes add column slug text", false, false, false, true},
		{"DROP INDEX i", false, false, false, true},
		{"TRUNCATE notes", false, false, false, true},
		{"COMMIT", false, true, true, true},
		{"rollback", false, true, true, true},
		{"BEGIN", false, true, true, true},
		{"START TRANSACTION", false, true, true, true},
		{"END", false, true, true, true},
		{"SHOW COLUMNS FROM notes", true, false, false, false},
		{"EXPLAIN SELECT * FROM notes", true, false, false, false},
		{"SHOW COLUMNS FROM notes", false, false, false, true},
		{"COMMIT", true, true, true, true},
		{"CREATE TABLE t (id INT)", true, false, false, true},
	}
	engines := []struct {
		d    dialect.Dialect
		want func(int) bool
	}{
		{sqlite.New(), func(i int) bool { return tests[i].sqlite }},
		{postgres.New(), func(i int) bool { return tests[i].postgres }},
		{mysql.New(), func(i int) bool { return tests[i].myql }},
	}
	for _, e := range engines {
		r := &Runner{Dialect: e.d}
		for i, tt := range tests {
			g := r.goQuerier(nil)
			err := g.check(tt.stmt, tt.query)
			var re *GoRefusedError
			if got := errors.As(err, &re); got != e.want(i) {
				t.Errorf("%s: %q refused = %v, want %v (%v)", e.d.Name(), tt.stmt, got, e.want(i), err)
			}
			if err != nil && g.refused != err {
				t.Errorf("%s: %q: refusal not remembered", e.d.Name(), tt.stmt)
			}
		}
	}
}

func FuzzParseGo(f *testing.F) {
	for _, s := range []string{
		goHead + "-- retort:go version:1 program:app\n",
		"-- retort:revision 2\n-- retort:parent 1, 0\n-- retort:go program:x version:a.b\n-- trailing\n",
		"-- retort:go version:1 program:app\n-- retort:revision 3\n-- retort:parent base\n",
		goHead + "-- retort:go version:1\n",
		goHead + "-- retort:go version:1 program:app\nSELECT 1;\n",
		goHead + "-- retort:go version:1 program:app\n-- migrate:up\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("20261201120000_fuzz.sql", []byte(src))
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error is %T, want *ParseError: %v", err, err)
			}
			return
		}
		if file.Go == nil {
			return
		}
		if file.Go.Version == "" || file.Go.Program == "" || len(file.Up.Segments)+len(file.Down.Segments) > 0 {
			t.Fatalf("bad placeholder %+v up %+v down %+v", file.Go, file.Up, file.Down)
		}
		if file.Checksum != GoChecksum(file.Revision, file.Go.Version) {
			t.Fatalf("checksum %s is not GoChecksum of %s, %s", file.Checksum, file.Revision, file.Go.Version)
		}
		again, err := Parse(file.Name, Format(file))
		if err != nil {
			t.Fatalf("Parse(Format(f)): %v\n%s", err, Format(file))
		}
		if again.Go == nil || again.Go.Version != file.Go.Version || again.Go.Program != file.Go.Program ||
			again.Checksum != file.Checksum || strings.Join(again.Parents, ",") != strings.Join(file.Parents, ",") {
			t.Fatalf("Parse(Format(f)) = %+v, want %+v\n%s", again, file, Format(file))
		}
	})
}

func TestRecordGo(t *testing.T) {
	f, err := Parse("20261201120000_x.sql", []byte(goHead+"-- retort:go version:1 program:app\n"))
	if err != nil {
		t.Fatal(err)
	}
	sqlFile, err := Parse("1_x.sql", []byte("-- migrate:up\nSELECT 1;\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !(Record{Checksum: f.Checksum}).Go() {
		t.Error("a Go migration's row is not Go")
	}
	for _, sum := range []string{sqlFile.Checksum, sqlFile.legacy, PrefixChecksum(sqlFile.Up, 1)} {
		if (Record{Checksum: sum}).Go() {
			t.Errorf("a SQL migration's row (checksum %s) is Go", sum)
		}
	}
}
