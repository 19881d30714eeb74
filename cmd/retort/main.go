// Command retort migrates the schema of SQLite, PostgreSQL and MySQL
// databases. See https://github.com/retortdb/retort.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort/cmd/retort/internal/cli"
)

func main() {
	quietDrivers()
	// SIGTERM (a deploy stopping the process) is handled as Ctrl-C: the
	// running statement is stopped and its outcome recorded before exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// quietDrivers keeps the drivers' own log lines off the terminal:
// go-sql-driver/mysql prints "[mysql] packets.go:…" to stderr for errors it
// also returns, and retort reports those errors itself, naming the server.
func quietDrivers() {
	mysql.SetLogger(&mysql.NopLogger{})
}
