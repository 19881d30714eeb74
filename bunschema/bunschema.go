// Package bunschema prints the schema bun creates for a set of models, as
// SQL, so that retort can compare it with the migrations and the database
// (retort's exec:// source and retort.toml's schema_cmd).
//
// bun itself writes the SQL: each model's table is rendered by
// db.NewCreateTable().Model(m).WithForeignKeys() with the engine's bun
// dialect (sqlitedialect, pgdialect, mysqldialect), without a database.
// Column types, primary keys, unique columns and groups (bun:",unique",
// bun:",unique:name") and foreign keys from belongs-to relations with
// their on_delete: and on_update: options are thus what bun would create.
// bun has no struct tag for a plain index: pass an Index among the models
// and bun's NewCreateIndex renders it.
//
//	func main() {
//		bunschema.Main((*models.User)(nil), (*models.Note)(nil),
//			bunschema.Index{Model: (*models.Note)(nil), Name: "notes_title_idx", Columns: []string{"title"}})
//	}
package bunschema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

// Index is an index bun's NewCreateIndex creates on Model's table.
type Index struct {
	Model   any // a model, e.g. (*Note)(nil)
	Name    string
	Columns []string
	Unique  bool
}

// Print writes to w the SQL that bun creates for models on the engine
// called dialect ("sqlite", "postgres" or "mysql"; "mariadb" is taken as
// "mysql"), each statement ending in a semicolon: the tables first, a
// table after those its foreign keys reference, then the indexes. Models
// are struct pointers (typed nil is fine) or Index values.
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
func Statements(dialect string, models ...any) (stmts []string, err error) {
	var d schema.Dialect
	switch dialect {
	case "sqlite":
		d = sqlitedialect.New()
	case "postgres", "postgresql":
		d = pgdialect.New()
	case "mysql", "mariadb":
		d = versionless{mysqldialect.New()}
	default:
		return nil, fmt.Errorf("bunschema: unknown dialect %q (want sqlite, postgres or mysql)", dialect)
	}
	if len(models) == 0 {
		return nil, errors.New("bunschema: no models")
	}
	// bun panics on a model it cannot read (a bad tag, a missing join
	// column): report it as an error.
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, fmt.Errorf("bunschema: %v", r)
		}
	}()
	db := bun.NewDB(sql.OpenDB(refuse{}), d)
	var tables []any
	var indexes []Index
	for _, m := range models {
		if ix, ok := m.(Index); ok {
			indexes = append(indexes, ix)
			continue
		}
		if t := reflect.TypeOf(m); t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return nil, fmt.Errorf("bunschema: model %T: want a pointer to a struct or an Index", m)
		}
		tables = append(tables, m)
	}
	for _, m := range parentsFirst(db, tables) {
		b, err := db.NewCreateTable().Model(m).WithForeignKeys().AppendQuery(db.QueryGen(), nil)
		if err != nil {
			return nil, fmt.Errorf("bunschema: %T: %w", m, err)
		}
		stmts = append(stmts, string(b))
	}
	for _, ix := range indexes {
		q := db.NewCreateIndex().Model(ix.Model).Index(ix.Name).Column(ix.Columns...)
		if ix.Unique {
			q = q.Unique()
		}
		b, err := q.AppendQuery(db.QueryGen(), nil)
		if err != nil {
			return nil, fmt.Errorf("bunschema: index %s: %w", ix.Name, err)
		}
		stmts = append(stmts, string(b))
	}
	return stmts, nil
}

// parentsFirst orders models so that a table comes after the tables its
// belongs-to relations reference (PostgreSQL and MySQL refuse a foreign key
// to a table that does not exist yet); otherwise the given order is kept.
func parentsFirst(db *bun.DB, models []any) []any {
	byName := map[string]int{}
	for i, m := range models {
		byName[db.Table(reflect.TypeOf(m)).Name] = i
	}
	done := make([]bool, len(models))
	visiting := make([]bool, len(models))
	var out []any
	var visit func(i int)
	visit = func(i int) {
		if done[i] || visiting[i] {
			return // a cycle keeps the given order
		}
		visiting[i] = true
		for _, rel := range db.Table(reflect.TypeOf(models[i])).Relations {
			if j, ok := byName[rel.JoinTable.Name]; ok && rel.References() && j != i {
				visit(j)
			}
		}
		visiting[i], done[i] = false, true
		out = append(out, models[i])
	}
	for i := range models {
		visit(i)
	}
	return out
}

// Main prints the schema of models for the engine named by
// $RETORT_DIALECT (set by retort when it runs the program) on standard
// output; on an error it prints it on standard error and exits with
// status 1.
func Main(models ...any) {
	d := os.Getenv("RETORT_DIALECT")
	if d == "" {
		fmt.Fprintln(os.Stderr, "bunschema: RETORT_DIALECT is not set (sqlite, postgres or mysql); retort sets it when it runs this program")
		os.Exit(1)
	}
	if err := Print(os.Stdout, d, models...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// versionless is bun's MySQL dialect without the server version query it
// makes when a DB is created (it only turns on features of queries, not of
// CREATE TABLE); there is no server to ask.
type versionless struct{ *mysqldialect.Dialect }

func (versionless) Init(*sql.DB) {}

// refuse is a connector whose every connection fails: rendering SQL needs
// no database.
type refuse struct{}

func (refuse) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("bunschema: no database")
}
func (refuse) Driver() driver.Driver { return nil }
