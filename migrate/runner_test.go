package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retortdb/retort/dialect/dialecttest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/sqlite"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// Revisions of the test migrations, and their file names.
const (
	rev1 = "20260101000001"
	rev2 = "20260101000002"
	rev3 = "20260101000003"
	rev4 = "20260101000004"
)

// migration returns the text of a migration file. Its header takes lines
// 1-5, so the n-th line of up (1-based) is line 5+n of the file.
func migration(rev, parent, msg, up, down string) string {
	return "-- retort:revision " + rev + "\n" +
		"-- retort:parent " + parent + "\n" +
		"-- retort:message " + msg + "\n" +
		"\n" +
		"-- migrate:up\n" +
		up + "\n" +
		"-- migrate:down\n" +
		down + "\n"
}

// fileName returns the name the migrations of these tests are stored under.
func fileName(rev, slug string) string { return rev + "_" + slug + ".sql" }

// graphOf parses files (name → contents) into a revision graph.
func graphOf(t *testing.T, files map[string]string) *migrate.Graph {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	parsed, err := migrate.ReadDir(fsys, ".")
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	g, err := migrate.NewGraph(parsed)
	if err != nil {
		t.Fatalf("NewGraph: %v", err)
	}
	return g
}

// openDB opens a new SQLite file with foreign keys on, as an application
// would. The pool holds one connection, so that state the runner leaves on
// its connection (PRAGMA foreign_keys) is visible to the test's queries.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newRunner(db *sql.DB, d dialect.Dialect, g *migrate.Graph) *migrate.Runner {
	return &migrate.Runner{
		Dialect: d,
		DB:      db,
		Graph:   g,
		History: migrate.NewHistory(d, ""),
		Now:     func() time.Time { return fixedNow },
	}
}

// state is everything a failed or cancelled migration must leave alone.
type state struct {
	Schema  *schema.Schema
	Rows    map[string][]string // table → its rows, in rowid order (not the version table's)
	Records []migrate.Record
	Current []string
}

func snapshot(t *testing.T, db *sql.DB, r *migrate.Runner) state {
	t.Helper()
	ctx := context.Background()
	s, err := r.Dialect.Inspect(ctx, db)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	recs, err := r.History.Records(ctx, db)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	applied, _ := migrate.Applied(recs)
	st := state{Schema: s, Rows: map[string][]string{}, Records: recs, Current: migrate.Current(r.Graph, applied)}
	for _, table := range queryStrings(t, db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") {
		if table == r.History.Table() {
			continue // in Records
		}
		st.Rows[table] = queryStrings(t, db, fmt.Sprintf(`SELECT * FROM %s ORDER BY rowid`, r.Dialect.Quote(table)))
	}
	return st
}

// queryStrings returns each row of query as its columns joined by "|".
func queryStrings(t *testing.T, q dialect.Querier, query string) []string {
	t.Helper()
	return dialecttest.RowsSep(t, q, "|", query)
}

func foreignKeysOn(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var on bool
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on
}

// ignoreTimes compares version rows without their timing columns, which
// differ between databases migrated at different moments.
var ignoreTimes = cmpopts.IgnoreFields(migrate.Record{}, "AppliedAt", "Duration")

// baseFiles are two good migrations: users with two rows, then notes.
func baseFiles() map[string]string {
	return map[string]string{
		fileName(rev1, "users"): migration(rev1, "base", "users",
			"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"+
				"INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob');",
			"DROP TABLE users;"),
		fileName(rev2, "notes"): migration(rev2, rev1, "notes",
			"CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body TEXT);\n"+
				"CREATE INDEX notes_author_id_idx ON notes (author_id);\n"+
				"INSERT INTO notes (author_id, body) VALUES (1, 'a'), (2, 'b');",
			"DROP TABLE notes;"),
	}
}

