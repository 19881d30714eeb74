package retort_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// renameOld is the schema before the renames: posts (renamed to articles)
// is the target of a foreign key (comments) and has one (to authors), an
// index and a view over the renamed column title (renamed to headline);
// authors.name is renamed to full_name, with its UNIQUE constraint; so is
// the index. The renamed
// column also gains a default, which SQLite can only do by rebuilding the
// table: the rebuild comes after the rename and carries the values over.
const renameOld = `
CREATE TABLE authors (
  id integer NOT NULL PRIMARY KEY,
  name varchar(100) NOT NULL,
  CONSTRAINT authors_name_key UNIQUE (name)
);
CREATE TABLE posts (
  id integer NOT NULL PRIMARY KEY,
  author_id integer NOT NULL,
  title varchar(200) NOT NULL,
  FOREIGN KEY (author_id) REFERENCES authors (id)
);
CREATE TABLE comments (
  id integer NOT NULL PRIMARY KEY,
  post_id integer NOT NULL,
  body varchar(200),
  FOREIGN KEY (post_id) REFERENCES posts (id)
);
CREATE INDEX posts_title_idx ON posts (title);
CREATE VIEW post_titles AS SELECT id, title FROM posts;
`

const renameNew = `
CREATE TABLE authors (
  id integer NOT NULL PRIMARY KEY,
  full_name varchar(100) NOT NULL, -- retort:renamed-from name
  CONSTRAINT authors_full_name_key UNIQUE (full_name) -- retort:renamed-from authors_name_key
);
CREATE TABLE articles ( -- retort:renamed-from posts
  id integer NOT NULL PRIMARY KEY,
  author_id integer NOT NULL,
  headline varchar(200) NOT NULL DEFAULT '', -- @renamed from=title
  FOREIGN KEY (author_id) REFERENCES authors (id)
);
CREATE TABLE comments (
  id integer NOT NULL PRIMARY KEY,
  post_id integer NOT NULL,
  body varchar(200),
  FOREIGN KEY (post_id) REFERENCES articles (id)
);
CREATE INDEX articles_headline_idx ON articles (headline); -- retort:renamed-from posts_title_idx
CREATE VIEW post_titles AS SELECT id, headline FROM articles;
`

