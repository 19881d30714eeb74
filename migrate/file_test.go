package migrate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files")

// seg builds a segment from (line, sql) pairs.
func seg(pairs ...any) Segment {
	var s Segment
	for i := 0; i < len(pairs); i += 2 {
		s.Statements = append(s.Statements, Statement{Line: pairs[i].(int), SQL: pairs[i+1].(string)})
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		file string
		src  string
		want *File
	}{
		{
			name: "headers and both sections",
			file: "20261125103000_add_cascade.sql",
			src: `-- retort:revision 20261125103000
-- retort:parent 20261120090000
-- retort:message add ON DELETE CASCADE to notes.author_id

-- migrate:up
ALTER TABLE notes ADD COLUMN x int;
CREATE INDEX notes_x_idx ON notes (x);

-- migrate:down
DROP INDEX notes_x_idx;
ALTER TABLE notes DROP COLUMN x;
`,
			want: &File{
				Revision: "20261125103000", Parents: []string{"20261120090000"},
				Message: "add ON DELETE CASCADE to notes.author_id", Headers: true,
				Up:   Section{Line: 5, Segments: []Segment{seg(6, "ALTER TABLE notes ADD COLUMN x int", 7, "CREATE INDEX notes_x_idx ON notes (x)")}},
				Down: Section{Line: 9, Segments: []Segment{seg(10, "DROP INDEX notes_x_idx", 11, "ALTER TABLE notes DROP COLUMN x")}},
			},
		},
		{
			name: "plain dbmate file takes its revision from the name",
			file: "20240101000000_create_users.sql",
			src:  "-- migrate:up\ncreate table users (id integer primary key);\n-- migrate:down\ndrop table users;\n",
			want: &File{
				Revision: "20240101000000",
				Up:       Section{Line: 1, Segments: []Segment{seg(2, "create table users (id integer primary key)")}},
				Down:     Section{Line: 3, Segments: []Segment{seg(4, "drop table users")}},
			},
		},
		{
			name: "base parent",
			file: "1_init.sql",
			src:  "-- retort:revision 1\n-- retort:parent base\n-- retort:message init\n-- migrate:up\nSELECT 1;\n-- migrate:down\n",
			want: &File{
				Revision: "1", Message: "init", Headers: true,
				Up:   Section{Line: 4, Segments: []Segment{seg(5, "SELECT 1")}},
				Down: Section{Line: 6},
			},
		},
		{
			name: "merge with a comma list",
			file: "3_merge.sql",
			src:  "-- retort:revision 3\n-- retort:parent 2a, 2b\n-- retort:message merge\n-- migrate:up\n-- migrate:down\n",
			want: &File{Revision: "3", Parents: []string{"2a", "2b"}, Message: "merge", Headers: true, Up: Section{Line: 4}, Down: Section{Line: 5}},
		},
		{
			name: "merge with a space list",
			file: "3_merge.sql",
			src:  "-- retort:revision 3\n-- retort:parent 2a 2b\n-- migrate:up\n",
			want: &File{Revision: "3", Parents: []string{"2a", "2b"}, Headers: true, Up: Section{Line: 3}},
		},
		{
			name: "merge with repeated parent headers",
			file: "3_merge.sql",
			src:  "-- retort:parent 2b\n-- retort:parent 2a\n-- retort:revision 3\n-- migrate:up\n",
			want: &File{Revision: "3", Parents: []string{"2b", "2a"}, Headers: true, Up: Section{Line: 4}},
		},
		{
			name: "revision from the name when only parent and message are given",
			file: "7_x.sql",
			src:  "-- retort:parent 6\n-- retort:message x\n-- migrate:up\n",
			want: &File{Revision: "7", Parents: []string{"6"}, Message: "x", Headers: true, Up: Section{Line: 3}},
		},
		{
			name: "transaction:false and segments",
			file: "5_concurrently.sql",
			src: `-- retort:revision 5
-- retort:parent 4
-- retort:message fk then validate

-- migrate:up
ALTER TABLE notes ADD CONSTRAINT notes_author_fkey FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;
-- retort:commit
ALTER TABLE notes VALIDATE CONSTRAINT notes_author_fkey;
-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS notes_author_idx;
`,
			want: &File{
				Revision: "5", Parents: []string{"4"}, Message: "fk then validate", Headers: true,
				Up: Section{Line: 5, Segments: []Segment{
					seg(6, "ALTER TABLE notes ADD CONSTRAINT notes_author_fkey FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID"),
					seg(8, "ALTER TABLE notes VALIDATE CONSTRAINT notes_author_fkey"),
				}},
				Down: Section{Line: 9, Tx: TxOff, Segments: []Segment{seg(10, "DROP INDEX CONCURRENTLY IF EXISTS notes_author_idx")}},
			},
		},
		{
			name: "empty segments are dropped",
			file: "5_x.sql",
			src:  "-- migrate:up\n-- retort:commit\nSELECT 1;\n-- retort:commit\n-- retort:commit\nSELECT 2;\n-- retort:commit\n",
			want: &File{Revision: "5", Up: Section{Line: 1, Segments: []Segment{seg(3, "SELECT 1"), seg(6, "SELECT 2")}}},
		},
		{
			name: "trigger and semicolons in strings",
			file: "6_trigger.sql",
			src: `-- migrate:up
INSERT INTO t VALUES ('a;b'), ("c;d");
CREATE TRIGGER notes_touch AFTER UPDATE ON notes
BEGIN
  UPDATE notes SET updated = CASE WHEN 1 THEN 'x;' END WHERE id = NEW.id;
  SELECT 1;
END;
SELECT 2; -- trailing; comment
-- migrate:down
DROP TRIGGER notes_touch;
`,
			want: &File{
				Revision: "6",
				Up: Section{Line: 1, Segments: []Segment{seg(
					2, `INSERT INTO t VALUES ('a;b'), ("c;d")`,
					3, "CREATE TRIGGER notes_touch AFTER UPDATE ON notes\nBEGIN\n  UPDATE notes SET updated = CASE WHEN 1 THEN 'x;' END WHERE id = NEW.id;\n  SELECT 1;\nEND",
					8, "SELECT 2",
				)}},
				Down: Section{Line: 9, Segments: []Segment{seg(10, "DROP TRIGGER notes_touch")}},
			},
		},
		{
			name: "dollar quotes and explicit block",
			file: "7_fn.sql",
			src: `-- migrate:up
CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
  RETURN NEW; -- ; in a comment
END
$body$ LANGUAGE plpgsql;
-- retort:begin
DO something; that; must stay whole;
-- retort:end
-- migrate:down
`,
			want: &File{
				Revision: "7",
				Up: Section{Line: 1, Segments: []Segment{seg(
					2, "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  RETURN NEW; -- ; in a comment\nEND\n$body$ LANGUAGE plpgsql",
					8, "DO something; that; must stay whole",
				)}},
				Down: Section{Line: 10},
			},
		},
		{
			name: "comments before the up marker, CRLF and a byte-order mark",
			file: "8_crlf.sql",
			src:  "\ufeff-- a note\r\n/* block\r\n comment */\r\n-- migrate:up\r\nSELECT 1;\r\n--migrate:down\r\nSELECT 2;\r\n",
			want: &File{
				Revision: "8",
				Up:       Section{Line: 4, Segments: []Segment{seg(5, "SELECT 1")}},
				Down:     Section{Line: 6, Segments: []Segment{seg(7, "SELECT 2")}},
			},
		},
		{
			name: "directive mentioned inside a string or block comment is not a directive",
			file: "9_x.sql",
			src:  "-- migrate:up\nSELECT '\n-- migrate:down\n';\n/*\n-- retort:commit\n*/\n",
			want: &File{Revision: "9", Up: Section{Line: 1, Segments: []Segment{seg(2, "SELECT '\n-- migrate:down\n'")}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.file, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Name = tt.file
			if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(File{}, "Checksum"), cmpopts.IgnoreUnexported(File{})); d != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", d)
			}
			if want := Checksum([]byte(tt.src)); got.Checksum != want {
				t.Errorf("Checksum = %s, want %s", got.Checksum, want)
			}
			assertRoundTrip(t, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	const head = "-- retort:revision 1\n-- retort:parent base\n"
	tests := []struct {
		name string
		file string
		src  string
		want string
	}{
		{"no up marker", "1_x.sql", head + "SELECT 1;\n", "1_x.sql:3: SQL before -- migrate:up (only comments and -- retort: headers may come first)"},
		{"no up marker in a comment-only file", "1_x.sql", head + "-- nothing\n", "1_x.sql:1: no -- migrate:up marker"},
		{"empty file", "1_x.sql", "", "1_x.sql:1: no -- migrate:up marker"},
		{"duplicate up", "1_x.sql", head + "-- migrate:up\nSELECT 1;\n-- migrate:up\n", "1_x.sql:5: duplicate -- migrate:up marker (first at line 3)"},
		{"duplicate down", "1_x.sql", head + "-- migrate:up\n-- migrate:down\n-- migrate:down\n", "1_x.sql:5: duplicate -- migrate:down marker (first at line 4)"},
		{"down before up", "1_x.sql", head + "-- migrate:down\nSELECT 1;\n-- migrate:up\n", "1_x.sql:3: -- migrate:down before -- migrate:up"},
		{"typo in a retort directive", "1_x.sql", "-- retort:revision 1\n-- retort:parnet base\n-- migrate:up\n", `1_x.sql:2: unknown directive "-- retort:parnet" (did you mean -- retort:parent?)`},
		{"unknown directive without a suggestion", "1_x.sql", head + "-- migrate:up\n-- retort:frobnicate\n", `1_x.sql:4: unknown directive "-- retort:frobnicate"`},
		{"typo in a migrate marker", "1_x.sql", "-- migrate:upp\n", `1_x.sql:1: unknown directive "-- migrate:upp" (did you mean -- migrate:up?)`},
		{"unknown option", "1_x.sql", head + "-- migrate:up transaction:maybe\n", `1_x.sql:3: unknown option "transaction:maybe" after -- migrate:up (want transaction:false)`},
		{"repeated option", "1_x.sql", head + "-- migrate:up\n-- migrate:down transaction:false transaction:true\n", `1_x.sql:4: option "transaction:true" repeats "transaction:false" after -- migrate:down`},
		{"revision does not match the name", "20261125103000_x.sql", "-- retort:revision 20261125103001\n-- retort:parent base\n-- migrate:up\n", `20261125103000_x.sql:1: revision 20261125103001 does not match the file name "20261125103000_x.sql" (want 20261125103001_…)`},
		{"empty revision header", "1_x.sql", "-- retort:revision\n-- retort:parent base\n-- migrate:up\n", "1_x.sql:1: empty revision"},
		{"invalid revision header", "1_x.sql", "-- retort:revision 1-2\n-- migrate:up\n", `1_x.sql:1: invalid revision "1-2" (want letters and digits)`},
		{"reserved revision", "head_x.sql", "-- retort:revision head\n-- migrate:up\n", `head_x.sql:1: invalid revision "head" (want letters and digits)`},
		{"empty revision from the name", "_x.sql", "-- migrate:up\n", `_x.sql:1: empty revision: file name "_x.sql" does not start with <revision>_`},
		{"plain file name without a version", "schema.sql", "-- migrate:up\nSELECT 1;\n", `schema.sql:1: file name "schema.sql" does not start with a version number (want <version>_<name>.sql)`},
		{"duplicate revision header", "1_x.sql", "-- retort:revision 1\n-- retort:revision 1\n", "1_x.sql:2: duplicate -- retort:revision header (first at line 1)"},
		{"duplicate message header", "1_x.sql", "-- retort:message a\n-- retort:message b\n", "1_x.sql:2: duplicate -- retort:message header (first at line 1)"},
		{"missing parent header", "1_x.sql", "-- retort:message a\n-- retort:revision 1\n-- migrate:up\n", `1_x.sql:1: missing -- retort:parent header (write "-- retort:parent base" for a first revision)`},
		{"empty parent header", "1_x.sql", "-- retort:parent\n", "1_x.sql:1: -- retort:parent needs a revision or base"},
		{"base with another parent", "2_x.sql", "-- retort:parent base, 1\n", "2_x.sql:1: parent base cannot be combined with other parents"},
		{"parent after base", "2_x.sql", "-- retort:parent base\n-- retort:parent 1\n", "2_x.sql:2: parent base cannot be combined with other parents"},
		{"duplicate parent", "3_x.sql", "-- retort:parent 1, 1\n", "3_x.sql:1: duplicate parent 1"},
		{"invalid parent", "3_x.sql", "-- retort:parent 1;2\n", `3_x.sql:1: invalid parent revision "1;2" (want letters and digits, or base)`},
		{"own parent", "3_x.sql", "-- retort:revision 3\n-- retort:parent 2 3\n-- migrate:up\n", "3_x.sql:2: revision 3 cannot be its own parent"},
		{"header after up", "1_x.sql", head + "-- migrate:up\n-- retort:message late\n", "1_x.sql:4: -- retort:message after -- migrate:up (headers come first)"},
		{"SQL before up", "1_x.sql", head + "CREATE TABLE a (x int);\n-- migrate:up\n", "1_x.sql:3: SQL before -- migrate:up (only comments and -- retort: headers may come first)"},
		{"directive not at the start of a line", "1_x.sql", head + "-- migrate:up\nSELECT 1; -- retort:commit\n", "1_x.sql:4: -- retort:commit must start a line"},
		{"unterminated begin", "1_x.sql", head + "-- migrate:up\n-- retort:begin\nSELECT 1;\n-- migrate:down\n", "1_x.sql:4: -- retort:begin without -- retort:end"},
		{"unterminated begin at the end of the file", "1_x.sql", head + "-- migrate:up\nSELECT 0;\n-- retort:begin\nSELECT 1;\n", "1_x.sql:5: -- retort:begin without -- retort:end"},
		{"nested begin", "1_x.sql", head + "-- migrate:up\n-- retort:begin\n-- retort:begin\n", "1_x.sql:5: -- retort:begin inside another -- retort:begin block (opened at line 4)"},
		{"end without begin", "1_x.sql", head + "-- migrate:up\n-- retort:end\n", "1_x.sql:4: -- retort:end without -- retort:begin"},
		{"begin before up", "1_x.sql", head + "-- retort:begin\n", "1_x.sql:3: -- retort:begin before -- migrate:up"},
		{"text after begin", "1_x.sql", head + "-- migrate:up\n-- retort:begin now\n", `1_x.sql:4: unexpected "now" after -- retort:begin`},
		{"commit outside a section", "1_x.sql", head + "-- retort:commit\n-- migrate:up\n", "1_x.sql:3: -- retort:commit outside a section (before -- migrate:up)"},
		{"commit with an unknown option", "1_x.sql", head + "-- migrate:up\nSELECT 1;\n-- retort:commit transaction:maybe\nSELECT 2;\n", `1_x.sql:5: unexpected "transaction:maybe" after -- retort:commit (want transaction:false or nothing)`},
		{"commit in a transaction:false section", "1_x.sql", head + "-- migrate:up transaction:false\nSELECT 1;\n-- retort:commit\nSELECT 2;\n", "1_x.sql:5: -- retort:commit in a transaction:false section (line 3)"},
		{"commit inside a begin block", "1_x.sql", head + "-- migrate:up\n-- retort:begin\nSELECT 1;\n-- retort:commit\n", "1_x.sql:6: -- retort:commit inside the -- retort:begin block opened at line 4"},
		{"unterminated string", "1_x.sql", head + "-- migrate:up\nSELECT 'abc;\n-- migrate:down\n", "1_x.sql:4: unterminated string"},
		{"unterminated dollar quote", "1_x.sql", head + "-- migrate:up\nSELECT $$abc;\n", "1_x.sql:4: unterminated dollar-quoted string"},
		{"unterminated block comment", "1_x.sql", "/* header\n-- migrate:up\n", "1_x.sql:1: unterminated comment"},
		{"unterminated quoted identifier", "1_x.sql", head + "-- migrate:up\nSELECT \"a;\n", "1_x.sql:4: unterminated quoted identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.file, []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %q", f, tt.want)
			}
			if _, ok := err.(*ParseError); !ok {
				t.Errorf("error is %T, want *ParseError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// assertRoundTrip checks that Parse(Format(f)) gives f's revision, parents,
// message and statements back.
func assertRoundTrip(t *testing.T, f *File) {
	t.Helper()
	out := Format(f)
	g, err := Parse(f.Name, out)
	if err != nil {
		t.Fatalf("Parse(Format(f)): %v\n%s", err, out)
	}
	if d := cmp.Diff(summary(f), summary(g)); d != "" {
		t.Fatalf("Parse(Format(f)) mismatch (-before +after):\n%s\nformatted:\n%s", d, out)
	}
}

type fileSummary struct {
	Revision string
	Parents  []string
	Message  string
	Up, Down sectionSummary
}

type sectionSummary struct {
	Tx       TxMode
	Segments [][]string
}

func summary(f *File) fileSummary {
	sec := func(s Section) sectionSummary {
		out := sectionSummary{Tx: s.Tx}
		for _, seg := range s.Segments {
			var sqls []string
			for _, st := range seg.Statements {
				sqls = append(sqls, st.SQL)
			}
			out.Segments = append(out.Segments, sqls)
		}
		return out
	}
	var parents []string
	if len(f.Parents) > 0 {
		parents = f.Parents
	}
	return fileSummary{f.Revision, parents, f.Message, sec(f.Up), sec(f.Down)}
}

// dump prints a parsed file for the golden tests.
func dump(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "revision %s\nparents %v\nmessage %q\nheaders %v\n", f.Revision, f.Parents, f.Message, f.Headers)
	for _, d := range []Direction{Up, Down} {
		s := f.Section(d)
		fmt.Fprintf(&b, "%s line %d %s\n", d, s.Line, s.Tx)
		for i, seg := range s.Segments {
			if seg.NoTx {
				fmt.Fprintf(&b, "  segment %d transaction:false\n", i+1)
			} else {
				fmt.Fprintf(&b, "  segment %d\n", i+1)
			}
			for _, st := range seg.Statements {
				fmt.Fprintf(&b, "    line %d: %q\n", st.Line, st.SQL)
			}
		}
	}
	return b.String()
}

// TestGolden parses testdata/format/*.txtar: the archive's comment is the
// file name, "in.sql" the input; "parsed" is the dump of the parsed file and
// "out.sql" Format's output. Run with -update to rewrite both.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/format/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden files in testdata/format")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSpace(string(ar.Comment))
			files := map[string][]byte{}
			for _, f := range ar.Files {
				files[f.Name] = f.Data
			}
			in, ok := files["in.sql"]
			if !ok {
				t.Fatalf("%s: no in.sql section", p)
			}
			f, err := Parse(name, in)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{"parsed": []byte(dump(f)), "out.sql": Format(f)}
			if *update {
				ar.Files = []txtar.File{{Name: "in.sql", Data: in}, {Name: "parsed", Data: got["parsed"]}, {Name: "out.sql", Data: got["out.sql"]}}
				if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, sec := range []string{"parsed", "out.sql"} {
				if d := cmp.Diff(string(files[sec]), string(got[sec])); d != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", sec, d)
				}
			}
			assertRoundTrip(t, f)
			// The canonical form is a fixed point.
			g, err := Parse(name, got["out.sql"])
			if err != nil {
				t.Fatal(err)
			}
			if again := Format(g); !bytes.Equal(again, got["out.sql"]) {
				t.Errorf("Format is not stable:\n%s\nthen\n%s", got["out.sql"], again)
			}
		})
	}
}

func TestFormatKeepsAwkwardStatementsWhole(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want string // how Format writes it
	}{
		{"plain", "SELECT 1", "SELECT 1;\n"},
		{"semicolons that need a block", "DO a; b", "-- retort:begin\nDO a; b;\n-- retort:end\n"},
		{"ends in a line comment", "SELECT 1 -- why", "SELECT 1 -- why\n;\n"},
		{"block and line comment", "DO a; b -- c", "-- retort:begin\nDO a; b -- c\n;\n-- retort:end\n"},
		{"trigger kept by the splitter", "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\n"},
		{"trigger whose BEGIN is not closed", "CREATE TRIGGER t BEGIN SELECT 1", "-- retort:begin\nCREATE TRIGGER t BEGIN SELECT 1;\n-- retort:end\n"},
		{"trailing semicolon kept", "DO a;", "-- retort:begin\nDO a;;\n-- retort:end\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := Section{Segments: []Segment{{Statements: []Statement{{SQL: tt.sql}, {SQL: "SELECT 2"}}}}}
			f := NewFile("1", nil, "m", up, Section{})
			out := string(Format(f))
			if !strings.Contains(out, "\n-- migrate:up\n"+tt.want+"SELECT 2;\n") {
				t.Errorf("Format wrote\n%s\nwant the statement as\n%s", out, tt.want)
			}
			assertRoundTrip(t, f)
		})
	}
}

