package retort_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/migrate"
)

// goEngines are the engines a Go migration is tested on, each with the URL
// of a fresh database.
var goEngines = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return sqliteURL(t) }},
	{"postgres", func(t *testing.T) string { return testdb.Postgres(t) }},
	{"mysql", func(t *testing.T) string { return testdb.MySQL(t) }},
}

// goMigrations is a SQL migration that creates notes with empty slugs, a
// Go migration (revision 2) that fills them in, and a SQL migration that
// adds a unique index on the slugs, which fails unless the backfill ran
// before it.
func goMigrations(engine, version string) fstest.MapFS {
	dropIndex := "DROP INDEX notes_slug_key"
	if engine == "mysql" {
		dropIndex += " ON notes"
	}
	return fstest.MapFS{
		"1_notes.sql": {Data: []byte(migration("1", "base", "notes",
			"CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, slug VARCHAR(100) NOT NULL DEFAULT '');\n"+
				"INSERT INTO notes (id, title) VALUES (1, 'Hello World'), (2, 'Ünïcode Notes'), (3, 'a  b');",
			"DROP TABLE notes;"))},
		"2_slugs.sql": {Data: []byte(goPlaceholder("2", "1", "backfill slugs", version))},
		"3_unique_slugs.sql": {Data: []byte(migration("3", "2", "unique slugs",
			"CREATE UNIQUE INDEX notes_slug_key ON notes (slug);", dropIndex+";"))},
	}
}

func migration(rev, parent, msg, up, down string) string {
	return fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message %s\n\n-- migrate:up\n%s\n\n-- migrate:down\n%s\n",
		rev, parent, msg, up, down)
}

func goPlaceholder(rev, parent, msg, version string) string {
	return fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message %s\n-- retort:go version:%s program:app\n",
		rev, parent, msg, version)
}

// slug is what SQL cannot say portably: lower-case letters and digits of
// any script, runs of anything else one "-".
func slug(title string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}), "-")
}

// backfill is the Go migration of goMigrations on engine.
func backfill(engine, version string) migrate.GoMigration {
	return migrate.GoMigration{
		Revision: "2",
		Version:  version,
		Up: func(ctx context.Context, tx dialect.Querier) error {
			for id := 1; id <= 3; id++ { // the notes of 1_notes.sql
				var title string
				if err := tx.QueryRowContext(ctx, "SELECT title FROM notes WHERE id = "+param(engine, 1), id).Scan(&title); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "UPDATE notes SET slug = "+param(engine, 1)+" WHERE id = "+param(engine, 2), slug(title), id); err != nil {
					return err
				}
			}
			return nil
		},
		Down: func(ctx context.Context, tx dialect.Querier) error {
			_, err := tx.ExecContext(ctx, "UPDATE notes SET slug = ''")
			return err
		},
	}
}

// param returns the n-th bind parameter of engine.
func param(engine string, n int) string {
	if engine == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func slugs(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return dialecttest.Rows(t, db, "SELECT slug FROM notes ORDER BY id")
}

func revisions(t *testing.T, m *retort.Migrator) []string {
	t.Helper()
	recs, err := m.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if !r.Complete() {
			t.Errorf("revision %s partly applied (%d)", r.Revision, r.Progress)
		}
		out = append(out, r.Revision)
	}
	return out
}

func resultRevisions(res []migrate.Result) []string {
	out := []string{}
	for _, r := range res {
		out = append(out, r.Revision)
	}
	return out
}