// TestRenameConverges: on every engine, the hints turn what would be drops
// and adds (refused, or data lost) into renames that keep every row, the
// foreign keys in and out, the index, the view and a trigger; the next plan is empty
// with the hints still in the file; the reverse plan renames back.
func TestRenameConverges(t *testing.T) {
	engines := []struct {
		name string
		url  func(t *testing.T) string
		// A trigger on the renamed table that names the renamed column,
		// before and after (PostgreSQL's would live in a function, which
		// retort does not manage).
		trigOld, trigNew string
	}{
		{name: "sqlite", url: func(t *testing.T) string { return sqliteURL(t) },
			trigOld: "CREATE TRIGGER posts_trim AFTER INSERT ON posts BEGIN UPDATE posts SET title = trim(title) WHERE id = NEW.id; END",
			trigNew: "CREATE TRIGGER posts_trim AFTER INSERT ON articles BEGIN UPDATE articles SET headline = trim(headline) WHERE id = NEW.id; END"},
		{name: "postgres", url: func(t *testing.T) string { return testdb.Postgres(t) }},
		{name: "mysql", url: func(t *testing.T) string { return testdb.MySQL(t) },
			trigOld: "CREATE TRIGGER posts_trim BEFORE INSERT ON posts FOR EACH ROW SET NEW.title = TRIM(NEW.title)",
			trigNew: "CREATE TRIGGER posts_trim BEFORE INSERT ON articles FOR EACH ROW SET NEW.headline = TRIM(NEW.headline)"},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := retort.Open(ctx, e.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			exec := func(stmts ...string) {
				t.Helper()
				for _, s := range stmts {
					if _, err := db.DB().ExecContext(ctx, s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
			load := func(src string) *retort.Plan {
				t.Helper()
				desired, err := db.LoadSQL(ctx, "schema.sql", src)
				if err != nil {
					t.Fatal(err)
				}
				p, err := db.Plan(ctx, desired)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			for _, s := range strings.Split(renameOld, ";") {
				if strings.TrimSpace(s) != "" {
					exec(s)
				}
			}
			oldSrc, newSrc := renameOld, renameNew
			if e.trigOld != "" {
				exec(e.trigOld)
				oldSrc += e.trigOld + ";\n"
				newSrc += e.trigNew + ";\n"
			}
			exec(`INSERT INTO authors VALUES (1, 'Ada'), (2, 'Brian')`,
				`INSERT INTO posts VALUES (10, 1, 'Engines'), (11, 2, 'Awk')`,
				`INSERT INTO comments VALUES (100, 10, 'nice'), (101, 11, 'terse')`)

			p := load(newSrc)
			if d := p.Destructive(); len(d) > 0 {
				t.Fatalf("renames planned as destructive: %q\n%s", d, p.Script())
			}
			sum := strings.Join(p.Summary(), "\n")
			for _, want := range []string{"articles: table renamed from posts", "articles: column title renamed to headline", "authors: column name renamed to full_name", "articles: index posts_title_idx renamed to articles_headline_idx", "authors: unique constraint authors_name_key renamed to authors_full_name_key"} {
				if !strings.Contains(sum, want) {
					t.Errorf("summary lacks %q:\n%s", want, sum)
				}
			}
			t.Logf("plan:\n%s", p.Script())
			if err := db.Apply(ctx, p); err != nil {
				t.Fatalf("apply: %v\n%s", err, p.Script())
			}
			q := `SELECT c.id, c.body, a.headline, au.full_name FROM comments c JOIN articles a ON a.id = c.post_id JOIN authors au ON au.id = a.author_id ORDER BY c.id`
			want := []string{"100 | nice | Engines | Ada", "101 | terse | Awk | Brian"}
			if got := dialecttest.Rows(t, db.DB(), q); !slices.Equal(got, want) {
				t.Errorf("rows after the renames: %q, want %q", got, want)
			}
			if got := dialecttest.Rows(t, db.DB(), `SELECT id, headline FROM post_titles ORDER BY id`); !slices.Equal(got, []string{"10 | Engines", "11 | Awk"}) {
				t.Errorf("view after the renames: %q", got)
			}
			// The keys still hold: in (comments → articles) and out
			// (articles → authors).
			if _, err := db.DB().ExecContext(ctx, `INSERT INTO comments VALUES (102, 99, 'orphan')`); err == nil && e.name != "sqlite" {
				t.Error("comments accepts a post that does not exist: the foreign key to articles is gone")
			}
			if _, err := db.DB().ExecContext(ctx, `INSERT INTO articles VALUES (12, 99, 'orphan')`); err == nil && e.name != "sqlite" {
				t.Error("articles accepts an author that does not exist: its foreign key is gone")
			}
			if e.trigOld != "" {
				exec(`INSERT INTO articles VALUES (13, 1, '  Padded  ')`)
				if got := dialecttest.Rows(t, db.DB(), `SELECT headline FROM articles WHERE id = 13`); !slices.Equal(got, []string{"Padded"}) {
					t.Errorf("the trigger after the renames: %q", got)
				}
				exec(`DELETE FROM articles WHERE id = 13`)
			}
			again := load(newSrc)
			if !again.Empty() {
				t.Fatalf("second plan with the hints still in the file is not empty: %q\n%s", again.Summary(), again.Script())
			}
			cur, err := db.Inspect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tab, ok := cur.Table("articles"); !ok || len(tab.ForeignKeys) != 1 || !slices.ContainsFunc(tab.Indexes, func(ix *schema.Index) bool { return ix.Name == "articles_headline_idx" }) {
				t.Errorf("articles after the renames: %+v", tab)
			}

			// The reverse plan (what a downgrade runs) renames back.
			desired, err := db.LoadSQL(ctx, "schema.sql", newSrc)
			if err != nil {
				t.Fatal(err)
			}
			old, err := db.LoadSQL(ctx, "old.sql", oldSrc)
			if err != nil {
				t.Fatal(err)
			}
			back, err := retort.PlanSchemas(ctx, db.Dialect(), desired, old)
			if err != nil {
				t.Fatal(err)
			}
			if d := back.Destructive(); len(d) > 0 {
				t.Fatalf("reverse plan is destructive: %q\n%s", d, back.Script())
			}
			t.Logf("reverse:\n%s", back.Script())
			if err := db.Apply(ctx, back); err != nil {
				t.Fatalf("reverse: %v\n%s", err, back.Script())
			}
			q = `SELECT c.id, c.body, p.title, au.name FROM comments c JOIN posts p ON p.id = c.post_id JOIN authors au ON au.id = p.author_id ORDER BY c.id`
			if got := dialecttest.Rows(t, db.DB(), q); !slices.Equal(got, want) {
				t.Errorf("rows after the reverse renames: %q, want %q", got, want)
			}
			if e.trigOld != "" {
				exec(`INSERT INTO posts VALUES (13, 1, '  Padded  ')`)
				if got := dialecttest.Rows(t, db.DB(), `SELECT title FROM posts WHERE id = 13`); !slices.Equal(got, []string{"Padded"}) {
					t.Errorf("the trigger after the reverse renames: %q", got)
				}
			}
			if p := load(oldSrc); !p.Empty() {
				t.Errorf("after the reverse plan the database differs from the old schema: %q", p.Summary())
			}
		})
	}
}

// TestRenameGuessErrorLocate: Locate points each guess at the line of the
// schema file that defines the object, and leaves alone the guesses the
// file does not define.
func TestRenameGuessErrorLocate(t *testing.T) {
	src := "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT\n);\nCREATE TABLE people (id INTEGER PRIMARY KEY);\n"
	e := &retort.RenameGuessError{Guesses: []retort.RenameGuess{
		{Guess: diff.Guess{Kind: schema.RenameColumn, Table: "users", From: "name", To: "full_name"}},
		{Guess: diff.Guess{Kind: schema.RenameTable, Table: "people", From: "persons", To: "people"}},
		{Guess: diff.Guess{Kind: schema.RenameColumn, Table: "users", From: "a", To: "nosuch"}},
	}}
	e.Locate("schema.sql", src, "sqlite")
	want := []struct {
		line int
		text string
	}{{3, "  full_name TEXT"}, {5, "CREATE TABLE people (id INTEGER PRIMARY KEY);"}, {0, ""}}
	for i, g := range e.Guesses {
		if g.Line != want[i].line || g.Text != want[i].text || (g.Line > 0) != (g.File == "schema.sql") {
			t.Errorf("guess %d: %s:%d %q, want line %d %q", i, g.File, g.Line, g.Text, want[i].line, want[i].text)
		}
	}
	if !strings.Contains(e.Error(), "add to schema.sql:3:\n      full_name TEXT -- retort:renamed-from name") {
		t.Errorf("the message does not show the line to write:\n%s", e.Error())
	}
}
