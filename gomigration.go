package retort

import (
	"fmt"
	"io/fs"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
)

// WithGoMigrations registers the code of Go migrations: migrations whose up
// and down are Go functions (migrate.GoFunc), for changes SQL cannot
// express, such as a data backfill that calls Go code. Each has a
// placeholder file among the SQL migrations, which gives its revision,
// parent and message and names the program that runs it:
//
//	-- retort:revision 20261201120000
//	-- retort:parent 20261125103000
//	-- retort:message backfill note slugs
//	-- retort:go version:1 program:braindump
//
// A Go migration runs like a SQL one: in order, under the migration lock,
// in one transaction of the engine's envelope that also writes its version
// row, so that a failure rolls everything of it back. Its checksum is that
// of its revision and Version (migrate.GoChecksum). On MySQL/MariaDB it may
// only read and change data: a schema statement would commit its
// transaction half-way, and is refused (*migrate.GoRefusedError).
//
// NewMigrator (and Database.Migrator) return an error for a registration
// without placeholder, one whose Version differs from the placeholder's,
// two of one revision, and, on MySQL, one that declares a schema change.
// Running a placeholder whose code is not registered is a
// *migrate.GoMigrationError naming the program; so is offline SQL
// (Migrator.Script) through any Go migration. The retort CLI registers
// none: it reads, checks and lints Go migrations but refuses to run them.
func WithGoMigrations(ms ...migrate.GoMigration) Option {
	return option("WithGoMigrations", inMigrator, func(c *config) error {
		c.goMigrations = append(c.goMigrations, ms...)
		return nil
	})
}

// loadGraphWithGo reads the migration files of fsys, binds the registered
// Go migrations to their placeholders and builds the revision graph.
func loadGraphWithGo(fsys fs.FS, d dialect.Dialect, ms []migrate.GoMigration) (*migrate.Graph, error) {
	files, err := migrate.ReadDir(fsys, ".", migrate.WithEngine(d.Name()))
	if err != nil {
		return nil, err
	}
	if t, ok := d.(dialect.TxDDL); ok && !t.TransactionalDDL() {
		for _, m := range ms {
			if len(m.Schema) > 0 {
				return nil, fmt.Errorf("retort: Go migration %s declares a schema change, but %s commits schema changes implicitly: a Go migration there may only change data; put the schema change in a SQL migration",
					m.Revision, d.Name())
			}
		}
	}
	if err := migrate.BindGo(files, ms); err != nil {
		return nil, err
	}
	return migrate.NewGraph(files)
}
