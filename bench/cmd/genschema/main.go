// Command genschema writes the benchmark schema of benchkit.Schema and, with
// -db, creates a SQLite database from it.
//
//	genschema -tables 1000 -sql schema.sql -db app.db
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort/internal/benchkit"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("genschema", flag.ContinueOnError)
	tables := fs.Int("tables", 200, "number of tables")
	sqlPath := fs.String("sql", "", "write the schema script here (default: standard output, unless -db is set)")
	dbPath := fs.String("db", "", "create this SQLite database (which must not exist) from the schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tables < 1 {
		return errors.New("-tables must be at least 1")
	}
	src := benchkit.Schema(*tables)
	switch {
	case *sqlPath != "":
		if err := os.WriteFile(*sqlPath, []byte(src), 0o644); err != nil {
			return err
		}
	case *dbPath == "":
		_, err := io.WriteString(stdout, src)
		return err
	}
	if *dbPath == "" {
		return nil
	}
	if _, err := os.Stat(*dbPath); err == nil {
		return fmt.Errorf("%s already exists", *dbPath)
	}
	db, err := sql.Open("sqlite", *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return benchkit.Create(ctx, db, src)
}