func TestGoMigration(t *testing.T) {
	ctx := context.Background()
	wantSlugs := []string{"hello-world", "ünïcode-notes", "a-b"}
	for _, e := range goEngines {
		t.Run(e.name+"/runs once in order with the SQL migrations", func(t *testing.T) {
			m := openMigrator(t, e.url(t), goMigrations(e.name, "v1"), retort.WithGoMigrations(backfill(e.name, "v1")))
			res, err := m.Upgrade(ctx, "head")
			if err != nil {
				t.Fatal(err)
			}
			if got := resultRevisions(res); !slices.Equal(got, []string{"1", "2", "3"}) {
				t.Errorf("ran %v, want [1 2 3]", got)
			}
			if got := slugs(t, m.Database().DB()); !slices.Equal(got, wantSlugs) {
				t.Errorf("slugs %q, want %q", got, wantSlugs)
			}
			if res, err = m.Upgrade(ctx, "head"); err != nil || len(res) != 0 {
				t.Errorf("second upgrade ran %v, %v; want nothing", resultRevisions(res), err)
			}
			recs, err := m.History(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := recs[1].Checksum, migrate.GoChecksum("2", "v1"); recs[1].Revision != "2" || got != want {
				t.Errorf("version row %s has checksum %s, want %s", recs[1].Revision, got, want)
			}
		})
		t.Run(e.name+"/a failure rolls the Go migration back", func(t *testing.T) {
			url := e.url(t)
			boom := errors.New("boom")
			failing := backfill(e.name, "v1")
			up := failing.Up
			failing.Up = func(ctx context.Context, tx dialect.Querier) error {
				if err := up(ctx, tx); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO notes (id, title) VALUES (4, 'half')"); err != nil {
					return err
				}
				return boom
			}
			m := openMigrator(t, url, goMigrations(e.name, "v1"), retort.WithGoMigrations(failing))
			_, err := m.Upgrade(ctx, "head")
			var ge *migrate.GoFuncError
			if !errors.As(err, &ge) || !errors.Is(err, boom) || ge.Revision != "2" || ge.File != "2_slugs.sql" {
				t.Fatalf("err = %v, want a *migrate.GoFuncError for 2_slugs.sql wrapping boom", err)
			}
			db := m.Database().DB()
			if got := slugs(t, db); !slices.Equal(got, []string{"", "", ""}) {
				t.Errorf("slugs %q after the failure, want them untouched", got)
			}
			if got := revisions(t, m); !slices.Equal(got, []string{"1"}) {
				t.Errorf("version table %v, want [1]", got)
			}
			// Fixed, the next upgrade runs it and what follows.
			m = openMigrator(t, url, goMigrations(e.name, "v1"), retort.WithGoMigrations(backfill(e.name, "v1")))
			res, err := m.Upgrade(ctx, "head")
			if err != nil || !slices.Equal(resultRevisions(res), []string{"2", "3"}) {
				t.Fatalf("upgrade after the fix ran %v, %v; want [2 3]", resultRevisions(res), err)
			}
		})
		t.Run(e.name+"/downgrade runs its down", func(t *testing.T) {
			m := openMigrator(t, e.url(t), goMigrations(e.name, "v1"), retort.WithGoMigrations(backfill(e.name, "v1")))
			if _, err := m.Upgrade(ctx, "head"); err != nil {
				t.Fatal(err)
			}
			res, err := m.Downgrade(ctx, "1")
			if err != nil || !slices.Equal(resultRevisions(res), []string{"3", "2"}) {
				t.Fatalf("downgrade ran %v, %v; want [3 2]", resultRevisions(res), err)
			}
			if got := slugs(t, m.Database().DB()); !slices.Equal(got, []string{"", "", ""}) {
				t.Errorf("slugs %q after downgrade, want them emptied", got)
			}
			if got := revisions(t, m); !slices.Equal(got, []string{"1"}) {
				t.Errorf("version table %v, want [1]", got)
			}
		})
		t.Run(e.name+"/a new version is a changed migration", func(t *testing.T) {
			url := e.url(t)
			m := openMigrator(t, url, goMigrations(e.name, "v1"), retort.WithGoMigrations(backfill(e.name, "v1")))
			if _, err := m.Upgrade(ctx, "2"); err != nil {
				t.Fatal(err)
			}
			m = openMigrator(t, url, goMigrations(e.name, "v2"), retort.WithGoMigrations(backfill(e.name, "v2")))
			_, err := m.Upgrade(ctx, "head")
			var ce *migrate.ChangedError
			if !errors.As(err, &ce) || !slices.Equal(ce.Files, []string{"2_slugs.sql"}) {
				t.Fatalf("err = %v, want a *migrate.ChangedError naming 2_slugs.sql", err)
			}
			if got := revisions(t, m); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("version table %v, want [1 2] (nothing ran)", got)
			}
		})
		t.Run(e.name+"/a Go migration as a merge parent", func(t *testing.T) {
			fsys := goMigrations(e.name, "v1")
			delete(fsys, "3_unique_slugs.sql")
			fsys["4_titles.sql"] = &fstest.MapFile{Data: []byte(migration("4", "1", "more notes",
				"INSERT INTO notes (id, title) VALUES (4, 'Four');", "DELETE FROM notes WHERE id = 4;"))}
			fsys["5_merge.sql"] = &fstest.MapFile{Data: []byte(migration("5", "2, 4", "merge", "", ""))}
			m := openMigrator(t, e.url(t), fsys, retort.WithGoMigrations(backfill(e.name, "v1")))
			if heads := m.Graph().Heads(); !slices.Equal(heads, []string{"5"}) {
				t.Fatalf("heads %v, want [5]", heads)
			}
			res, err := m.Upgrade(ctx, "head")
			if err != nil || !slices.Equal(resultRevisions(res), []string{"1", "2", "4", "5"}) {
				t.Fatalf("upgrade ran %v, %v; want [1 2 4 5]", resultRevisions(res), err)
			}
			if got := slugs(t, m.Database().DB()); !slices.Equal(got, append(wantSlugs, "")) {
				t.Errorf("slugs %q, want %q and an empty one for note 4 (added on the other branch)", got, wantSlugs)
			}
			res, err = m.Downgrade(ctx, "4")
			if err != nil || !slices.Equal(resultRevisions(res), []string{"5", "2"}) {
				t.Fatalf("downgrade to 4 ran %v, %v; want [5 2]", resultRevisions(res), err)
			}
			if got := slugs(t, m.Database().DB()); !slices.Equal(got, []string{"", "", "", ""}) {
				t.Errorf("slugs %q after downgrade, want them emptied", got)
			}
		})
		t.Run(e.name+"/a placeholder without code runs nothing", func(t *testing.T) {
			m := openMigrator(t, e.url(t), goMigrations(e.name, "v1"))
			_, err := m.Upgrade(ctx, "head")
			var ge *migrate.GoMigrationError
			if !errors.As(err, &ge) || ge.Revision != "2" || ge.Program != "app" || !strings.Contains(err.Error(), "run it with app") {
				t.Fatalf("err = %v, want a *migrate.GoMigrationError naming revision 2 and program app", err)
			}
			if got := revisions(t, m); len(got) != 0 {
				t.Errorf("version table %v, want nothing applied", got)
			}
			// Up to its parent, nothing needs the code.
			if res, err := m.Upgrade(ctx, "1"); err != nil || len(res) != 1 {
				t.Errorf("upgrade 1 ran %v, %v", resultRevisions(res), err)
			}
		})
	}
}