func TestUpgradeFailureRollsBackTheMigration(t *testing.T) {
	tests := []struct {
		name     string
		up       string // the failing migration's up section
		wantLine int    // the line of the failing statement in the file
		wantStmt string
		wantMsg  string // part of SQLite's message
	}{
		{
			name: "second statement names a missing table",
			up: "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n" +
				"INSERT INTO missing (id) VALUES (1);",
			wantLine: 7,
			wantStmt: "INSERT INTO missing (id) VALUES (1)",
			wantMsg:  "no such table: missing",
		},
		{
			name: "data changed, then a unique violation",
			up: "DELETE FROM notes;\n" +
				"UPDATE users SET name = upper(name);\n" +
				"INSERT INTO users (id, name) VALUES (3, 'ADA');",
			wantLine: 8,
			wantStmt: "INSERT INTO users (id, name) VALUES (3, 'ADA')",
			wantMsg:  "UNIQUE constraint failed: users.name",
		},
		{
			name: "table rebuild fails after the old table was dropped",
			up: "CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, email TEXT);\n" +
				"INSERT INTO users_new (id, name) SELECT id, name FROM users;\n" +
				"DROP TABLE users;\n" +
				"-- a typo in the table name\n" +
				"ALTER TABLE users_nwe RENAME TO users;",
			wantLine: 10,
			wantStmt: "ALTER TABLE users_nwe RENAME TO users",
			wantMsg:  "no such table: users_nwe",
		},
		{
			name: "statement spanning lines is reported at its first line",
			up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n" +
				"INSERT INTO tags (id)\n" +
				"  SELECT id FROM nowhere;",
			wantLine: 7,
			wantStmt: "INSERT INTO tags (id)\n  SELECT id FROM nowhere",
			wantMsg:  "no such table: nowhere",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			files := baseFiles()
			badName := fileName(rev3, "bad")
			files[badName] = migration(rev3, rev2, "bad", tt.up, "SELECT 1;")
			g := graphOf(t, files)
			d := sqlite.New()

			checkErr := func(t *testing.T, err error) {
				t.Helper()
				var se *migrate.StmtError
				if !errors.As(err, &se) {
					t.Fatalf("Upgrade error = %v (%T), want a *migrate.StmtError", err, err)
				}
				got := [4]string{se.File, fmt.Sprint(se.Line), se.Stmt, se.Revision}
				want := [4]string{badName, fmt.Sprint(tt.wantLine), tt.wantStmt, rev3}
				if got != want {
					t.Errorf("StmtError{File, Line, Stmt, Revision} = %q, want %q", got, want)
				}
				if se.Err == nil || !strings.Contains(se.Err.Error(), tt.wantMsg) {
					t.Errorf("StmtError.Err = %v, want SQLite's message %q", se.Err, tt.wantMsg)
				}
				if prefix := fmt.Sprintf("%s:%d: ", badName, tt.wantLine); !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error = %q, want it to start with %q", err, prefix)
				}
			}

			// Database A is at rev2 before the failing upgrade.
			dbA := openDB(t)
			rA := newRunner(dbA, d, g)
			if _, err := rA.Upgrade(ctx, rev2); err != nil {
				t.Fatalf("Upgrade %s: %v", rev2, err)
			}
			before := snapshot(t, dbA, rA)
			if want := []string{rev2}; !cmp.Equal(before.Current, want) {
				t.Fatalf("Current before = %v, want %v", before.Current, want)
			}
			res, err := rA.Upgrade(ctx, "head")
			checkErr(t, err)
			if len(res) != 0 {
				t.Errorf("Upgrade returned results %+v, want none", res)
			}
			if diff := cmp.Diff(before, snapshot(t, dbA, rA)); diff != "" {
				t.Errorf("the failed migration changed the database (-before +after):\n%s", diff)
			}
			if !foreignKeysOn(t, dbA) {
				t.Error("PRAGMA foreign_keys is OFF after the failed migration, want it restored")
			}

			// Database B upgrades from base: rev1 and rev2 stay applied,
			// one transaction per migration.
			dbB := openDB(t)
			rB := newRunner(dbB, d, g)
			res, err = rB.Upgrade(ctx, "head")
			checkErr(t, err)
			var ran []string
			for _, r := range res {
				ran = append(ran, r.Revision)
			}
			if want := []string{rev1, rev2}; !cmp.Equal(ran, want) {
				t.Errorf("Upgrade from base ran %v before failing, want %v", ran, want)
			}
			if diff := cmp.Diff(before, snapshot(t, dbB, rB), ignoreTimes); diff != "" {
				t.Errorf("upgrade from base that failed at %s differs from a database at %s (-want +got):\n%s", rev3, rev2, diff)
			}
		})
	}
}

func TestFixedMigrationRunsAfterFailure(t *testing.T) {
	ctx := context.Background()
	files := baseFiles()
	name := fileName(rev3, "tags")
	files[name] = migration(rev3, rev2, "tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tag (id) VALUES (1);", "DROP TABLE tags;")
	db := openDB(t)
	if _, err := newRunner(db, sqlite.New(), graphOf(t, files)).Upgrade(ctx, "head"); err == nil {
		t.Fatal("Upgrade with a typo succeeded")
	}
	// A failed migration leaves no version row, so the fixed file is not
	// "changed after it was applied".
	files[name] = migration(rev3, rev2, "tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tags (id) VALUES (1);", "DROP TABLE tags;")
	r := newRunner(db, sqlite.New(), graphOf(t, files))
	res, err := r.Upgrade(ctx, "head")
	if err != nil {
		t.Fatalf("Upgrade after the fix: %v", err)
	}
	if len(res) != 1 || res[0].Revision != rev3 || res[0].Skipped {
		t.Errorf("Upgrade after the fix ran %+v, want %s only", res, rev3)
	}
	if got := queryStrings(t, db, "SELECT count(*) FROM tags"); !cmp.Equal(got, []string{"1"}) {
		t.Errorf("tags rows = %v, want [1]", got)
	}
}

