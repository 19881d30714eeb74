package retort_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// TestOptionsRefusedWhereTheyHaveNoEffect checks that every function
// taking options refuses, with an *OptionError naming it and the option,
// an option that would do nothing there, and accepts the others.
func TestOptionsRefusedWhereTheyHaveNoEffect(t *testing.T) {
	ctx := context.Background()
	fsys := chain("CREATE TABLE t (id INTEGER PRIMARY KEY);")
	sdb, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	calls := map[string]func(opts ...retort.Option) error{
		"Open": func(opts ...retort.Option) error {
			db, err := retort.Open(ctx, sqliteURL(t), opts...)
			if err == nil {
				db.Close()
			}
			return err
		},
		"OpenMigrator": func(opts ...retort.Option) error {
			m, err := retort.OpenMigrator(ctx, sqliteURL(t), fsys, opts...)
			if err == nil {
				m.Close()
			}
			return err
		},
		"New": func(opts ...retort.Option) error {
			_, err := retort.New(sdb, sqlite.New(), opts...)
			return err
		},
		"NewMigrator": func(opts ...retort.Option) error {
			_, err := retort.NewMigrator(sdb, sqlite.New(), fsys, opts...)
			return err
		},
		"Database.Migrator": func(opts ...retort.Option) error {
			db, err := retort.New(sdb, sqlite.New())
			if err != nil {
				return err
			}
			_, err = db.Migrator(fsys, opts...)
			return err
		},
		"DialectFor": func(opts ...retort.Option) error {
			_, err := retort.DialectFor("sqlite::memory:", opts...)
			return err
		},
		"NewDialect": func(opts ...retort.Option) error {
			_, err := retort.NewDialect("sqlite", opts...)
			return err
		},
		"Autogenerate": func(opts ...retort.Option) error {
			g, err := retort.LoadGraph(fsys)
			if err != nil {
				return err
			}
			_, err = retort.Autogenerate(ctx, sqlite.New(), g, &schema.Schema{}, "m", time.Now(), opts...)
			return err
		},
		"PlanSchemas": func(opts ...retort.Option) error {
			_, err := retort.PlanSchemas(ctx, sqlite.New(), &schema.Schema{}, &schema.Schema{}, opts...)
			return err
		},
		"Script": func(opts ...retort.Option) error {
			g, err := retort.LoadGraph(fsys)
			if err != nil {
				return err
			}
			return retort.Script(&bytes.Buffer{}, sqlite.New(), g, "", "head", migrate.Up, opts...)
		},
	}
	options := map[string]retort.Option{
		"WithLockTimeout":       retort.WithLockTimeout(time.Second),
		"WithConcurrentIndexes": retort.WithConcurrentIndexes(),
		"WithOnline":            retort.WithOnline(false),
		"WithDevURL":            retort.WithDevURL("sqlite::memory:"),
		"WithTable":             retort.WithTable("versions"),
		"WithAllowChanged":      retort.WithAllowChanged(),
		"WithProgress":          retort.WithProgress(func(migrate.Event) {}),
		"MustExist":             retort.MustExist(),
		"WithAssumeRenames":     retort.WithAssumeRenames(),
		"WithLogger":            retort.WithLogger(slog.New(slog.DiscardHandler)),
		"WithExclude":           retort.WithExclude("audit_*"),
		"WithNaming":            retort.WithNaming(dialect.DefaultNaming()),
		"WithSchemas":           retort.WithSchemas("app"),
		"WithConnectTimeout":    retort.WithConnectTimeout(time.Second),
		"WithConnectWait":       retort.WithConnectWait(time.Second, nil),
		"WithMigrationLockWait": retort.WithMigrationLockWait(time.Second),
		"WithGoMigrations":      retort.WithGoMigrations(),
		"WithoutRehearsal":      retort.WithoutRehearsal(),
		"WithoutRenameGuess":    retort.WithoutRenameGuess(),
	}
	engine := []string{"WithLockTimeout", "WithConcurrentIndexes", "WithOnline", "WithDevURL", "WithNaming", "WithSchemas", "WithConnectTimeout"}
	database := []string{"WithProgress", "WithoutRehearsal", "WithLogger", "WithExclude"}
	migrator := []string{"WithTable", "WithAllowChanged", "WithMigrationLockWait", "WithGoMigrations"}
	connect := []string{"MustExist", "WithConnectWait"}
	// accepted[fn] are the options fn takes; every other one is refused.
	// (OptionError's table.)
	accepted := map[string][]string{
		"Open":              slices.Concat(engine, connect, database),
		"OpenMigrator":      slices.Concat(engine, connect, database, migrator),
		"New":               database,
		"NewMigrator":       slices.Concat(database, migrator),
		"Database.Migrator": slices.Concat(database, migrator),
		"DialectFor":        slices.Concat(engine, []string{"WithLogger"}),
		"NewDialect":        slices.Concat(engine, []string{"WithLogger"}),
		"PlanSchemas":       {"WithLogger", "WithExclude"},
		"Autogenerate":      {"WithLogger", "WithExclude", "WithAssumeRenames", "WithoutRenameGuess"},
		"Script":            {"WithTable", "WithLogger"},
	}
	for fn, call := range calls {
		for name, opt := range options {
			want := slices.Contains(accepted[fn], name)
			t.Run(fn+"/"+name, func(t *testing.T) {
				err := call(opt)
				var oe *retort.OptionError
				switch {
				case want && errors.As(err, &oe): // MustExist may fail on its own
					t.Fatalf("refused: %v", err)
				case !want && !errors.As(err, &oe):
					t.Fatalf("got %v, want an *OptionError", err)
				case !want && (oe.Func != fn || oe.Option != name):
					t.Fatalf("OptionError names %s and %s, want %s and %s: %v", oe.Func, oe.Option, fn, name, err)
				}
			})
		}
	}
}

// TestNewRefusesEngineOptionWithAdvice checks the message of an engine
// option given to New: it says to configure the dialect instead.
func TestNewRefusesEngineOptionWithAdvice(t *testing.T) {
	sdb, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	_, err = retort.New(sdb, sqlite.New(), retort.WithLockTimeout(time.Second))
	if err == nil || !strings.Contains(err.Error(), "configure the dialect you pass instead") ||
		!strings.Contains(err.Error(), "retort: New: option WithLockTimeout has no effect here (it applies to Open, OpenMigrator, DialectFor, NewDialect, WithDatabaseOptions)") {
		t.Fatalf("got %v", err)
	}
}

// TestDatabaseMigratorOptions checks that the options given to
// Database.Migrator take effect: the version table has the name given,
// and the Database's own options are kept.
func TestDatabaseMigratorOptions(t *testing.T) {
	ctx := context.Background()
	db, err := retort.Open(ctx, sqliteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events int
	m, err := db.Migrator(chain("CREATE TABLE t (id INTEGER PRIMARY KEY);"), retort.WithTable("versions"),
		retort.WithProgress(func(migrate.Event) { events++ }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, db.DB(), "SELECT count(*) FROM versions"); n != 1 {
		t.Errorf("versions has %d rows, want 1", n)
	}
	if n := queryInt(t, db.DB(), "SELECT count(*) FROM sqlite_schema WHERE name = 'retort_revisions'"); n != 0 {
		t.Errorf("the default version table was created too")
	}
	if events == 0 {
		t.Errorf("WithProgress given to Database.Migrator received no event")
	}
}
