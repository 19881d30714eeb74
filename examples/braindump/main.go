// Command braindump is the example application: users write notes. It
// migrates its SQLite database at start-up from the migrations embedded in
// the binary, then shows that deleting a user deletes their notes (the
// second migration added ON DELETE CASCADE).
//
// It is also how a team ships Go migrations: the fourth migration is a
// backfill written in Go (slugs.go), whose placeholder file sits among the
// SQL files. The program registers its code with retort.WithGoMigrations
// and runs it in order with the others; the retort CLI reads the
// placeholder for history, check and lint, and refuses to run it, naming
// this program.
//
//	go run ./examples/braindump -db /tmp/braindump.db
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	path := flag.String("db", "braindump.db", "SQLite database file")
	flag.Parse()
	if err := run(context.Background(), *path, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// migrator returns the migrator of the database file at path, with the
// embedded migrations and the Go migrations' code.
func migrator(ctx context.Context, path string) (*retort.Migrator, error) {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return retort.OpenMigrator(ctx, "sqlite:"+path, dir, retort.WithGoMigrations(backfillSlugs))
}

// run migrates the database at path and writes a note for a new user.
func run(ctx context.Context, path string, w io.Writer) error {
	m, err := migrator(ctx, path)
	if err != nil {
		return err
	}
	defer m.Close()
	ran, err := m.Upgrade(ctx, "head")
	if err != nil {
		return err
	}
	for _, r := range ran {
		fmt.Fprintf(w, "migrated %s %s\n", r.Revision, r.Message)
	}
	cur, err := m.Current(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "schema at", cur)
	return cascade(ctx, m, len(ran), w)
}

// cascade adds a user with two notes, deletes the user, and counts the
// notes left.
func cascade(ctx context.Context, m *retort.Migrator, n int, w io.Writer) error {
	db := m.Database().DB()
	res, err := db.ExecContext(ctx, `INSERT INTO users (email, name) VALUES (?, ?)`, fmt.Sprintf("ada%d@example.com", n), "Ada")
	if err != nil {
		return err
	}
	id, _ := res.LastInsertId()
	for _, title := range []string{"Engines", "Notes"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO notes (author_id, title, slug) VALUES (?, ?, ?)`, id, title, slug(title)); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		return err
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM notes WHERE author_id = ?`, id).Scan(&left); err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted user %d: %d of their notes left\n", id, left)
	return nil
}
