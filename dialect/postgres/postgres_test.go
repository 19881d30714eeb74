package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// countingQuerier counts the queries Inspect issues.
type countingQuerier struct {
	dialect.Querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.Querier.QueryContext(ctx, q, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n++
	return c.Querier.QueryRowContext(ctx, q, args...)
}

func TestInspectQueriesDoNotGrowWithTables(t *testing.T) {
	db, _, d := newDB(t)
	count := func() int {
		c := &countingQuerier{Querier: db}
		inspect(t, d, c)
		return c.n
	}
	load(t, db, "one", "CREATE TABLE t0 (id integer PRIMARY KEY)")
	small := count()
	var b strings.Builder
	b.WriteString("CREATE FUNCTION nop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n")
	for i := 1; i <= 40; i++ {
		n := strconv.Itoa(i)
		b.WriteString("CREATE TABLE t" + n + " (id integer PRIMARY KEY, p integer REFERENCES t" + strconv.Itoa(i-1) + ", u text UNIQUE);\n")
		b.WriteString("CREATE INDEX ON t" + n + " (lower(u));\n")
		b.WriteString("CREATE FUNCTION f" + n + "(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x $$;\n")
		b.WriteString("CREATE TRIGGER tr" + n + " BEFORE INSERT ON t" + n + " FOR EACH ROW EXECUTE FUNCTION nop();\n")
		b.WriteString("ALTER TABLE t" + n + " ENABLE ROW LEVEL SECURITY;\n")
		b.WriteString("CREATE POLICY p" + n + " ON t" + n + " USING (f" + n + "(id) > 0);\n")
		if i%10 == 0 { // partitioned tables and materialized views with indexes
			b.WriteString("CREATE TABLE p" + n + " (k integer, v text) PARTITION BY LIST (k);\n")
			b.WriteString("CREATE TABLE p" + n + "_1 PARTITION OF p" + n + " FOR VALUES IN (1);\n")
			b.WriteString("CREATE TABLE p" + n + "_d PARTITION OF p" + n + " DEFAULT;\n")
			b.WriteString("CREATE INDEX ON p" + n + " (v);\n")
			b.WriteString("CREATE MATERIALIZED VIEW m" + n + " AS SELECT k, v FROM p" + n + ";\n")
			b.WriteString("CREATE UNIQUE INDEX ON m" + n + " (k);\n")
		}
	}
	load(t, db, "forty", b.String())
	if big := count(); big != small {
		t.Errorf("Inspect issued %d queries for 1 table and %d for 41", small, big)
	}
	// meta, tables, columns, constraints, indexes, views, enums,
	// sequences, the unmanaged objects; extensions, domains and composite
	// types, table options and comments (kinds_inspect.go); routines,
	// triggers and row-level security (routines.go, policies.go).
	if small != 15 {
		t.Errorf("Inspect issued %d queries, want 15", small)
	}
}

func TestInspect(t *testing.T) {
	s := loadSchema(t, postgres.New(postgres.WithScratchServer(testURL(t))), "schema.sql", `
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE SCHEMA other;
CREATE TABLE other.parents (id integer PRIMARY KEY);
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  n serial,
  email varchar(200) COLLATE "C" NOT NULL DEFAULT 'x',
  m mood,
  area numeric GENERATED ALWAYS AS (n * 2) STORED,
  parent integer REFERENCES other.parents ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT positive CHECK (n > 0)
);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'address';
CREATE INDEX users_email ON users (email DESC NULLS LAST) INCLUDE (n) WHERE n > 1;
CREATE VIEW v2 AS SELECT id FROM users;
CREATE VIEW a1 AS SELECT id FROM v2;
`)
	u, ok := s.Table("users")
	if !ok {
		t.Fatal("no users table")
	}
	col := func(name string) *schema.Column {
		c, ok := u.Column(name)
		if !ok {
			t.Fatalf("no column %s", name)
		}
		return c
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"identity", col("id").Identity, "ALWAYS"},
		{"serial type", col("n").Type, "serial"},
		{"serial default hidden", col("n").Default, ""},
		{"varchar", col("email").Type, "character varying(200)"},
		{"collation", col("email").Collation, "C"},
		{"default", col("email").Default, "'x'::character varying"},
		{"comment", col("email").Comment, "address"},
		{"enum column", col("m").Type, "mood"},
		{"generated", col("area").Generated != nil && col("area").Generated.Stored, true},
		{"table comment", u.Comment, "people"},
		{"fk schema", u.ForeignKeys[0].RefSchema, "other"},
		{"fk on delete", u.ForeignKeys[0].OnDelete, schema.SetNull},
		{"fk on update", u.ForeignKeys[0].OnUpdate, schema.Cascade},
		{"fk deferred", u.ForeignKeys[0].InitiallyDeferred && u.ForeignKeys[0].Deferrable, true},
		{"check", u.Checks[0].Name + " " + u.Checks[0].Expr, "positive (n > 0)"},
		{"index include", strings.Join(u.Indexes[0].Include, ","), "n"},
		{"index desc nulls last", u.Indexes[0].Parts[0].Desc && u.Indexes[0].Parts[0].Nulls == "LAST", true},
		{"index where", u.Indexes[0].Where, "n > 1"},
		{"enum", len(s.Enums) == 1 && strings.Join(s.Enums[0].Values, ",") == "sad,ok", true},
		{"no serial sequence", len(s.Sequences), 0},
		{"views in dependency order", len(s.Views) == 2 && s.Views[0].Name == "v2" && s.Views[1].Name == "a1", true},
		{"other schema not inspected", len(s.Tables), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func testURL(t *testing.T) string {
	t.Helper()
	_, u, _ := newDB(t)
	return u
}

func TestInspectTwiceNoDiff(t *testing.T) {
	db, _, d := newDB(t)
	load(t, db, "schema", `
CREATE TYPE s AS ENUM ('a');
CREATE TABLE p (id int PRIMARY KEY, k text UNIQUE);
CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p, k text REFERENCES p (k) MATCH FULL, e s DEFAULT 'a');
CREATE INDEX ON c ((p + 1)) WHERE k IS NOT NULL;
CREATE VIEW v AS SELECT * FROM c;`)
	a, b := inspect(t, d, db), inspect(t, d, db)
	if changes := diff.Compare(a, b); len(changes) > 0 {
		t.Errorf("two inspections differ:\n%s", describe(changes))
	}
}

func TestSearchPathSchema(t *testing.T) {
	_, base, _ := newDB(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	load(t, admin, "schemas", "CREATE SCHEMA app; CREATE TABLE app.users (id int PRIMARY KEY); CREATE TABLE public.other (id int)")
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", "app")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := postgres.New(postgres.WithScratchServer(u.String()))
	s := inspect(t, d, db)
	if s.Name != "app" || len(s.Tables) != 1 || s.Tables[0].Name != "users" {
		t.Fatalf("inspected %q with %d tables", s.Name, len(s.Tables))
	}
	// The scratch database works in a schema of the same name.
	desired := loadSchema(t, d, "schema.sql", "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE notes (id int)")
	if desired.Name != "app" {
		t.Errorf("scratch schema %q, want app", desired.Name)
	}
	p := plan(t, d, s, desired)
	if err := dialect.Apply(context.Background(), d, pin(t, db), p); err != nil {
		t.Fatal(err)
	}
	if got := queryRows(t, admin, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'notes'"); strings.Join(got, ",") != "app" {
		t.Errorf("notes created in %v, want app", got)
	}
	// WithSchema names a schema the connection does not work in.
	if _, err := postgres.New(postgres.WithSchema("elsewhere")).Inspect(context.Background(), db); err == nil ||
		!strings.Contains(err.Error(), "search_path=elsewhere") {
		t.Errorf("Inspect with another schema: %v", err)
	}
}

func TestOrphansStopTheMigration(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from", `CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int, body text);
INSERT INTO users VALUES (1);
INSERT INTO notes SELECT g, CASE WHEN g % 3 = 0 THEN 100 + g ELSE 1 END, 'x' FROM generate_series(1, 30) g;`)
	desired := loadSchema(t, d, "to", `CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int REFERENCES users, body text NOT NULL DEFAULT '');`)
	p := plan(t, d, inspect(t, d, db), desired)
	err := dialect.Apply(ctx, d, pin(t, db), p)
	if err == nil {
		t.Fatal("apply succeeded with orphan rows")
	}
	if postgres.SQLState(err) != "23503" {
		t.Errorf("SQLSTATE %q, want 23503 (foreign_key_violation): %v", postgres.SQLState(err), err)
	}
	for _, want := range []string{"10 row(s) of notes reference no row of users", "(103), (106), (109), (112), (115)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Nothing changed: the NOT NULL default and the key are not there.
	after := inspect(t, d, db)
	notes, _ := after.Table("notes")
	body, _ := notes.Column("body")
	if len(notes.ForeignKeys) != 0 || body.NotNull {
		t.Errorf("the failed migration left changes: %+v %+v", notes.ForeignKeys, body)
	}
}

func TestTransactRetriesLockTimeout(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	load(t, db, "t", "CREATE TABLE t (id int)")
	d := postgres.New(postgres.WithLockTimeout(5*time.Second), postgres.WithLockAttempt(100*time.Millisecond), postgres.WithRetries(2, 50*time.Millisecond))

	// A long transaction holds a lock that the DDL needs.
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "LOCK TABLE t IN ACCESS SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	calls := 0
	start := time.Now()
	err = d.Transact(ctx, pin(t, db), func(ctx context.Context, q dialect.Querier) error {
		calls++
		_, err := q.ExecContext(ctx, "ALTER TABLE t ADD COLUMN x int")
		return err
	})
	var lt *postgres.LockTimeoutError
	if !errors.As(err, &lt) || calls != 3 {
		t.Fatalf("err %v after %d attempts, want a LockTimeoutError after 3", err, calls)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("gave up after %v; each attempt's lock timeout is 100ms", took)
	}

	// Released during the retries: the transaction goes through.
	calls = 0
	go func() {
		time.Sleep(150 * time.Millisecond)
		holder.Rollback()
	}()
	if err := d.Transact(ctx, pin(t, db), func(ctx context.Context, q dialect.Querier) error {
		calls++
		_, err := q.ExecContext(ctx, "ALTER TABLE t ADD COLUMN x int")
		return err
	}); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if calls < 2 {
		t.Errorf("%d attempts; the first should have timed out", calls)
	}
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	c1, c2 := pin(t, db), pin(t, db)
	unlock, err := d.Lock(ctx, c1, "retort_revisions")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time)
	go func() {
		unlock2, err := d.Lock(ctx, c2, "retort_revisions")
		if err != nil {
			t.Error(err)
		} else {
			unlock2()
		}
		got <- time.Now()
	}()
	time.Sleep(200 * time.Millisecond)
	released := time.Now()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if at := <-got; at.Before(released) {
		t.Error("the second Lock did not wait for the first to be released")
	}
	// A cancelled wait returns.
	unlock, _ = d.Lock(ctx, c1, "k")
	defer unlock()
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := d.Lock(cctx, c2, "k"); err == nil {
		t.Error("Lock returned without the lock")
	}
}

func TestScratchIsDropped(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	scratch, drop, err := d.Scratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := scratch.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, postgres.ScratchPrefix) {
		t.Errorf("scratch database %q", name)
	}
	// A load error leaves the database to drop.
	if err := dialect.Load(ctx, scratch, "bad.sql", "CREATE TABLE x (id nosuchtype)"); err == nil {
		t.Error("bad SQL loaded")
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	if rows := queryRows(t, db, "SELECT datname FROM pg_database WHERE datname = $1", name); len(rows) != 0 {
		t.Errorf("scratch database %s still exists", name)
	}
	if err := drop(); err != nil {
		t.Errorf("second drop: %v", err)
	}
}

// TestScratchSchemaFallback uses a role that may not create databases:
// Scratch falls back to a schema in its database, and refuses SQL that
// names another schema there.
func TestScratchSchemaFallback(t *testing.T) {
	ctx := context.Background()
	db, base, _ := newDB(t)
	role := testdb.Name("retort_nocreatedb")
	var dbname string
	if err := db.QueryRow("SELECT current_database()").Scan(&dbname); err != nil {
		t.Fatal(err)
	}
	load(t, db, "role", `CREATE ROLE `+role+` LOGIN NOCREATEDB;
GRANT CREATE ON DATABASE "`+dbname+`" TO `+role+`;
CREATE TABLE public.precious (id int);
INSERT INTO public.precious VALUES (1);
SELECT lo_create(0);`)
	t.Cleanup(func() {
		for _, st := range []string{"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := db.Exec(st); err != nil {
				t.Errorf("cleanup: %s: %v", st, err)
			}
		}
	})
	u, _ := url.Parse(base)
	u.User = url.User(role)
	d := postgres.New(postgres.WithScratchServer(u.String()))
	scratch, drop, err := d.Scratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var schemaName string
	if err := scratch.QueryRow("SELECT current_schema()").Scan(&schemaName); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schemaName, postgres.ScratchPrefix) {
		t.Fatalf("scratch schema %q", schemaName)
	}
	if err := dialect.Load(ctx, scratch, "schema.sql", "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE notes (id int, u int REFERENCES users)"); err != nil {
		t.Fatal(err)
	}
	s := inspect(t, d, scratch)
	if len(s.Tables) != 2 || s.Tables[0].ForeignKeys != nil && s.Tables[0].ForeignKeys[0].RefSchema != "" {
		t.Errorf("scratch schema inspected as %+v", s.Tables)
	}
	// The database is the user's: its schemas and large objects are not
	// the desired schema's.
	if len(s.Unmanaged) != 0 {
		t.Errorf("the scratch schema lists unmanaged objects of the user's database: %s", schema.DescribeUnmanaged(s.Unmanaged))
	}
	for _, bad := range []string{"DROP TABLE public.precious", "CREATE SCHEMA evil", "SET search_path = public",
		"CREATE TABLE public.dumped (id integer)", "COPY (SELECT 1) TO '/tmp/retort_fallback'", "DROP DATABASE postgres"} {
		err := dialect.Load(ctx, scratch, "evil.sql", bad)
		var refused *postgres.SchemaRefusedError
		if !errors.As(err, &refused) {
			t.Errorf("%s: %v, want a SchemaRefusedError", bad, err)
		} else if !strings.Contains(err.Error(), "pg_dump output") {
			t.Errorf("%s: %v, want it to say that pg_dump output needs a scratch database", bad, err)
		}
	}
	// Functions, triggers and policies load there, and so does the SQL
	// that SQL() writes for them (which sets check_function_bodies).
	if err := dialect.Load(ctx, scratch, "routines.sql", `
CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE FUNCTION nop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE r (id int PRIMARY KEY, d int GENERATED ALWAYS AS (twice(id)) STORED);
CREATE TRIGGER r_nop BEFORE INSERT ON r FOR EACH ROW EXECUTE FUNCTION nop();
ALTER TABLE r ENABLE ROW LEVEL SECURITY;
CREATE POLICY r_twice ON r USING (twice(id) > 0);`); err != nil {
		t.Fatal(err)
	}
	withRoutines := inspect(t, d, scratch)
	again, dropAgain, err := d.Scratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := dialect.Load(ctx, again, "SQL()", d.SQL(withRoutines)); err != nil {
		t.Errorf("SQL() of functions, triggers and policies does not load in a scratch schema: %v", err)
	} else if changes := diff.Compare(withRoutines, inspect(t, d, again)); len(changes) > 0 {
		t.Errorf("SQL() loaded back differs:\n%s", describe(changes))
	}
	if err := dropAgain(); err != nil {
		t.Fatal(err)
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	if rows := queryRows(t, db, "SELECT count(*) FROM public.precious"); rows[0] != "1" {
		t.Errorf("precious has %s rows", rows[0])
	}
	if rows := queryRows(t, db, "SELECT nspname FROM pg_namespace WHERE nspname = $1", schemaName); len(rows) != 0 {
		t.Errorf("scratch schema %s still exists", schemaName)
	}
}

// migrations is a small migrations directory: the second file recreates a
// foreign key in two transactions.
var migrations = fstest.MapFS{
	"20261125100000_users.sql": {Data: []byte(`-- retort:revision 20261125100000
-- retort:parent base
-- retort:message users and notes
-- migrate:up
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int REFERENCES users);
INSERT INTO users SELECT g FROM generate_series(1, 100) g;
INSERT INTO notes SELECT g, 1 + g % 100 FROM generate_series(1, 1000) g;
-- migrate:down
DROP TABLE notes;
DROP TABLE users;
`)},
	"20261125110000_cascade.sql": {Data: []byte(`-- retort:revision 20261125110000
-- retort:parent 20261125100000
-- retort:message cascade
-- migrate:up
ALTER TABLE notes DROP CONSTRAINT notes_author_id_fkey,
  ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users ON DELETE CASCADE NOT VALID;
SELECT pg_sleep(0.2);
-- retort:commit
ALTER TABLE notes VALIDATE CONSTRAINT notes_author_id_fkey;
-- migrate:down
ALTER TABLE notes DROP CONSTRAINT notes_author_id_fkey,
  ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users;
`)},
}

// TestConcurrentUpgrades runs two Migrators on one database at once: the
// advisory lock makes each migration run exactly once.
func TestConcurrentUpgrades(t *testing.T) {
	ctx := context.Background()
	_, url, _ := newDB(t)
	var wg sync.WaitGroup
	results := make([]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := retort.OpenMigrator(ctx, url, migrations)
			if err != nil {
				errs[i] = err
				return
			}
			defer m.Close()
			res, err := m.Upgrade(ctx, "head")
			for _, r := range res {
				if !r.Skipped {
					results[i]++
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if results[0]+results[1] != 2 {
		t.Errorf("migrations run: %v, want 2 in all", results)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := queryRows(t, db, `SELECT revision, progress FROM retort_revisions ORDER BY 1`); strings.Join(got, ";") != "20261125100000 | -1;20261125110000 | -1" {
		t.Errorf("version table: %v", got)
	}
	if got := queryRows(t, db, `SELECT count(*) FROM notes`); got[0] != "1000" {
		t.Errorf("notes has %s rows", got[0])
	}
}

// TestResumeAfterCommit interrupts a migration between its two
// transactions: the next upgrade resumes at VALIDATE.
func TestResumeAfterCommit(t *testing.T) {
	ctx := context.Background()
	_, url, _ := newDB(t)
	m, err := retort.OpenMigrator(ctx, url, migrations)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Upgrade(ctx, "+1"); err != nil {
		t.Fatal(err)
	}
	db := m.Database().DB()
	// Simulate the interruption: record the progress the runner writes
	// after the first segment, with the first segment's effect.
	load(t, db, "first segment", `ALTER TABLE notes DROP CONSTRAINT notes_author_id_fkey,
  ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users ON DELETE CASCADE NOT VALID;
INSERT INTO retort_revisions VALUES ('20261125110000', '20261125100000', 'cascade', '`+checksum(t, m, "20261125110000")+`', '2026-01-01T00:00:00Z', 0, 2)`)
	res, err := m.Upgrade(ctx, "head")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Revision != "20261125110000" {
		t.Fatalf("results %+v", res)
	}
	if got := queryRows(t, db, `SELECT convalidated, confdeltype FROM pg_constraint WHERE conname = 'notes_author_id_fkey'`); got[0] != "true | c" {
		t.Errorf("constraint: %v", got)
	}
	if got := queryRows(t, db, `SELECT progress FROM retort_revisions WHERE revision = '20261125110000'`); got[0] != "-1" {
		t.Errorf("progress %v", got)
	}
}

func checksum(t *testing.T, m *retort.Migrator, rev string) string {
	t.Helper()
	f, ok := m.Graph().Get(rev)
	if !ok {
		t.Fatalf("no revision %s", rev)
	}
	return f.Checksum
}

func TestConcurrentIndexes(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t) // online by default
	load(t, db, "from", `CREATE TABLE users (id int PRIMARY KEY, email text, name text);
CREATE INDEX users_name ON users (name);
INSERT INTO users SELECT g, 'u' || g, 'n' || g FROM generate_series(1, 1000) g;`)
	desired := loadSchema(t, d, "to", `CREATE TABLE users (id int PRIMARY KEY, email text, name text, CONSTRAINT users_email_key UNIQUE (email));
CREATE INDEX users_name ON users (lower(name));
CREATE TABLE other (id int PRIMARY KEY, n int);
CREATE INDEX other_n ON other (n);`)
	p := plan(t, d, inspect(t, d, db), desired)
	got := p.Format()
	for _, want := range []string{
		`CREATE INDEX "other_n" ON "other" ("n");`, // a new table: in the transaction
		`DROP INDEX CONCURRENTLY IF EXISTS "users_name";`,
		`CREATE INDEX CONCURRENTLY "users_name" ON "users" ((lower(name)));`,
		`CREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "users" ("email");`,
		`ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_key";`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %s:\n%s", want, got)
		}
	}
	for _, s := range p.Steps {
		if strings.Contains(s.SQL, "CONCURRENTLY") && !s.NoTx {
			t.Errorf("%s runs in a transaction", s.SQL)
		}
	}
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatal(err)
	}
	if changes := diff.Compare(inspect(t, d, db), desired); len(changes) > 0 {
		t.Errorf("still differs:\n%s", describe(changes))
	}
}