func TestNewFile(t *testing.T) {
	up := Section{Segments: []Segment{
		{Statements: []Statement{{SQL: "ALTER TABLE notes DROP CONSTRAINT notes_author_fkey, ADD CONSTRAINT notes_author_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID"}}},
		{Statements: []Statement{{SQL: "ALTER TABLE notes VALIDATE CONSTRAINT notes_author_fkey"}}},
	}}
	down := Section{Tx: TxOff, Segments: []Segment{{Statements: []Statement{{SQL: "SELECT 1"}}}}}
	f := NewFile("20261125103000", []string{"20261120090000"}, "  add ON DELETE CASCADE\nto notes.author_id ", up, down)
	want := `-- retort:revision 20261125103000
-- retort:parent 20261120090000
-- retort:message add ON DELETE CASCADE to notes.author_id

-- migrate:up
ALTER TABLE notes DROP CONSTRAINT notes_author_fkey, ADD CONSTRAINT notes_author_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
-- retort:commit
ALTER TABLE notes VALIDATE CONSTRAINT notes_author_fkey;

-- migrate:down transaction:false
SELECT 1;
`
	out := Format(f)
	if d := cmp.Diff(want, string(out)); d != "" {
		t.Errorf("Format mismatch (-want +got):\n%s", d)
	}
	if f.Name != "20261125103000_add_on_delete_cascade_to_notes_author_id.sql" {
		t.Errorf("Name = %q", f.Name)
	}
	if f.Checksum != Checksum(out) {
		t.Errorf("Checksum = %s, want the checksum of Format's output", f.Checksum)
	}
	g, err := Parse(f.Name, out)
	if err != nil {
		t.Fatal(err)
	}
	if g.Checksum != f.Checksum || !g.Headers {
		t.Errorf("parsed back: Checksum %s Headers %v", g.Checksum, g.Headers)
	}
	assertRoundTrip(t, f)

	t.Run("merge and no message", func(t *testing.T) {
		f := NewFile("3", []string{"2a", "2b"}, "", Section{}, Section{})
		if f.Name != "3.sql" {
			t.Errorf("Name = %q, want 3.sql", f.Name)
		}
		want := "-- retort:revision 3\n-- retort:parent 2a, 2b\n-- retort:message\n\n-- migrate:up\n\n-- migrate:down\n"
		if got := string(Format(f)); got != want {
			t.Errorf("Format = %q, want %q", got, want)
		}
		assertRoundTrip(t, f)
	})
}

