package diagram_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/diagram"
	"github.com/retortdb/retort/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// load loads SQLite SQL as a schema (the database is the parser).
func load(t testing.TB, src string) *schema.Schema {
	t.Helper()
	d, err := retort.NewDialect("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	s, err := retort.LoadSQL(context.Background(), d, "test.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const before = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  name TEXT NOT NULL
);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users(id),
  title VARCHAR(200) NOT NULL,
  legacy TEXT
);
CREATE TABLE "odd ""name"" %" (id INTEGER PRIMARY KEY, "weird col<>&" TEXT, note_id INTEGER REFERENCES notes(id) ON DELETE SET NULL);
CREATE VIEW recent AS SELECT n.id, u.email FROM notes n JOIN users u ON u.id = n.author_id WHERE n.title <> 'FROM tags';
`

const after = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  name TEXT NOT NULL
);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title VARCHAR(400) NOT NULL,
  created_at TEXT
);
CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL UNIQUE REFERENCES notes(id));
CREATE VIEW recent AS SELECT n.id, u.email FROM notes n JOIN users u ON u.id = n.author_id;
`

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; -update rewrites it):\n%s", path, diff)
	}
}

func TestTextFormats(t *testing.T) {
	one, err := diagram.FromSchema(load(t, before), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "schema.mermaid", one.Mermaid())
	golden(t, "schema.dot", one.DOT())
	change, err := diagram.FromChange(load(t, before), load(t, after), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "change.mermaid", change.Mermaid())
	golden(t, "change.dot", change.DOT())
}

// TestChangeMarks checks the change model, not text: which tables,
// columns and edges are added, removed or changed, and what they were.
func TestChangeMarks(t *testing.T) {
	g, err := diagram.FromChange(load(t, before), load(t, after), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]string{}
	cols := map[string]string{}
	for _, n := range g.Nodes {
		nodes[n.Name] = n.Status.String() + n.Note
		for _, c := range n.Columns {
			cols[n.Name+"."+c.Name] = c.Status.String() + " " + c.Was
		}
	}
	wantNodes := map[string]string{
		"users": "same", "notes": "changed", "tags": "added", `odd "name" %`: "removed", "recent": "changeddefinition changed",
	}
	if diff := cmp.Diff(wantNodes, nodes); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	for col, want := range map[string]string{
		"notes.title": "changed VARCHAR(200) NOT NULL", "notes.legacy": "removed ", "notes.created_at": "added ",
		"notes.author_id": "same ", "tags.note_id": "added ", `odd "name" %.weird col<>&`: "removed ",
	} {
		if cols[col] != want {
			t.Errorf("column %s: %q, want %q", col, cols[col], want)
		}
	}
	edges := map[string]string{}
	for _, e := range g.Edges {
		edges[e.From.Name+"→"+e.To.Name] = e.Status.String() + " " + e.Was + " " + e.Actions()
	}
	wantEdges := map[string]string{
		"notes→users":        "changed NO ACTION ON DELETE CASCADE",
		"tags→notes":         "added  ",
		`odd "name" %→notes`: "removed  ON DELETE SET NULL",
		"recent→notes":       "same  ",
		"recent→users":       "same  ",
	}
	if diff := cmp.Diff(wantEdges, edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	for _, e := range g.Edges {
		if e.From.Name == "tags" && !e.OneToOne {
			t.Error("tags.note_id is unique: the edge is one-to-one")
		}
	}
}

func TestViewReadsTokensNotText(t *testing.T) {
	s := load(t, `CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY);
CREATE VIEW v AS SELECT a.id, 'FROM c' AS x /* JOIN c */ FROM a, b AS bb WHERE a.id IN (SELECT id FROM "B");`)
	g, err := diagram.FromSchema(s, diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range g.Edges {
		if e.Uses {
			got = append(got, e.To.Name)
		}
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("view reads (-want +got):\n%s", diff)
	}
}

// TestViewReadsMySQLDefinition reads a view as MariaDB keeps it: every
// name qualified by the database's, the FROM list in parentheses.
func TestViewReadsMySQLDefinition(t *testing.T) {
	s := &schema.Schema{
		Tables: []*schema.Table{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Views:  []*schema.View{{Name: "v", Def: "CREATE ALGORITHM=UNDEFINED VIEW `v` AS select `a`.`id` AS `id` from ((`app`.`a` join `app`.`b` on(`a`.`id` = `b`.`id`)) left join `app`.`c` on(1))"}},
	}
	g, err := diagram.FromSchema(s, diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range g.Edges {
		got = append(got, e.From.Name+"→"+e.To.Name)
	}
	if diff := cmp.Diff([]string{"v→a", "v→b", "v→c"}, got); diff != "" {
		t.Errorf("view reads (-want +got):\n%s", diff)
	}
}

func TestRestrict(t *testing.T) {
	s := load(t, `
CREATE TABLE a (id INTEGER PRIMARY KEY);
CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));
CREATE TABLE c (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id));
CREATE TABLE d (id INTEGER PRIMARY KEY, c_id INTEGER REFERENCES c(id));
CREATE TABLE other (id INTEGER PRIMARY KEY);
CREATE TABLE other_2 (id INTEGER PRIMARY KEY);`)
	names := func(g *diagram.Graph) string {
		var out []string
		for _, n := range g.Nodes {
			out = append(out, n.Name)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		opt       diagram.Options
		want, err string
		wantEdges int
	}{
		{opt: diagram.Options{}, want: "a b c d other other_2", wantEdges: 3},
		{opt: diagram.Options{Tables: []string{"OTHER*"}}, want: "other other_2"},
		{opt: diagram.Options{Tables: []string{"a", "c"}}, want: "a c"},
		{opt: diagram.Options{Around: "B", Depth: 1}, want: "a b c", wantEdges: 2},
		{opt: diagram.Options{Around: "a", Depth: 2}, want: "a b c", wantEdges: 2},
		{opt: diagram.Options{Around: "a", Depth: 5}, want: "a b c d", wantEdges: 3},
		{opt: diagram.Options{Around: "a", Depth: 5, Tables: []string{"[abd]"}}, want: "a b", wantEdges: 1},
		{opt: diagram.Options{Around: "nope"}, err: `--around "nope": no such table or view`},
		{opt: diagram.Options{Tables: []string{"zz*"}}, err: `--tables "zz*" matches no table or view`},
		{opt: diagram.Options{Tables: []string{"[a"}}, err: `--tables "[a": malformed pattern`},
	} {
		g, err := diagram.FromSchema(s, tc.opt)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want %q", tc.opt, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.opt, err)
			continue
		}
		if got := names(g); got != tc.want {
			t.Errorf("%+v: nodes %q, want %q", tc.opt, got, tc.want)
		}
		if len(g.Edges) != tc.wantEdges {
			t.Errorf("%+v: %d edges, want %d", tc.opt, len(g.Edges), tc.wantEdges)
		}
	}
}

// TestSVG lays a change diagram out and checks that every table, column
// and edge label is in the SVG as text.
func TestSVG(t *testing.T) {
	g, err := diagram.FromChange(load(t, before), load(t, after), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svg, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text := string(svg)
	if !strings.HasPrefix(text, "<svg") {
		t.Fatalf("not an SVG document: %.80q", text)
	}
	for _, want := range []string{">users<", ">notes<", ">tags<", ">recent<", "&quot;name&quot; %", "weird col&lt;&gt;&amp;",
		"ON DELETE CASCADE", "was: NO ACTION", "Legend", "varchar(400) not null (was varchar(200) not null)"} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}