func TestChangedFileIsRefusedBeforeAnythingRuns(t *testing.T) {
	ctx := context.Background()
	editedName := fileName(rev1, "users")
	pending := fileName(rev3, "tags")
	edited := func() map[string]string {
		files := baseFiles()
		files[editedName] = strings.Replace(files[editedName], "(2, 'bob')", "(2, 'bob'), (3, 'cy')", 1)
		files[pending] = migration(rev3, rev2, "tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY);", "DROP TABLE tags;")
		return files
	}
	tests := []struct {
		name string
		// accept makes the runner accept the edit; it returns the
		// runner to upgrade with.
		accept func(t *testing.T, db *sql.DB, g *migrate.Graph) *migrate.Runner
		// thenRefused says whether a plain runner still refuses afterwards.
		thenRefused bool
	}{
		{
			name: "allow changed runs the pending migration",
			accept: func(t *testing.T, db *sql.DB, g *migrate.Graph) *migrate.Runner {
				r := newRunner(db, sqlite.New(), g)
				r.AllowChanged = true
				return r
			},
			thenRefused: true, // the recorded checksum is still the old one
		},
		{
			name: "stamp re-records the checksums",
			accept: func(t *testing.T, db *sql.DB, g *migrate.Graph) *migrate.Runner {
				r := newRunner(db, sqlite.New(), g)
				if err := r.Stamp(ctx, rev2); err != nil {
					t.Fatalf("Stamp: %v", err)
				}
				return r
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			if _, err := newRunner(db, sqlite.New(), graphOf(t, baseFiles())).Upgrade(ctx, "head"); err != nil {
				t.Fatal(err)
			}
			g := graphOf(t, edited())
			r := newRunner(db, sqlite.New(), g)
			before := snapshot(t, db, r)

			for _, dir := range []migrate.Direction{migrate.Up, migrate.Down} {
				var res []migrate.Result
				var err error
				if dir == migrate.Up {
					res, err = r.Upgrade(ctx, "head")
				} else {
					res, err = r.Downgrade(ctx, "base")
				}
				var ce *migrate.ChangedError
				if !errors.As(err, &ce) {
					t.Fatalf("%sgrade error = %v, want a *migrate.ChangedError", dir, err)
				}
				if want := []string{editedName}; !cmp.Equal(ce.Files, want) {
					t.Errorf("ChangedError.Files = %v, want %v", ce.Files, want)
				}
				for _, part := range []string{editedName, "--allow-changed", "stamp"} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not mention %q", err, part)
					}
				}
				if len(res) != 0 {
					t.Errorf("%sgrade ran %+v, want nothing", dir, res)
				}
				if diff := cmp.Diff(before, snapshot(t, db, r)); diff != "" {
					t.Errorf("refused %sgrade changed the database (-before +after):\n%s", dir, diff)
				}
			}

			res, err := tt.accept(t, db, g).Upgrade(ctx, "head")
			if err != nil {
				t.Fatalf("Upgrade after accepting the edit: %v", err)
			}
			if len(res) != 1 || res[0].Revision != rev3 {
				t.Errorf("Upgrade after accepting ran %+v, want %s", res, rev3)
			}
			if got := queryStrings(t, db, "SELECT count(*) FROM users"); !cmp.Equal(got, []string{"2"}) {
				t.Errorf("users rows = %v: the edited, applied migration ran again", got)
			}
			_, err = newRunner(db, sqlite.New(), g).Upgrade(ctx, "head")
			var ce *migrate.ChangedError
			if refused := errors.As(err, &ce); refused != tt.thenRefused {
				t.Errorf("a later plain upgrade: error %v, want refused = %v", err, tt.thenRefused)
			} else if !refused && err != nil {
				t.Errorf("a later plain upgrade: %v", err)
			}
		})
	}
}

// cancelDialect is SQLite whose migration connection calls cancel right
// after running a statement that contains mark.
type cancelDialect struct {
	*sqlite.Dialect
	mark   string
	cancel context.CancelFunc
}

