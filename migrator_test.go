package retort_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retortdb/retort/dialect/dialecttest"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
)

// migrationFile returns a migration file's text.
func migrationFile(rev, parent, msg, up, down string) string {
	return fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message %s\n\n-- migrate:up\n%s\n-- migrate:down\n%s\n",
		rev, parent, msg, up, down)
}

// chain returns a directory of migrations, one per up section, each the
// parent of the next. Revision i (1-based) is revision(i).
func chain(ups ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	parent := "base"
	for i, up := range ups {
		rev := revision(i + 1)
		fsys[rev+"_m.sql"] = &fstest.MapFile{Data: []byte(migrationFile(rev, parent, fmt.Sprintf("migration %d", i+1), up, ""))}
		parent = rev
	}
	return fsys
}

func revision(i int) string { return fmt.Sprintf("2026010100%04d", i) }

// sqliteURL returns the URL of a new database file.
func sqliteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "app.db")
}

func openMigrator(t testing.TB, url string, fsys fstest.MapFS, opts ...retort.Option) *retort.Migrator {
	t.Helper()
	m, err := retort.OpenMigrator(context.Background(), url, fsys, opts...)
	if err != nil {
		t.Fatalf("OpenMigrator: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func queryInt(t testing.TB, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// concurrentMigrations create and fill two tables, then rebuild the child
// and the parent (which must not fire ON DELETE CASCADE) and a third
// table. Every migration logs its revision into log, once per run.
func concurrentMigrations() fstest.MapFS {
	ups := []string{
		`CREATE TABLE log (rev TEXT NOT NULL);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200)
  INSERT INTO users (id, name) SELECT x, 'user ' || x FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600)
  INSERT INTO notes (id, author_id, body) SELECT x, 1 + x % 200, 'note ' || x FROM c;`,
		`CREATE TABLE _retort_new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);
INSERT INTO _retort_new_notes (id, author_id, body) SELECT id, author_id, body FROM notes;
DROP TABLE notes;
ALTER TABLE _retort_new_notes RENAME TO notes;
CREATE INDEX notes_author_id_idx ON notes (author_id);`,
		`ALTER TABLE users ADD COLUMN email TEXT;
UPDATE users SET email = 'u' || id || '@example.com';`,
		`CREATE TABLE _retort_new_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE);
INSERT INTO _retort_new_users (id, name, email) SELECT id, name, email FROM users;
DROP TABLE users;
ALTER TABLE _retort_new_users RENAME TO users;`,
		`CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id), tag TEXT);`,
		`INSERT INTO tags (note_id, tag) SELECT id, 'tag' FROM notes WHERE id % 3 = 0;`,
		`CREATE TABLE _retort_new_tags (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE, tag TEXT NOT NULL);
INSERT INTO _retort_new_tags (id, note_id, tag) SELECT id, note_id, tag FROM tags;
DROP TABLE tags;
ALTER TABLE _retort_new_tags RENAME TO tags;`,
		`CREATE VIEW note_counts AS SELECT author_id, count(*) AS n FROM notes GROUP BY author_id;`,
		`CREATE INDEX tags_tag_idx ON tags (tag);`,
	}
	for i := range ups {
		ups[i] += fmt.Sprintf("\nINSERT INTO log (rev) VALUES ('%s');", revision(i+1))
	}
	return chain(ups...)
}

func TestConcurrentUpgrade(t *testing.T) {
	const workers = 8
	ctx := context.Background()
	fsys := concurrentMigrations()
	url := sqliteURL(t)
	migrators := make([]*retort.Migrator, workers)
	for i := range migrators {
		migrators[i] = openMigrator(t, url, fsys)
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([][]migrate.Result, workers)
	errs := make([]error, workers)
	for i, m := range migrators {
		wg.Go(func() {
			<-start
			results[i], errs[i] = m.Upgrade(ctx, "head")
		})
	}
	close(start)
	wg.Wait()

	ran := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: Upgrade: %v", i, err)
		}
		for _, r := range results[i] {
			if !r.Skipped {
				ran[r.Revision]++
			}
		}
	}
	revs := migrators[0].Graph().Revisions()
	for _, rev := range revs {
		if ran[rev] != 1 {
			t.Errorf("revision %s was reported applied by %d workers, want 1", rev, ran[rev])
		}
	}

	db := migrators[0].Database().DB()
	log := queryRows(t, db, "SELECT rev, count(*) FROM log GROUP BY rev ORDER BY rev")
	var want []string
	for i := range len(revs) {
		want = append(want, revision(i+1)+"|1")
	}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("log: each migration must have run exactly once (-want +got):\n%s", diff)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM retort_revisions WHERE progress = -1"); n != len(revs) {
		t.Errorf("version rows = %d, want %d", n, len(revs))
	}
	checks := []struct {
		query string
		want  []string
	}{
		{"PRAGMA integrity_check", []string{"ok"}},
		{"PRAGMA foreign_key_check", nil},
		{"SELECT count(*) FROM users", []string{"200"}},
		{"SELECT count(*) FROM notes", []string{"600"}},
		{"SELECT count(*) FROM tags", []string{"200"}},
		{"SELECT count(*) FROM sqlite_schema WHERE name LIKE '_retort_new_%'", []string{"0"}},
	}
	for _, c := range checks {
		if got := queryRows(t, db, c.query); !cmp.Equal(got, c.want) {
			t.Errorf("%s = %v, want %v", c.query, got, c.want)
		}
	}
	for i, m := range migrators {
		cur, err := m.Current(ctx)
		if err != nil || !cmp.Equal(cur, []string{revision(len(revs))}) {
			t.Errorf("worker %d: Current = %v, %v; want [%s]", i, cur, err, revision(len(revs)))
		}
	}
}

// queryRows returns each row of query as its columns joined by "|".
func queryRows(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	return dialecttest.RowsSep(t, db, "|", query)
}

func TestMigratorStopsAtTheFailedMigration(t *testing.T) {
	ctx := context.Background()
	fsys := chain(
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('ada'), ('bob');",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id));\nINSERT INTO notes (author_id) VALUES (1);",
		"ALTER TABLE users ADD COLUMN email TEXT;\nUPDATE userz SET email = name || '@example.com';",
		"CREATE TABLE tags (id INTEGER PRIMARY KEY);",
	)
	var events []string
	m := openMigrator(t, sqliteURL(t), fsys, retort.WithProgress(func(e migrate.Event) {
		if e.Kind == migrate.Finished {
			events = append(events, e.Revision)
		}
	}))
	if _, err := m.Upgrade(ctx, "+1"); err != nil {
		t.Fatal(err)
	}
	// want: the database at migration 2, as a second database reached
	// without any failure.
	ref := openMigrator(t, sqliteURL(t), fsys)
	if _, err := ref.Upgrade(ctx, revision(2)); err != nil {
		t.Fatal(err)
	}
	wantSchema, err := ref.Database().Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}

	res, err := m.Upgrade(ctx, "head")
	var se *migrate.StmtError
	if !errors.As(err, &se) {
		t.Fatalf("Upgrade error = %v, want a *migrate.StmtError", err)
	}
	if se.File != revision(3)+"_m.sql" || se.Line != 7 || !strings.Contains(se.Err.Error(), "no such table: userz") {
		t.Errorf("StmtError = {File %q, Line %d, Err %v}, want %s_m.sql line 7, no such table: userz", se.File, se.Line, se.Err, revision(3))
	}
	if len(res) != 1 || res[0].Revision != revision(2) {
		t.Errorf("Upgrade results = %+v, want migration 2 only", res)
	}
	if want := []string{revision(1), revision(2)}; !cmp.Equal(events, want) {
		t.Errorf("progress events = %v, want %v", events, want)
	}
	got, err := m.Database().Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantSchema, got); diff != "" {
		t.Errorf("schema after the failure differs from the schema at migration 2 (-want +got):\n%s", diff)
	}
	cur, err := m.Current(ctx)
	if err != nil || !cmp.Equal(cur, []string{revision(2)}) {
		t.Errorf("Current = %v, %v; want [%s]", cur, err, revision(2))
	}
	pending, err := m.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, f := range pending {
		revs = append(revs, f.Revision)
	}
	if want := []string{revision(3), revision(4)}; !cmp.Equal(revs, want) {
		t.Errorf("Pending = %v, want %v", revs, want)
	}
	db := m.Database().DB()
	for q, want := range map[string]int{"SELECT count(*) FROM users": 2, "SELECT count(*) FROM notes": 1, "SELECT count(*) FROM retort_revisions": 2} {
		if n := queryInt(t, db, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}

func TestMigratorChangedFile(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	v1 := chain("CREATE TABLE users (id INTEGER PRIMARY KEY);")
	if _, err := openMigrator(t, url, v1).Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	v2 := chain("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);", "CREATE TABLE tags (id INTEGER PRIMARY KEY);")
	changedName := revision(1) + "_m.sql"

	m := openMigrator(t, url, v2)
	for name, call := range map[string]func() error{
		"Upgrade":   func() error { _, err := m.Upgrade(ctx, "head"); return err },
		"Pending":   func() error { _, err := m.Pending(ctx); return err },
		"Downgrade": func() error { _, err := m.Downgrade(ctx, "base"); return err },
	} {
		var ce *migrate.ChangedError
		if err := call(); !errors.As(err, &ce) || !cmp.Equal(ce.Files, []string{changedName}) {
			t.Errorf("%s: error %v, want a *migrate.ChangedError naming %s", name, err, changedName)
		}
	}
	if n := queryInt(t, m.Database().DB(), "SELECT count(*) FROM sqlite_schema WHERE name = 'tags'"); n != 0 {
		t.Error("the migration after the changed file was applied")
	}

	res, err := openMigrator(t, url, v2, retort.WithAllowChanged()).Upgrade(ctx, "head")
	if err != nil || len(res) != 1 || res[0].Revision != revision(2) {
		t.Fatalf("Upgrade WithAllowChanged = %+v, %v; want migration 2 applied", res, err)
	}
	if err := m.Stamp(ctx, "head"); err != nil {
		t.Fatalf("Stamp: %v", err)
	}
	if cur, err := m.Current(ctx); err != nil || !cmp.Equal(cur, []string{revision(2)}) {
		t.Errorf("after Stamp: Current = %v, %v; want [%s]", cur, err, revision(2))
	}
}

// BenchmarkUpgrade1000 applies 1,000 small migrations (CREATE TABLE or
// INSERT) to a new SQLite file through the Migrator, and runs the same
// statements directly on one connection, each in autocommit. x-direct is
// the ratio of the two: the runner's per-migration overhead (envelope,
// version row, re-check) relative to executing the statement alone.
func BenchmarkUpgrade1000(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	var ups []string
	for i := range n {
		if i%2 == 0 {
			ups = append(ups, fmt.Sprintf("CREATE TABLE t%d (id INTEGER PRIMARY KEY, v TEXT)", i))
		} else {
			ups = append(ups, fmt.Sprintf("INSERT INTO t%d (v) VALUES ('x')", i-1))
		}
	}
	fsys := chain(ups...)
	dir := b.TempDir()
	var viaRunner, direct time.Duration
	runs := 0
	for b.Loop() {
		runs++
		m := openMigrator(b, fmt.Sprintf("sqlite:%s/runner%d.db", dir, runs), fsys)
		start := time.Now()
		res, err := m.Upgrade(ctx, "head")
		viaRunner += time.Since(start)
		if err != nil || len(res) != n {
			b.Fatalf("Upgrade: %d migrations, %v", len(res), err)
		}
		m.Close()

		db, err := sql.Open("sqlite", fmt.Sprintf("file:%s/direct%d.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)", dir, runs))
		if err != nil {
			b.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		for _, s := range ups {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		direct += time.Since(start)
		conn.Close()
		db.Close()
	}
	b.ReportMetric(float64(viaRunner)/float64(direct), "x-direct")
	b.ReportMetric(float64(viaRunner.Microseconds())/float64(runs*n), "µs/migration")
	b.ReportMetric(float64(direct.Microseconds())/float64(runs*n), "µs/stmt-direct")
}

func TestNewMigratorRejectsBadDirectories(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{
			name: "missing parent",
			fsys: fstest.MapFS{"20260101000002_b.sql": {Data: []byte(migrationFile("20260101000002", "20260101000001", "b", "SELECT 1;", ""))}},
			want: "20260101000001",
		},
		{
			name: "malformed file",
			fsys: fstest.MapFS{"20260101000001_a.sql": {Data: []byte("-- retort:revision 20260101000001\n-- migrate:up\nSELECT 1;\n")}},
			want: "20260101000001_a.sql:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := retort.NewMigrator(db, sqlite.New(), tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewMigrator error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// TestScriptDoesWhatUpgradeDoes runs the offline script (Migrator.Script)
// on one database and Upgrade or Downgrade on another: the schemas, rows
// and version rows must be the same. Script itself must not touch the
// database.
func TestScriptDoesWhatUpgradeDoes(t *testing.T) {
	type updown struct{ up, down string }
	migrations := []updown{
		{
			"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO users (name) VALUES ('ada'), ('it''s bob');",
			"DROP TABLE users;",
		},
		{
			"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);\nINSERT INTO notes (author_id, body) VALUES (1, 'a; b'), (2, 'c');",
			"DROP TABLE notes;",
		},
		{
			`CREATE TABLE _retort_new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);
INSERT INTO _retort_new_notes (id, author_id, body) SELECT id, author_id, body FROM notes;
DROP TABLE notes;
ALTER TABLE _retort_new_notes RENAME TO notes;`,
			`CREATE TABLE _retort_new_notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);
INSERT INTO _retort_new_notes (id, author_id, body) SELECT id, author_id, body FROM notes;
DROP TABLE notes;
ALTER TABLE _retort_new_notes RENAME TO notes;`,
		},
		{
			"CREATE TRIGGER notes_body AFTER INSERT ON notes BEGIN UPDATE notes SET body = trim(body) WHERE id = new.id; END;",
			"DROP TRIGGER notes_body;",
		},
		{
			"CREATE INDEX notes_author_id_idx ON notes (author_id);",
			"DROP INDEX notes_author_id_idx;",
		},
	}
	fsys := fstest.MapFS{}
	parent := "base"
	for i, m := range migrations {
		rev := revision(i + 1)
		fsys[rev+"_m.sql"] = &fstest.MapFile{Data: []byte(migrationFile(rev, parent, fmt.Sprintf("migration %d", i+1), m.up, m.down))}
		parent = rev
	}
	mid := revision(2)
	tests := []struct {
		name   string
		setup  string // target the databases are upgraded to first ("" for none)
		from   string // Script's from
		target string
		dir    migrate.Direction
	}{
		{name: "upgrade from base", target: "head", dir: migrate.Up},
		{name: "upgrade from a revision", setup: mid, from: mid, target: "head", dir: migrate.Up},
		{name: "downgrade to base", setup: "head", target: "base", dir: migrate.Down},
		{name: "downgrade to a revision", setup: "head", from: revision(len(migrations)), target: mid, dir: migrate.Down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			online := openMigrator(t, sqliteURL(t), fsys)
			offline := openMigrator(t, sqliteURL(t), fsys)
			if tt.setup != "" {
				for _, m := range []*retort.Migrator{online, offline} {
					if _, err := m.Upgrade(ctx, tt.setup); err != nil {
						t.Fatal(err)
					}
				}
			}
			var script strings.Builder
			if err := offline.Script(&script, tt.from, tt.target, tt.dir); err != nil {
				t.Fatalf("Script: %v", err)
			}
			if tt.setup == "" {
				if n := queryInt(t, offline.Database().DB(), "SELECT count(*) FROM sqlite_schema"); n != 0 {
					t.Fatalf("Script created %d schema objects", n)
				}
			}
			conn, err := offline.Database().DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.ExecContext(ctx, script.String())
			conn.Close()
			if err != nil {
				t.Fatalf("running the script: %v\n%s", err, &script)
			}

			var err2 error
			if tt.dir == migrate.Up {
				_, err2 = online.Upgrade(ctx, tt.target)
			} else {
				_, err2 = online.Downgrade(ctx, tt.target)
			}
			if err2 != nil {
				t.Fatal(err2)
			}
			queries := []string{
				"SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
				"SELECT revision, parents, message, checksum, progress FROM retort_revisions ORDER BY revision",
			}
			if tt.target != "base" {
				queries = append(queries, "SELECT * FROM users ORDER BY id", "SELECT * FROM notes ORDER BY id")
			}
			for _, q := range queries {
				want, got := queryRows(t, online.Database().DB(), q), queryRows(t, offline.Database().DB(), q)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: script vs %s (-online +offline):\n%s", q, tt.dir, diff)
				}
			}
		})
	}
}