// TestGoMigrationDDLRefusedOnMySQL: MySQL commits a schema statement
// implicitly, which would commit a Go migration's data changes half-way;
// the runner refuses it, even when the function ignores the error, and
// the migration's changes roll back.
func TestGoMigrationDDLRefusedOnMySQL(t *testing.T) {
	ctx := context.Background()
	for _, swallow := range []bool{false, true} {
		t.Run(fmt.Sprintf("error ignored %v", swallow), func(t *testing.T) {
			ddl := backfill("mysql", "v1")
			up := ddl.Up
			ddl.Up = func(ctx context.Context, tx dialect.Querier) error {
				if err := up(ctx, tx); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "CREATE TABLE slug_history (id INT)")
				if swallow {
					return nil
				}
				return err
			}
			m := openMigrator(t, testdb.MySQL(t), goMigrations("mysql", "v1"), retort.WithGoMigrations(ddl))
			_, err := m.Upgrade(ctx, "head")
			var re *migrate.GoRefusedError
			if !errors.As(err, &re) || re.Stmt != "CREATE TABLE slug_history (id INT)" || !strings.Contains(err.Error(), "may only read and change data") {
				t.Fatalf("err = %v, want a *migrate.GoRefusedError for the CREATE TABLE", err)
			}
			db := m.Database().DB()
			if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'slug_history'"); n != 0 {
				t.Error("the refused CREATE TABLE ran")
			}
			if got := slugs(t, db); !slices.Equal(got, []string{"", "", ""}) {
				t.Errorf("slugs %q, want the backfill rolled back", got)
			}
			if got := revisions(t, m); !slices.Equal(got, []string{"1"}) {
				t.Errorf("version table %v, want [1]", got)
			}
		})
	}
	t.Run("declared schema change", func(t *testing.T) {
		m := backfill("mysql", "v1")
		m.Schema = []string{"ALTER TABLE notes ADD COLUMN n INT"}
		_, err := retort.OpenMigrator(ctx, testdb.MySQL(t), goMigrations("mysql", "v1"), retort.WithGoMigrations(m))
		if err == nil || !strings.Contains(err.Error(), "Go migration 2 declares a schema change, but mysql commits schema changes implicitly") {
			t.Fatalf("err = %v, want the declared schema change refused", err)
		}
	})
}