func (d *cancelDialect) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) error {
	return d.Dialect.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		return fn(ctx, &cancelQuerier{Querier: q, d: d})
	})
}

type cancelQuerier struct {
	dialect.Querier
	d *cancelDialect
}

func (q *cancelQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.Querier.ExecContext(ctx, query, args...)
	if strings.Contains(query, q.d.mark) {
		q.d.cancel()
	}
	return res, err
}

func TestCancelRollsBackTheRunningMigration(t *testing.T) {
	const (
		manyStatements = "CREATE TABLE log (n INTEGER);\n" +
			"INSERT INTO log VALUES (1);\n" +
			"INSERT INTO log VALUES (2);\n" +
			"INSERT INTO log VALUES (3);\n" +
			"INSERT INTO log VALUES (4);"
		// longStatement runs for a minute or more unless it is interrupted.
		longStatement = "CREATE TABLE log (n INTEGER);\n" +
			"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000)\n" +
			"  INSERT INTO log SELECT x FROM c;"
	)
	tests := []struct {
		name string
		up   string // up section of rev3
		// setup returns the dialect and arranges for cancel to be called.
		setup     func(r *migrate.Runner, cancel context.CancelFunc) dialect.Dialect
		wantRan   []string // revisions the Upgrade reports
		wantAt    []string // Current afterwards
		retryable bool     // a new upgrade completes quickly
	}{
		{
			name: "between statements of a migration",
			up:   manyStatements,
			setup: func(r *migrate.Runner, cancel context.CancelFunc) dialect.Dialect {
				return &cancelDialect{Dialect: sqlite.New(), mark: "VALUES (2)", cancel: cancel}
			},
			wantRan:   []string{rev1, rev2},
			wantAt:    []string{rev2},
			retryable: true,
		},
		{
			name: "from the progress callback after the first migration",
			up:   manyStatements,
			setup: func(r *migrate.Runner, cancel context.CancelFunc) dialect.Dialect {
				r.OnEvent = func(e migrate.Event) {
					if e.Kind == migrate.Finished && e.Revision == rev1 {
						cancel()
					}
				}
				return sqlite.New()
			},
			wantRan:   []string{rev1},
			wantAt:    []string{rev1},
			retryable: true,
		},
		{
			name: "while a long statement runs",
			up:   longStatement,
			setup: func(r *migrate.Runner, cancel context.CancelFunc) dialect.Dialect {
				r.OnEvent = func(e migrate.Event) {
					if e.Kind == migrate.Finished && e.Revision == rev2 {
						time.AfterFunc(100*time.Millisecond, cancel)
					}
				}
				return sqlite.New()
			},
			wantRan: []string{rev1, rev2},
			wantAt:  []string{rev2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := baseFiles()
			files[fileName(rev3, "log")] = migration(rev3, rev2, "log", tt.up, "DROP TABLE log;")
			files[fileName(rev4, "after")] = migration(rev4, rev3, "after", "CREATE TABLE after_log (n INTEGER);", "DROP TABLE after_log;")
			g := graphOf(t, files)
			db := openDB(t)

			// The state the database must be left in: tt.wantAt applied.
			want := func() state {
				ref := openDB(t)
				r := newRunner(ref, sqlite.New(), g)
				if _, err := r.Upgrade(context.Background(), tt.wantAt[0]); err != nil {
					t.Fatal(err)
				}
				return snapshot(t, ref, r)
			}()

			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			r := newRunner(db, sqlite.New(), g)
			if d := tt.setup(r, cancel); d != r.Dialect {
				r.Dialect, r.History = d, migrate.NewHistory(d, "")
			}
			start := time.Now()
			res, err := r.Upgrade(ctx, "head")
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Upgrade error = %v, want one wrapping context.Canceled", err)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("Upgrade took %v to notice the cancellation", took)
			}
			var ran []string
			for _, r := range res {
				ran = append(ran, r.Revision)
			}
			if !cmp.Equal(ran, tt.wantRan) {
				t.Errorf("Upgrade ran %v, want %v", ran, tt.wantRan)
			}
			if diff := cmp.Diff(want, snapshot(t, db, r), ignoreTimes); diff != "" {
				t.Errorf("cancelled upgrade left the database (-want +got):\n%s", diff)
			}
			if !foreignKeysOn(t, db) {
				t.Error("PRAGMA foreign_keys is OFF after the cancelled migration, want it restored")
			}
			if !tt.retryable {
				return
			}
			r2 := newRunner(db, sqlite.New(), g)
			if _, err := r2.Upgrade(context.Background(), "head"); err != nil {
				t.Fatalf("Upgrade after the cancellation: %v", err)
			}
			if got := queryStrings(t, db, "SELECT n FROM log ORDER BY n"); !cmp.Equal(got, []string{"1", "2", "3", "4"}) {
				t.Errorf("log rows after the second upgrade = %v, want 1-4 once each", got)
			}
		})
	}
}

