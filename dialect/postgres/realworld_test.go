package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// TestRealWorldSchemas builds public sample schemas (testdata/realworld,
// sources and licences in its README) from empty with retort — the file
// loaded as the desired schema, planned against an empty database and
// applied — and compares the result with the same file run natively by
// psql into another database. The comparison is independent of retort's
// inspection: pg_dump --schema-only of both databases, cut into its
// entries, which must be equal as sets. A second diff, from the built
// database and from the natively loaded one, must be empty, and the
// desired schema printed as SQL (inspect --format sql) and run by psql
// must dump like the native load.
func TestRealWorldSchemas(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("the real-world comparison needs the psql client")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "realworld", "*", "schema.sql"))
	if len(files) < 2 {
		t.Fatalf("want at least two real-world schemas, found %v", files)
	}
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()

			// retort: from empty.
			built, builtURL, d := newDB(t)
			rdb, err := retort.New(built, d)
			if err != nil {
				t.Fatal(err)
			}
			desired, err := rdb.LoadSQL(ctx, file, string(src))
			if err != nil {
				t.Fatalf("load %s: %v", file, err)
			}
			p, err := rdb.Plan(ctx, desired)
			if err != nil {
				t.Fatal(err)
			}
			var opts []retort.ApplyOption
			if onlyDomains(desired.Unmanaged) && preexisting[name] != "" {
				// Domains are not managed by this engine yet (issue 11;
				// they are on branch pg-kinds): the database gets them
				// beforehand, as a user would, and the plan is applied
				// with AllowUnmanaged. Everything else is retort's.
				t.Logf("domains unmanaged (%s): created beforehand", schema.DescribeUnmanaged(desired.Unmanaged))
				load(t, built, "domains", preexisting[name])
				if p, err = rdb.Plan(ctx, desired); err != nil {
					t.Fatal(err)
				}
				opts = append(opts, retort.AllowUnmanaged())
			}
			if err := rdb.Apply(ctx, p, opts...); err != nil {
				t.Fatalf("apply: %v\n%s", err, p.Script())
			}

			// psql: the same file, natively.
			nativeURL := testdb.Postgres(t)
			runPsql(t, psql, nativeURL, file)
			native, err := sql.Open("pgx", nativeURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { native.Close() })

			if diff := cmp.Diff(dumpEntries(t, nativeURL), dumpEntries(t, builtURL)); diff != "" {
				t.Errorf("pg_dump of retort's build differs from pg_dump of the native load (-native +retort):\n%s\nplan:\n%s", diff, p.Script())
			}

			// Second diff: nothing left to do, whichever side it starts from.
			after := inspect(t, d, built)
			if changes := diff.Compare(after, desired); len(changes) > 0 {
				t.Errorf("after apply the database still differs from %s:\n%s", file, describe(changes))
			}
			if again := plan(t, d, after, desired); !again.Empty() {
				t.Errorf("a second plan is not empty:\n%s", again.Format())
			}
			if changes := diff.Compare(inspect(t, d, native), desired); len(changes) > 0 {
				t.Errorf("the native load differs from %s as retort sees it:\n%s", file, describe(changes))
			}

			// inspect --format sql, run by psql, gives the same schema.
			script := d.SQL(desired)
			if len(opts) > 0 {
				script = preexisting[name] + "\n" + script
			}
			printed := filepath.Join(t.TempDir(), "printed.sql")
			if err := os.WriteFile(printed, []byte(script), 0o600); err != nil {
				t.Fatal(err)
			}
			printedURL := testdb.Postgres(t)
			runPsql(t, psql, printedURL, printed)
			if diff := cmp.Diff(dumpEntries(t, nativeURL), dumpEntries(t, printedURL)); diff != "" {
				t.Errorf("pg_dump of SQL() run by psql differs from pg_dump of the native load (-native +printed):\n%s", diff)
			}
		})
	}
}

// runPsql runs file with psql in the database at dbURL, stopping at the
// first error.
func runPsql(t *testing.T, psql, dbURL, file string) {
	t.Helper()
	cmd := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbURL, "-f", file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql -f %s: %v\n%s", file, err, out)
	}
}

// preexisting holds, per real-world schema, its domains, made beforehand
// while the engine reports domains as unmanaged.
var preexisting = map[string]string{
	"pagila": `CREATE DOMAIN "bıgınt" AS bigint;
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155)));`,
}

// onlyDomains reports whether the unmanaged kinds are domains alone.
func onlyDomains(missing []schema.Unmanaged) bool {
	for _, u := range missing {
		if u.Kind != "domain" {
			return false
		}
	}
	return len(missing) > 0
}

// dumpEntry matches the comment pg_dump writes before each entry of its
// table of contents.
var dumpEntry = regexp.MustCompile(`(?m)^--\n-- Name: .*\n--\n`)

// dumpEntries returns pg_dump --schema-only --no-owner --no-privileges of
// the database at dbURL cut into its entries (one object each), sorted,
// with pg_dump's own comment lines and the \restrict and \unrestrict
// lines (pg_dump 15.14 and later) taken out; comments inside function
// bodies are kept. (pg_dump writes "*not* creating schema" for the
// public schema when its owner is not the default one: the file's ALTER
// SCHEMA public OWNER TO, which retort skips, as it skips every owner.)
// The preamble before the first entry (SET lines, set_config) is left
// out: it is the same for every dump. Two databases with equal schemas give equal entries; the order of
// an entry's lines (a table's columns) is kept.
func dumpEntries(t *testing.T, dbURL string) []string {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("the real-world comparison needs pg_dump")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--schema-only", "--no-owner", "--no-privileges", "--dbname", u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	parts := dumpEntry.Split(string(out), -1)
	var entries []string
	for _, part := range parts[1:] {
		var keep []string
		for _, line := range strings.Split(part, "\n") {
			if line == "--" || strings.HasPrefix(line, "-- PostgreSQL database dump") || strings.HasPrefix(line, "-- *not* creating schema") ||
				strings.HasPrefix(line, `\restrict`) || strings.HasPrefix(line, `\unrestrict`) {
				continue
			}
			keep = append(keep, line)
		}
		if entry := strings.TrimSpace(strings.Join(keep, "\n")); entry != "" {
			entries = append(entries, entry)
		}
	}
	if len(entries) == 0 {
		t.Fatalf("pg_dump wrote no entries:\n%s", out)
	}
	slices.Sort(entries)
	return entries
}
