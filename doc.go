// Package retort migrates the schema of a relational database (SQLite,
// PostgreSQL, MySQL/MariaDB) that an application owns. It is what the
// retort command runs, and what a Go program embeds.
//
// # Versioned migrations: a Migrator
//
// A service migrates itself at start-up from migration files embedded in
// its binary (see the package example):
//
//	m, err := retort.NewMigrator(db, sqlite.New(), migrationsFS)
//	ran, err := m.Upgrade(ctx, "head")
//
// OpenMigrator does the same from a URL ("sqlite:app.db",
// "postgres://…", "mysql://…"; see ParseURL). Besides Upgrade and
// Downgrade, which take the CLI's targets ("head", a revision, "+1",
// "base"), a Migrator has the typed UpTo, UpBy, DownTo and DownBy, Status
// (each migration's state), Current, History, Pending, Stamp, Script (the
// SQL an upgrade would run) and Check.
//
// # Declarative: a Database
//
// A Database compares the schema a database has with the one it should
// have (written as SQL, or given by migrations) and applies the
// difference:
//
//	db, err := retort.Open(ctx, "sqlite:app.db")
//	desired, err := db.LoadSQL(ctx, "schema.sql", src)
//	plan, err := db.Plan(ctx, desired)
//	err = db.Apply(ctx, plan)
//
// Autogenerate turns the same comparison into the next migration file,
// and Check (in a test or CI) says whether the migrations, the database
// and schema.sql agree.
//
// Foreign keys are first-class: a changed ON DELETE, ON UPDATE, deferral or
// MATCH is found and the constraint recreated (SQLite: by a rebuild that
// keeps every row and never fires ON DELETE actions on children).
//
// # Options
//
// Every function that takes options refuses, with an *OptionError, one
// that would have no effect on it: the engine options (WithLockTimeout,
// WithNaming, …) configure the engine that Open builds from a URL, so New
// refuses them (configure the dialect you pass); the version table's
// WithTable configures a Migrator, so Open refuses it (give it to
// OpenMigrator or Database.Migrator). Each option's documentation says
// where it applies.
//
// # Errors to act on
//
// Errors are typed and wrap their causes, for errors.As and errors.Is:
//   - *migrate.PartialError: a migration failed; Applied ran before it.
//   - *migrate.StmtError: the statement that failed, with file and line.
//   - *dialect.OrphanRowsError: a foreign key that rows violate, from
//     every engine, with the count and examples.
//   - *migrate.LockError, migrate.ErrLocked: another session holds the
//     migration lock.
//   - *migrate.MissingRevisionError: the database has a revision applied
//     that the directory lacks; *migrate.ChangedError: an applied file
//     was edited.
//   - *DestructiveError, *UnmanagedError: Apply refused a plan.
//   - *ConnectError: the server could not be reached; the driver's error
//     (*pgconn.PgError, *mysql.MySQLError) is in the chain, and the
//     password in none of the texts.
//
// Progress, and a log of every statement with its duration and the rows
// it changed, reach WithProgress.
//
// The package imports no database driver: the program registers one,
// e.g. modernc.org/sqlite, github.com/jackc/pgx/v5/stdlib or
// github.com/go-sql-driver/mysql.
package retort