func TestUpgradeRecordsEachMigration(t *testing.T) {
	ctx := context.Background()
	g := graphOf(t, baseFiles())
	db := openDB(t)
	r := newRunner(db, sqlite.New(), g)
	var events []string
	r.OnEvent = func(e migrate.Event) {
		if e.Kind == migrate.Finished {
			events = append(events, e.Direction.String()+" "+e.Revision)
		}
	}
	if _, err := r.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	recs, err := r.History.Records(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := g.Get(rev1)
	f2, _ := g.Get(rev2)
	want := []migrate.Record{
		{Revision: rev1, Message: "users", Checksum: f1.Checksum, AppliedAt: fixedNow, Progress: -1},
		{Revision: rev2, Parents: []string{rev1}, Message: "notes", Checksum: f2.Checksum, AppliedAt: fixedNow, Progress: -1},
	}
	if diff := cmp.Diff(want, recs, cmpopts.IgnoreFields(migrate.Record{}, "Duration"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("version rows (-want +got):\n%s", diff)
	}

	if _, err := r.Downgrade(ctx, "base"); err != nil {
		t.Fatal(err)
	}
	if wantEvents := []string{"up " + rev1, "up " + rev2, "down " + rev2, "down " + rev1}; !cmp.Equal(events, wantEvents) {
		t.Errorf("events = %v, want %v", events, wantEvents)
	}
	tables := queryStrings(t, db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if want := []string{migrate.DefaultTable}; !cmp.Equal(tables, want) {
		t.Errorf("tables after downgrade base = %v, want %v", tables, want)
	}
}

func TestResumeAfterFixingAFailedSegment(t *testing.T) {
	ctx := context.Background()
	name := fileName(rev3, "segments")
	segments := func(second string) map[string]string {
		files := baseFiles()
		files[name] = migration(rev3, rev2, "segments",
			"CREATE TABLE a (id INTEGER);\n"+
				"INSERT INTO a VALUES (1);\n"+
				"-- retort:commit\n"+
				"CREATE TABLE b (id INTEGER);\n"+
				second,
			"DROP TABLE b;\nDROP TABLE a;")
		return files
	}
	db := openDB(t)
	r := newRunner(db, sqlite.New(), graphOf(t, segments("INSERT INTO nope VALUES (1);")))
	_, err := r.Upgrade(ctx, "head")
	var se *migrate.StmtError
	if !errors.As(err, &se) || se.File != name || se.Line != 10 {
		t.Fatalf("Upgrade error = %v, want a *migrate.StmtError at %s:10", err, name)
	}
	// The first segment committed and is recorded as progress; the
	// second rolled back.
	recs, err := r.History.Records(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, partial := migrate.Applied(recs); !cmp.Equal(partial, map[string]int{rev3: 2}) {
		t.Errorf("partly applied = %v, want %s at 2 statements", partial, rev3)
	}
	tables := "SELECT name FROM sqlite_schema WHERE name IN ('a', 'b') ORDER BY name"
	if got := queryStrings(t, db, tables); !cmp.Equal(got, []string{"a"}) {
		t.Errorf("tables = %v, want [a]: the first segment committed, the second rolled back", got)
	}

	// Fixing the failed statement is not an edit of an applied migration:
	// the upgrade resumes at the second segment.
	r = newRunner(db, sqlite.New(), graphOf(t, segments("INSERT INTO b VALUES (1);")))
	res, err := r.Upgrade(ctx, "head")
	if err != nil {
		t.Fatalf("Upgrade after the fix: %v", err)
	}
	if len(res) != 1 || res[0].Revision != rev3 {
		t.Errorf("Upgrade after the fix ran %+v, want %s", res, rev3)
	}
	if got := queryStrings(t, db, "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b)"); !cmp.Equal(got, []string{"1|1"}) {
		t.Errorf("rows of a|b = %v, want 1|1: the first segment must not run twice", got)
	}
	recs, err = r.History.Records(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := r.Graph.Get(rev3)
	if last := recs[len(recs)-1]; last.Revision != rev3 || !last.Complete() || last.Checksum != f.Checksum {
		t.Errorf("version row = %+v, want %s complete with the fixed file's checksum", last, rev3)
	}
	if _, err := newRunner(db, sqlite.New(), r.Graph).Upgrade(ctx, "head"); err != nil {
		t.Errorf("a later upgrade: %v", err)
	}
}