func TestSlug(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"words", "Add ON DELETE CASCADE to notes.author_id", "add_on_delete_cascade_to_notes_author_id"},
		{"runs of separators", "  --create   users!! ", "create_users"},
		{"non-ascii dropped", "créer la table «users»", "cr_er_la_table_users"},
		{"digits", "v2 index", "v2_index"},
		{"empty", "", ""},
		{"nothing usable", "…!", ""},
		{"cut at 50 without a trailing underscore", strings.Repeat("abcd ", 20), "abcd_abcd_abcd_abcd_abcd_abcd_abcd_abcd_abcd_abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Slug(tt.in)
			if got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > 50 {
				t.Errorf("Slug(%q) has %d bytes, want at most 50", tt.in, len(got))
			}
		})
	}
}

func TestStringers(t *testing.T) {
	for _, tt := range []struct{ name, got, want string }{
		{"up", Up.String(), "up"},
		{"down", Down.String(), "down"},
		{"bad direction", Direction(0).String(), "Direction(0)"},
		{"tx on", TxOn.String(), "transaction:true"},
		{"tx off", TxOff.String(), "transaction:false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/format/*.txtar")
	for _, p := range paths {
		if ar, err := txtar.ParseFile(p); err == nil && len(ar.Files) > 0 {
			f.Add(strings.TrimSpace(string(ar.Comment)), ar.Files[0].Data)
		}
	}
	for _, s := range []string{
		"-- retort:revision 1\n-- retort:parent base\n-- retort:message m\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
		"-- migrate:up\nSELECT 1;\n-- retort:commit\nSELECT 2;\n",
		"-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
		"-- migrate:up\nCREATE TRIGGER t BEGIN SELECT 1; END;\n-- migrate:down\n",
		"-- migrate:up\n-- retort:begin\nDO a; b;\n-- retort:end\n",
		"-- migrate:up\nSELECT $$ ; $$, 'a;b', \"c;d\" -- e;\n",
		"-- retort:parent 0, 2\n-- migrate:up\n",
	} {
		f.Add("1_fuzz.sql", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, src []byte) {
		file, err := Parse(name, src)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error is %T, want *ParseError: %v", err, err)
			}
			return
		}
		for _, st := range append(file.Up.Statements(), file.Down.Statements()...) {
			if st.SQL == "" || st.Line < 1 {
				t.Fatalf("bad statement %+v", st)
			}
		}
		assertRoundTrip(t, file)
	})
}