// TestGoMigrationReplay: replaying the migrations (check, autogenerate)
// treats a Go migration as schema-neutral, unless its code declares the
// schema change it makes; without the code (the CLI), as neutral too.
func TestGoMigrationReplay(t *testing.T) {
	ctx := context.Background()
	// Replay runs no Go code: rows that earlier migrations insert keep
	// their empty slugs there, and the unique index on them would fail.
	fsys := goMigrations("sqlite", "v1")
	fsys["1_notes.sql"] = &fstest.MapFile{Data: []byte(migration("1", "base", "notes",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, slug VARCHAR(100) NOT NULL DEFAULT '');", "DROP TABLE notes;"))}
	withColumn := backfill("sqlite", "v1")
	withColumn.Schema = []string{"ALTER TABLE notes ADD COLUMN slug_source TEXT"}
	for _, tt := range []struct {
		name string
		opts []retort.Option
		want bool // the head has notes.slug_source
	}{
		{"no code", nil, false},
		{"data only", []retort.Option{retort.WithGoMigrations(backfill("sqlite", "v1"))}, false},
		{"declared schema change", []retort.Option{retort.WithGoMigrations(withColumn)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := openMigrator(t, sqliteURL(t), fsys, tt.opts...)
			head, err := m.HeadSchema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			notes, ok := head.Table("notes")
			if !ok {
				t.Fatal("no notes table at head")
			}
			if _, got := notes.Column("slug_source"); got != tt.want {
				t.Errorf("slug_source at head: %v, want %v", got, tt.want)
			}
		})
	}
}

// TestGoMigrationRegistrationErrors: code without placeholder, or with
// another version than its placeholder, is an error naming the revision
// before anything runs; offline SQL through a Go migration is refused.
func TestGoMigrationRegistrationErrors(t *testing.T) {
	ctx := context.Background()
	orphan := backfill("sqlite", "v1")
	orphan.Revision = "7"
	for _, tt := range []struct {
		name string
		m    migrate.GoMigration
		want string
	}{
		{"no placeholder", orphan, "Go migration 7 is registered, but the migrations directory has no file for it"},
		{"another version", backfill("sqlite", "v2"), "Go migration 2 is registered as version v2, but 2_slugs.sql:4 says version:v1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := retort.OpenMigrator(ctx, sqliteURL(t), goMigrations("sqlite", "v1"), retort.WithGoMigrations(tt.m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("irreversible", func(t *testing.T) {
		upOnly := backfill("sqlite", "v1")
		upOnly.Down = nil
		m := openMigrator(t, sqliteURL(t), goMigrations("sqlite", "v1"), retort.WithGoMigrations(upOnly))
		if _, err := m.Upgrade(ctx, "head"); err != nil {
			t.Fatal(err)
		}
		_, err := m.Downgrade(ctx, "base")
		var ie *migrate.IrreversibleError
		if !errors.As(err, &ie) || ie.File != "2_slugs.sql" {
			t.Fatalf("err = %v, want a *migrate.IrreversibleError for 2_slugs.sql", err)
		}
		if got := revisions(t, m); !slices.Equal(got, []string{"1", "2", "3"}) {
			t.Errorf("version table %v, want [1 2 3] (nothing reverted)", got)
		}
	})
	t.Run("offline SQL", func(t *testing.T) {
		m := openMigrator(t, sqliteURL(t), goMigrations("sqlite", "v1"), retort.WithGoMigrations(backfill("sqlite", "v1")))
		var b strings.Builder
		err := m.Script(&b, "", "head", migrate.Up)
		var ge *migrate.GoMigrationError
		if !errors.As(err, &ge) || !ge.Offline || ge.Revision != "2" {
			t.Fatalf("err = %v, want an offline *migrate.GoMigrationError for revision 2", err)
		}
		if b.Len() != 0 {
			t.Errorf("printed SQL before refusing:\n%s", b.String())
		}
		if err := m.Script(&b, "", "1", migrate.Up); err != nil || !strings.Contains(b.String(), "CREATE TABLE notes") {
			t.Errorf("SQL up to the Go migration's parent: %v\n%s", err, b.String())
		}
	})
}

// TestGoMigrationMayNotEndItsTransaction: COMMIT inside a Go migration
// would commit its changes without its version row; it is refused on every
// engine, through QueryRowContext too, and everything rolls back.
func TestGoMigrationMayNotEndItsTransaction(t *testing.T) {
	ctx := context.Background()
	for _, e := range goEngines {
		for _, via := range []string{"exec", "query row"} {
			t.Run(e.name+"/"+via, func(t *testing.T) {
				committing := backfill(e.name, "v1")
				up := committing.Up
				committing.Up = func(ctx context.Context, tx dialect.Querier) error {
					if err := up(ctx, tx); err != nil {
						return err
					}
					if via == "exec" {
						_, err := tx.ExecContext(ctx, "COMMIT")
						return err
					}
					var n int
					if err := tx.QueryRowContext(ctx, "COMMIT").Scan(&n); !errors.Is(err, sql.ErrNoRows) {
						t.Errorf("Scan after a refused QueryRowContext: %v, want sql.ErrNoRows", err)
					}
					return nil
				}
				m := openMigrator(t, e.url(t), goMigrations(e.name, "v1"), retort.WithGoMigrations(committing))
				_, err := m.Upgrade(ctx, "head")
				var re *migrate.GoRefusedError
				if !errors.As(err, &re) || re.Stmt != "COMMIT" {
					t.Fatalf("err = %v, want a *migrate.GoRefusedError for COMMIT", err)
				}
				if got := slugs(t, m.Database().DB()); !slices.Equal(got, []string{"", "", ""}) {
					t.Errorf("slugs %q, want the backfill rolled back", got)
				}
				if got := revisions(t, m); !slices.Equal(got, []string{"1"}) {
					t.Errorf("version table %v, want [1]", got)
				}
			})
		}
	}
}

// TestGoMigrationRunsOnceUnderTheLock: two processes that start at once
// (two migrators on one database) run the Go code once between them.
func TestGoMigrationRunsOnceUnderTheLock(t *testing.T) {
	ctx := context.Background()
	for _, e := range goEngines {
		t.Run(e.name, func(t *testing.T) {
			url := e.url(t)
			var calls atomic.Int32
			counted := backfill(e.name, "v1")
			up := counted.Up
			counted.Up = func(ctx context.Context, tx dialect.Querier) error {
				calls.Add(1)
				time.Sleep(100 * time.Millisecond) // the other one has planned it by now
				return up(ctx, tx)
			}
			ms := []*retort.Migrator{
				openMigrator(t, url, goMigrations(e.name, "v1"), retort.WithGoMigrations(counted)),
				openMigrator(t, url, goMigrations(e.name, "v1"), retort.WithGoMigrations(counted)),
			}
			errs := make(chan error, len(ms))
			for _, m := range ms {
				go func() {
					_, err := m.Upgrade(ctx, "head")
					errs <- err
				}()
			}
			for range ms {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("the Go migration ran %d times, want once", n)
			}
			if got := slugs(t, ms[0].Database().DB()); !slices.Equal(got, []string{"hello-world", "ünïcode-notes", "a-b"}) {
				t.Errorf("slugs %q", got)
			}
		})
	}
}
