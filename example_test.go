package retort_test

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"testing/fstest"
	"time"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

//go:embed testdata/example_migrations/*.sql
var exampleMigrations embed.FS

// An application migrates its database at start-up from migrations
// embedded in its binary. Starting again finds nothing to do.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "retort-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	migrations, err := fs.Sub(exampleMigrations, "testdata/example_migrations")
	if err != nil {
		log.Fatal(err)
	}
	m, err := retort.NewMigrator(db, sqlite.New(), migrations)
	if err != nil {
		log.Fatal(err)
	}
	for start := 1; start <= 2; start++ {
		ran, err := m.Upgrade(ctx, "head")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("start %d: %d migration(s) applied\n", start, len(ran))
		for _, r := range ran {
			fmt.Printf("  %s %s\n", r.Revision, r.Message)
		}
	}
	current, err := m.Current(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current:", current)
	// Output:
	// start 1: 2 migration(s) applied
	//   20260101090000 create users
	//   20260102090000 create notes
	// start 2: 0 migration(s) applied
	// current: [20260102090000]
}

// exampleMigrator returns a Migrator of the example migrations on a new
// SQLite database file, and a function that closes and removes it.
func exampleMigrator(ctx context.Context) (*retort.Migrator, func()) {
	url, remove := tempDatabase()
	migrations, err := fs.Sub(exampleMigrations, "testdata/example_migrations")
	if err != nil {
		log.Fatal(err)
	}
	m, err := retort.OpenMigrator(ctx, url, migrations)
	if err != nil {
		log.Fatal(err)
	}
	return m, func() { m.Close(); remove() }
}

// tempDatabase returns the URL of a new SQLite database file and a
// function that removes it.
func tempDatabase() (url string, remove func()) {
	dir, err := os.MkdirTemp("", "retort-example")
	if err != nil {
		log.Fatal(err)
	}
	return "sqlite:" + filepath.Join(dir, "app.db"), func() { os.RemoveAll(dir) }
}

// The declarative workflow: the schema the database should have is
// written as SQL; retort compares it with the database, plans the change
// and applies it. A plan that would drop data is refused unless allowed.
func ExampleDatabase_Apply() {
	ctx := context.Background()
	url, remove := tempDatabase()
	defer remove()
	db, err := retort.Open(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.DB().ExecContext(ctx, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT)`); err != nil {
		log.Fatal(err)
	}

	desired, err := db.LoadSQL(ctx, "schema.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);`)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := db.Plan(ctx, desired)
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range plan.Summary() {
		fmt.Println(line)
	}
	if err := db.Apply(ctx, plan); err != nil {
		log.Fatal(err)
	}
	again, err := db.Plan(ctx, desired)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("in sync:", again.Empty())
	// Output:
	// notes: foreign key (author_id) → users(id) ON DELETE NO ACTION → CASCADE
	// users: column name NULL → NOT NULL, default none → ''
	// in sync: true
}

// Autogenerate writes the next migration: the difference between the
// migrations' head (replayed into a scratch database) and the desired
// schema, with its down section.
func ExampleAutogenerate() {
	ctx := context.Background()
	migrations, err := fs.Sub(exampleMigrations, "testdata/example_migrations")
	if err != nil {
		log.Fatal(err)
	}
	g, err := retort.LoadGraph(migrations)
	if err != nil {
		log.Fatal(err)
	}
	d := sqlite.New()
	desired, err := retort.LoadSQL(ctx, d, "schema.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, CONSTRAINT users_email_key UNIQUE (email));
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  pinned INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX notes_author_id_idx ON notes (author_id);`)
	if err != nil {
		log.Fatal(err)
	}
	f, err := retort.Autogenerate(ctx, d, g, desired, "pin notes", time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(migrate.Format(f)))
	// Output:
	// -- retort:revision 20260103090000
	// -- retort:parent 20260102090000
	// -- retort:message pin notes
	//
	// -- migrate:up
	// ALTER TABLE "notes" ADD COLUMN "pinned" INTEGER NOT NULL DEFAULT 0;
	//
	// -- migrate:down
	// -- retort: destructive
	// ALTER TABLE "notes" DROP COLUMN "pinned";
}

// In a test, Check says whether the migrations build the schema that
// schema.sql describes (and, with a database, whether it is at head and
// equal to it): a CI job fails when someone edited one and not the other.
func ExampleMigrator_Check() {
	ctx := context.Background()
	m, remove := exampleMigrator(ctx)
	defer remove()
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		log.Fatal(err)
	}
	// schema.sql forgot the index the second migration creates.
	desired, err := m.Database().LoadSQL(ctx, "schema.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, CONSTRAINT users_email_key UNIQUE (email));
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
);`)
	if err != nil {
		log.Fatal(err)
	}
	report, err := m.Check(ctx, desired)
	if err != nil {
		log.Fatal(err)
	}
	// In a test: if !report.OK() { t.Errorf(...) }
	fmt.Println("ok:", report.OK())
	fmt.Println("the migrations' head differs:", report.Migrations)
	fmt.Println("the database differs:", report.Database)
	// Output:
	// ok: false
	// the migrations' head differs: [notes: index notes_author_id_idx dropped]
	// the database differs: [notes: index notes_author_id_idx dropped]
}

// Status tells, for each migration, whether the database has applied it.
func ExampleMigrator_Status() {
	ctx := context.Background()
	m, remove := exampleMigrator(ctx)
	defer remove()
	if _, err := m.UpBy(ctx, 1); err != nil {
		log.Fatal(err)
	}
	statuses, err := m.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range statuses {
		fmt.Println(s.Revision, s.State, s.Message)
	}
	// Output:
	// 20260101090000 applied create users
	// 20260102090000 pending create notes
}

// A failed migration is a *migrate.PartialError naming what ran; the
// errors it wraps say why: here a foreign key that rows violate, which
// every engine reports as a *dialect.OrphanRowsError.
func ExampleMigrator_Upgrade_errors() {
	ctx := context.Background()
	url, remove := tempDatabase()
	defer remove()
	migrations := fstest.MapFS{
		"1_users.sql": {Data: []byte("-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n" +
			"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER);\nINSERT INTO notes VALUES (1, 7), (2, 8);\n")},
		"2_fk.sql": {Data: []byte("-- migrate:up\nCREATE TABLE new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id));\n" +
			"INSERT INTO new_notes SELECT * FROM notes;\nDROP TABLE notes;\nALTER TABLE new_notes RENAME TO notes;\n")},
	}
	m, err := retort.OpenMigrator(ctx, url, migrations)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	_, err = m.Upgrade(ctx, "head")
	var partial *migrate.PartialError
	if errors.As(err, &partial) {
		fmt.Println("applied:", len(partial.Applied), "failed:", partial.Failed.File)
	}
	var orphans *dialect.OrphanRowsError
	if errors.As(err, &orphans) {
		fmt.Println(orphans.Count, "rows of", orphans.Table, "reference no row of", orphans.Parent)
	}
	// Output:
	// applied: 1 failed: 2_fk.sql
	// 2 rows of notes reference no row of users
}
