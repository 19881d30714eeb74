// Command braindump is the example application: users write notes. It
// migrates its SQLite database at start-up from the migrations embedded in
// the binary, then shows that deleting a user deletes their notes (the
// second migration added ON DELETE CASCADE).
//
//	go run ./examples/braindump -db /tmp/braindump.db
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"log"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	path := flag.String("db", "braindump.db", "SQLite database file")
	flag.Parse()
	ctx := context.Background()

	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		log.Fatal(err)
	}
	m, err := retort.OpenMigrator(ctx, "sqlite:"+*path, dir)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ran, err := m.Upgrade(ctx, "head")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range ran {
		fmt.Printf("migrated %s %s\n", r.Revision, r.Message)
	}
	cur, err := m.Current(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("schema at", cur)

	db := m.Database().DB()
	res, err := db.ExecContext(ctx, `INSERT INTO users (email, name) VALUES (?, ?)`, fmt.Sprintf("ada%d@example.com", len(ran)), "Ada")
	if err != nil {
		log.Fatal(err)
	}
	id, _ := res.LastInsertId()
	for _, title := range []string{"engines", "notes"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO notes (author_id, title) VALUES (?, ?)`, id, title); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		log.Fatal(err)
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM notes WHERE author_id = ?`, id).Scan(&left); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("deleted user %d: %d of their notes left\n", id, left)
}