// TestParseWithEngine splits a file's statements by its engine's rules:
// on MySQL the text after "#" is a comment and must not become a statement
// of its own, and 'it\'s' is a string; on PostgreSQL $$ … $$ is one.
func TestParseWithEngine(t *testing.T) {
	const head = "-- retort:revision 1\n-- retort:parent base\n\n-- migrate:up\n"
	tests := []struct {
		name, engine, up string
		want             []string
	}{
		{name: "mysql hash comment", engine: "mysql",
			up:   "ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;\n",
			want: []string{"ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;"}},
		{name: "mysql backslash escape", engine: "mysql",
			up:   "INSERT INTO t VALUES ('it\\'s');\nSELECT 1;\n",
			want: []string{"INSERT INTO t VALUES ('it\\'s')", "SELECT 1"}},
		{name: "mysql directive after a hash comment with a quote", engine: "mysql",
			up:   "SELECT 1; # it's\n-- migrate:down\nSELECT 2;\n",
			want: []string{"SELECT 1"}},
		{name: "postgres dollar quotes", engine: "postgres",
			up:   "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n",
			want: []string{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("1_x.sql", []byte(head+tt.up), WithEngine(tt.engine))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range f.Up.Statements() {
				got = append(got, s.SQL)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("up statements (-want +got):\n%s", d)
			}
			if f.Engine != tt.engine {
				t.Errorf("Engine = %q, want %q", f.Engine, tt.engine)
			}
			// Format writes statements that parse back the same way.
			back, err := Parse(f.Name, Format(f), WithEngine(tt.engine))
			if err != nil {
				t.Fatalf("parse formatted file: %v\n%s", err, Format(f))
			}
			if d := cmp.Diff(f.Up.Statements(), back.Up.Statements(), cmpopts.IgnoreFields(Statement{}, "Line")); d != "" {
				t.Errorf("formatted file parses back differently (-want +got):\n%s", d)
			}
		})
	}
	// Without the engine, MySQL's escaped quote runs to the end of the file.
	if _, err := Parse("1_x.sql", []byte(head+"INSERT INTO t VALUES ('it\\'s');\n")); err == nil || !strings.Contains(err.Error(), "unterminated string") {
		t.Errorf("engine-neutral Parse of 'it\\'s': err = %v, want unterminated string", err)
	}
}

