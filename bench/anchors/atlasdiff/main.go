// Command atlasdiff times what `atlas schema diff --from sqlite://DB --to
// file://SCHEMA.sql --dev-url sqlite://dev?mode=memory` does, through the
// Atlas engine's Go packages (ariga.io/atlas): inspect the database, load
// the script into an in-memory dev database and inspect it, diff the two.
// It prints the number of changes (0 for an equal schema); bench/anchors.sh
// times the process. It is a module of its own so that retort's module
// never depends on Atlas.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"ariga.io/atlas/sql/sqlite"
	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: atlasdiff DB.db SCHEMA.sql")
		os.Exit(2)
	}
	n, err := run(context.Background(), os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "atlasdiff:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

func run(ctx context.Context, dbPath, schemaPath string) (int, error) {
	script, err := os.ReadFile(schemaPath)
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	dev, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return 0, err
	}
	defer dev.Close()
	dev.SetMaxOpenConns(1)
	if _, err := dev.ExecContext(ctx, string(script)); err != nil {
		return 0, fmt.Errorf("load %s into the dev database: %w", schemaPath, err)
	}
	from, err := sqlite.Open(db)
	if err != nil {
		return 0, err
	}
	to, err := sqlite.Open(dev)
	if err != nil {
		return 0, err
	}
	current, err := from.InspectSchema(ctx, "", nil)
	if err != nil {
		return 0, err
	}
	desired, err := to.InspectSchema(ctx, "", nil)
	if err != nil {
		return 0, err
	}
	changes, err := from.SchemaDiff(current, desired)
	if err != nil {
		return 0, err
	}
	return len(changes), nil
}
