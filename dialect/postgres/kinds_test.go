package postgres_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
)

// TestSQLLoadsWithPsql: what inspect --format sql writes (Dialect.SQL)
// for the desired schema of every plan case loads with psql (its own
// statement splitting, DO blocks and dollar quotes included) into an
// empty database, and that database inspects equal to the schema.
func TestSQLLoadsWithPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed")
	}
	for _, c := range readPlanCases(t) {
		if c.To == "" || !strings.HasPrefix(c.Name, "pg_") && c.Name != "create_everything" && c.Name != "comments" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			db, url, d := newDB(t)
			want := loadSchema(t, d, "to.sql", c.To)
			file := filepath.Join(t.TempDir(), "schema.sql")
			if err := os.WriteFile(file, []byte(d.SQL(want)), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file, url).CombinedOutput()
			if err != nil {
				t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, d.SQL(want))
			}
			if diff := cmp.Diff(want, inspect(t, d, db)); diff != "" {
				t.Errorf("loaded with psql, the script gives another schema (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPgDumpKinds: a database with every kind of kinds_inspect.go, dumped
// with pg_dump --schema-only (which empties search_path and qualifies
// every name), loads as a desired schema equal to the database. A domain
// default read from pg_type.typdefault (text kept as the creating
// session spelled it: 'x'::public.citext) used to differ.
func TestPgDumpKinds(t *testing.T) {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("pg_dump is not installed")
	}
	src, err := os.ReadFile(filepath.Join("testdata", "kinds", "all_kinds.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, url, d := newDB(t)
	load(t, db, "all_kinds.sql", string(src))
	want := inspect(t, d, db)
	if len(want.Extensions) != 2 || len(want.Domains) != 2 || len(want.Composites) != 1 {
		t.Fatalf("all_kinds.sql inspects with %d extensions, %d domains, %d composite types; want 2, 2, 1",
			len(want.Extensions), len(want.Domains), len(want.Composites))
	}
	dump, err := exec.Command(pgDump, "--schema-only", "--no-owner", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	// The CLI's path: screened (\restrict and \unrestrict accepted, OWNER
	// TO skipped), on a connection discarded afterwards.
	got, err := retort.LoadSQL(context.Background(), d, "pg_dump output", string(dump))
	if err != nil {
		t.Fatalf("load the pg_dump output: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the pg_dump of the database loads as another schema (-database +dump):\n%s", diff)
	}
}

// TestConcurrentIndexKinds: with concurrent indexes, the comment of an
// index or UNIQUE constraint built after the transaction is set after it
// (not inside the transaction, before the index exists), and a deferrable
// UNIQUE constraint made from its index stays deferrable.
func TestConcurrentIndexKinds(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t, postgres.WithConcurrentIndexes(true))
	load(t, db, "from", `CREATE TABLE users (id int PRIMARY KEY, email text, name text);
INSERT INTO users SELECT g, 'u' || g, 'n' || g FROM generate_series(1, 100) g;`)
	desired := loadSchema(t, d, "to", `CREATE TABLE users (id int PRIMARY KEY, email text, name text,
  CONSTRAINT users_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED);
COMMENT ON CONSTRAINT users_email_key ON users IS 'one account per address';
CREATE INDEX users_name ON users (name);
COMMENT ON INDEX users_name IS 'by name';`)
	p := plan(t, d, inspect(t, d, db), desired)
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatalf("apply: %v\n%s", err, p.Format())
	}
	if changes := diff.Compare(inspect(t, d, db), desired); len(changes) > 0 {
		t.Errorf("still differs:\n%s\nplan:\n%s", describe(changes), p.Format())
	}
	got := queryRows(t, db, `SELECT condeferrable, condeferred, obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'users_email_key'`)
	if want := []string{"true | true | one account per address"}; !cmp.Equal(got, want) {
		t.Errorf("users_email_key: got %q, want %q", got, want)
	}
}

// TestExtensionSchema: an extension the desired schema puts in another
// schema is moved there (ALTER EXTENSION … SET SCHEMA); one it creates
// without a schema is satisfied wherever it is, so the reverse plan
// leaves it in place.
func TestExtensionSchema(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	load(t, db, "from", `CREATE SCHEMA ext; CREATE EXTENSION citext;`)
	desired := loadSchema(t, d, "to", `CREATE SCHEMA ext; CREATE EXTENSION citext SCHEMA ext;`)
	p := plan(t, d, inspect(t, d, db), desired)
	if got, want := p.Format(), `ALTER EXTENSION "citext" SET SCHEMA "ext";`+"\n"; got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatal(err)
	}
	if got := queryRows(t, db, `SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'citext'`); !cmp.Equal(got, []string{"ext"}) {
		t.Errorf("citext is in %q, want ext", got)
	}
	anywhere := loadSchema(t, d, "from", `CREATE EXTENSION citext;`)
	if back := plan(t, d, inspect(t, d, db), anywhere); !back.Empty() {
		t.Errorf("an extension created without a schema moves:\n%s", back.Format())
	}
}

// TestKindsQueriesDoNotGrow: the kinds of kinds_inspect.go take the same
// number of catalog queries for one table as for forty.
func TestKindsQueriesDoNotGrow(t *testing.T) {
	db, _, d := newDB(t)
	count := func() int {
		c := &countingQuerier{Querier: db}
		inspect(t, d, c)
		return c.n
	}
	table := func(i int) string {
		n := "t" + strconv.Itoa(i)
		return "CREATE UNLOGGED TABLE " + n + " (id integer GENERATED ALWAYS AS IDENTITY (START WITH 10) PRIMARY KEY DEFERRABLE, " +
			"r int4range, v code, p pair, CONSTRAINT " + n + "_x EXCLUDE USING gist (r WITH &&), CONSTRAINT " + n + "_c CHECK (id > 0));\n" +
			"ALTER TABLE " + n + " ALTER COLUMN v SET STORAGE MAIN, ALTER COLUMN v SET STATISTICS 10;\n" +
			"COMMENT ON CONSTRAINT " + n + "_c ON " + n + " IS 'c';\n" +
			"CREATE INDEX " + n + "_v ON " + n + " (v);\nCOMMENT ON INDEX " + n + "_v IS 'i';\n" +
			"CREATE VIEW " + n + "_view AS SELECT id FROM " + n + ";\nCOMMENT ON VIEW " + n + "_view IS 'v';\n" +
			"CREATE DOMAIN d" + strconv.Itoa(i) + " AS integer CHECK (VALUE > 0);\nCREATE TYPE c" + strconv.Itoa(i) + " AS (a integer);\n"
	}
	load(t, db, "one", "CREATE EXTENSION citext;\nCREATE DOMAIN code AS text CHECK (VALUE <> '');\nCREATE TYPE pair AS (a integer, b integer);\n"+table(0))
	small := count()
	var b strings.Builder
	for i := 1; i < 40; i++ {
		b.WriteString(table(i))
	}
	load(t, db, "forty", "CREATE EXTENSION pg_trgm;\n"+b.String())
	if big := count(); big != small {
		t.Errorf("Inspect issued %d queries for 1 table and %d for 40", small, big)
	}
	s := inspect(t, d, db)
	if len(s.Domains) != 41 || len(s.Composites) != 41 || len(s.Extensions) != 2 || !s.Tables[0].Unlogged || len(s.Tables[0].Exclusions) != 1 {
		t.Errorf("inspected %d domains, %d composite types, %d extensions; table t0 unlogged %t with %d exclusions",
			len(s.Domains), len(s.Composites), len(s.Extensions), s.Tables[0].Unlogged, len(s.Tables[0].Exclusions))
	}
}
