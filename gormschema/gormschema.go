// Package gormschema prints the schema GORM creates for a set of models,
// as SQL, so that retort can compare it with the migrations and the
// database (retort's exec:// source and retort.toml's schema_cmd).
//
// GORM itself writes the SQL: for SQLite its migrator (AutoMigrate) runs
// against a scratch in-memory database (github.com/glebarez/sqlite, pure
// Go) and the tables and indexes it made are printed from sqlite_master;
// for PostgreSQL and MySQL/MariaDB AutoMigrate runs with their dialectors
// (gorm.io/driver/postgres, gorm.io/driver/mysql) on a connection that
// records the statements instead of executing them, and those are printed.
// No server is needed.
// Whatever GORM reads from its struct tags — column types, primary keys,
// unique and plain indexes, foreign keys with constraint:OnDelete and
// OnUpdate — is thus exactly what GORM would create.
//
// The SQLite driver glebarez/sqlite brings registers the database/sql
// driver name "sqlite", as modernc.org/sqlite does: a program that links
// both panics at start-up, so keep the schema program (cmd/schema) apart
// from code that imports modernc.org/sqlite.
//
// A program printing the schema is a few lines:
//
//	func main() { gormschema.Main(&models.User{}, &models.Note{}) }
package gormschema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects are the values of RETORT_DIALECT that Print accepts.
var Dialects = []string{"sqlite", "postgres", "mysql"}

// Print writes to w the SQL that GORM's AutoMigrate creates for models on
// the engine called dialect ("sqlite", "postgres" or "mysql"; "mariadb"
// is taken as "mysql"), one statement per line group, each ending in a
// semicolon. Models are pointers to structs, as AutoMigrate takes them.
func Print(w io.Writer, dialect string, models ...any) error {
	stmts, err := Statements(dialect, models...)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := fmt.Fprintf(w, "%s;\n", s); err != nil {
			return err
		}
	}
	return nil
}

// Statements returns the statements Print writes, without semicolons.
func Statements(dialect string, models ...any) ([]string, error) {
	if len(models) == 0 {
		return nil, errors.New("gormschema: no models")
	}
	switch dialect {
	case "sqlite":
		return sqliteStatements(models)
	case "postgres", "postgresql":
		return dryRun(postgres.New(postgres.Config{Conn: newRecorder()}), models)
	case "mysql", "mariadb":
		return dryRun(mysql.New(mysql.Config{Conn: newRecorder(), SkipInitializeWithVersion: true}), models)
	}
	return nil, fmt.Errorf("gormschema: unknown dialect %q (want sqlite, postgres or mysql)", dialect)
}

// Main prints the schema of models for the engine named by
// $RETORT_DIALECT (set by retort when it runs the program) on standard
// output and exits; on an error it prints it on standard error and exits
// with status 1.
func Main(models ...any) {
	d := os.Getenv("RETORT_DIALECT")
	if d == "" {
		fmt.Fprintln(os.Stderr, "gormschema: RETORT_DIALECT is not set (sqlite, postgres or mysql); retort sets it when it runs this program")
		os.Exit(1)
	}
	if err := Print(os.Stdout, d, models...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// sqliteStatements runs AutoMigrate on an in-memory SQLite database and
// returns the tables and indexes it created, in the order it created them.
func sqliteStatements(models []any) ([]string, error) {
	db, err := gorm.Open(sqlite.Open("file::memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("gormschema: open in-memory SQLite: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1) // one connection: one in-memory database
	if err := db.AutoMigrate(models...); err != nil {
		return nil, fmt.Errorf("gormschema: AutoMigrate: %w", err)
	}
	var stmts []string
	err = db.Raw(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`).Scan(&stmts).Error
	if err != nil {
		return nil, fmt.Errorf("gormschema: read sqlite_master: %w", err)
	}
	return stmts, nil
}

// dryRun runs AutoMigrate with the dialector on a connection pool that
// records the statements GORM executes instead of running them, and
// returns them. Its queries (does the table exist?) fail, so the migrator
// creates every table with its indexes and constraints; nothing reaches a
// server. (GORM's own DryRun mode is not used: its migrator prints every
// statement on standard output, which is where the schema goes.)
func dryRun(d gorm.Dialector, models []any) ([]string, error) {
	db, err := gorm.Open(d, &gorm.Config{DisableAutomaticPing: true, Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("gormschema: %s: %w", d.Name(), err)
	}
	rec := db.ConnPool.(*recorder)
	if err := db.AutoMigrate(models...); err != nil {
		return nil, fmt.Errorf("gormschema: %s: AutoMigrate: %w", d.Name(), err)
	}
	if rec.err != nil {
		return nil, fmt.Errorf("gormschema: %s: AutoMigrate: %w", d.Name(), rec.err)
	}
	return rec.stmts, nil
}

// recorder is a gorm.ConnPool that keeps the statements executed on it
// and refuses every query.
type recorder struct {
	mu    sync.Mutex
	stmts []string
	err   error
	none  *sql.DB // refuses every connection: its rows carry the error
}

var errNoDatabase = errors.New("gormschema: no database (the statements are recorded, not run)")

func newRecorder() *recorder { return &recorder{none: sql.OpenDB(refuse{})} }

func (r *recorder) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(args) > 0 && r.err == nil {
		// GORM writes DDL with its values in the text; a bound value would
		// be lost in a printed script.
		r.err = fmt.Errorf("statement with bound values: %s %v", query, args)
	}
	r.stmts = append(r.stmts, strings.TrimSpace(query))
	return driver.RowsAffected(0), nil
}

func (r *recorder) PrepareContext(context.Context, string) (*sql.Stmt, error) {
	return nil, errNoDatabase
}

func (r *recorder) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errNoDatabase
}

func (r *recorder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.none.QueryRowContext(ctx, query, args...)
}

type refuse struct{}

func (refuse) Connect(context.Context) (driver.Conn, error) { return nil, errNoDatabase }
func (refuse) Driver() driver.Driver                        { return nil }