func TestParseAnnotations(t *testing.T) {
	src := "-- retort:revision 20260101000001\n" + // 1
		"-- retort:parent base\n" + // 2
		"-- retort:nolint RT102\n" + // 3
		"-- migrate:up\n" + // 4
		"-- retort:nolint RT101, RT106\n" + // 5
		"-- retort: destructive\n" + // 6
		"DROP TABLE t;\n" + // 7
		"-- migrate:down\n" + // 8
		"--   RETORT:  Destructive\n" + // 9
		"CREATE TABLE t (id int);\n" // 10
	f, err := Parse("20260101000001_x.sql", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Annotation{
		{Kind: Nolint, Line: 3, Section: 0, Arg: "RT102"},
		{Kind: Nolint, Line: 5, Section: Up, Arg: "RT101, RT106"},
		{Kind: DestructiveMark, Line: 6, Section: Up},
		{Kind: DestructiveMark, Line: 9, Section: Down},
	}
	if diff := cmp.Diff(want, f.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if _, err := Parse("20260101000001_x.sql", []byte("-- migrate:up\n-- retort:nolint\nSELECT 1;\n")); err == nil ||
		!strings.Contains(err.Error(), ":2: -- retort:nolint needs the codes") {
		t.Errorf("empty nolint: got %v", err)
	}
}
