package retort_test

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

//go:embed testdata/example_go_migrations/*.sql
var exampleGoMigrations embed.FS

// A Go migration backfills what SQL cannot compute: the address of each
// user's "Name <address>" contact, parsed by net/mail. Its placeholder file,
// 20260103090000_backfill_users_email.sql, sits among the SQL migrations:
//
//	-- retort:revision 20260103090000
//	-- retort:parent 20260102090000
//	-- retort:message backfill users.email
//	-- retort:go version:1 program:example
//
// The program registers its code and runs it in order with the SQL
// migrations, in one transaction with its version row.
func ExampleWithGoMigrations() {
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

	backfill := migrate.GoMigration{
		Revision: "20260103090000",
		Version:  "1", // the placeholder's version: part of the checksum
		Up: func(ctx context.Context, tx dialect.Querier) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, contact FROM users`)
			if err != nil {
				return err
			}
			emails := map[int]string{}
			for rows.Next() {
				var id int
				var contact string
				if err := rows.Scan(&id, &contact); err != nil {
					rows.Close()
					return err
				}
				addr, err := mail.ParseAddress(contact)
				if err != nil {
					rows.Close()
					return fmt.Errorf("user %d: %w", id, err) // rolls the migration back
				}
				emails[id] = strings.ToLower(addr.Address)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for id, email := range emails {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, email, id); err != nil {
					return err
				}
			}
			return nil
		},
		Down: func(ctx context.Context, tx dialect.Querier) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET email = ''`)
			return err
		},
	}

	migrations, err := fs.Sub(exampleGoMigrations, "testdata/example_go_migrations")
	if err != nil {
		log.Fatal(err)
	}
	m, err := retort.NewMigrator(db, sqlite.New(), migrations, retort.WithGoMigrations(backfill))
	if err != nil {
		log.Fatal(err)
	}
	ran, err := m.Upgrade(ctx, "head")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range ran {
		fmt.Println("applied", r.Revision, r.Message)
	}
	rows, err := db.QueryContext(ctx, `SELECT id, email FROM users ORDER BY id`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, email)
	}
	// Output:
	// applied 20260101090000 create users
	// applied 20260102090000 add users.email
	// applied 20260103090000 backfill users.email
	// 1 ada@example.com
	// 2 grace@navy.example
}
