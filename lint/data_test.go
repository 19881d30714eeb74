package lint_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
)

// TestMeasureCounts checks, against each engine's server, that the
// data-dependent findings count what would make the migration fail:
// duplicates for a new unique index, NULLs for a NOT NULL, rows failing a
// new check, orphans for a new foreign key.
func TestMeasureCounts(t *testing.T) {
	changes := map[string]string{
		"postgres": "CREATE UNIQUE INDEX t_a ON t (a);\nALTER TABLE t ALTER COLUMN b SET NOT NULL;\n" +
			"ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);\nALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id);",
		"mysql": "CREATE UNIQUE INDEX t_a ON t (a);\nALTER TABLE t MODIFY b varchar(20) NOT NULL;\n" +
			"ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);\nALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES p (id);",
		"sqlite": "CREATE TABLE t2 (id int PRIMARY KEY, a int REFERENCES p (id) CHECK (a > 0), b varchar(20) NOT NULL);\n" +
			"INSERT INTO t2 (id, a, b) SELECT id, a, b FROM t;\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;\nCREATE UNIQUE INDEX t_a ON t (a);",
	}
	// The rows go into the database only: the scratch replay has none.
	dirty := "INSERT INTO p VALUES (5), (7);\nINSERT INTO t VALUES (1, 5, 'x'), (2, 5, NULL), (3, 9, NULL), (4, -1, 'y')"
	clean := "INSERT INTO p VALUES (5), (7);\nINSERT INTO t VALUES (1, 5, 'x'), (2, 7, 'y')"
	for _, e := range all {
		for _, data := range []struct {
			name, rows string
			want       []string
			severity   lint.Severity
		}{
			{"dirty", dirty, []string{"RT107:the database has 1 duplicate key(s)", "RT108:the database has 2 NULL(s)",
				"RT109:the database has 1 row(s) failing the check", "RT110:the database has 2 orphan row(s)"}, lint.Error},
			{"clean", clean, []string{"RT107:the database has no duplicate key(s) now", "RT108:the database has no NULL(s) now",
				"RT109:the database has no row(s) failing the check now", "RT110:the database has no orphan row(s) now"}, lint.Info},
		} {
			t.Run(e+"/"+data.name, func(t *testing.T) {
				ds, notes, _ := measure(t, e, base, changes[e], strings.Split(data.rows, ";\n")...)
				if len(notes) > 0 {
					t.Fatalf("Measure: %v", notes)
				}
				for _, w := range data.want {
					code, text, _ := strings.Cut(w, ":")
					found := false
					for _, d := range ds {
						if d.Code == code && strings.Contains(d.Message, text) {
							found = true
							if d.Severity != data.severity {
								t.Errorf("%s: severity %s, want %s", code, d.Severity, data.severity)
							}
						}
					}
					if !found {
						t.Errorf("no %s finding saying %q in:\n%v", code, text, ds)
					}
				}
			})
		}
	}
}

// TestMeasureIsReadOnly checks that the counts cannot write to the
// database: a CHECK that calls a function that writes fails to count (a
// note says so) and the function's row is not there.
func TestMeasureIsReadOnly(t *testing.T) {
	base := "CREATE TABLE log (n int);\nCREATE TABLE t (id int PRIMARY KEY, a int);\n" +
		"CREATE FUNCTION noisy(x int) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN INSERT INTO log VALUES (x); RETURN true; END $$;"
	_, notes, db := measure(t, "postgres", base, "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (noisy(a));", "INSERT INTO t VALUES (1, 1)")
	if len(notes) != 1 || !strings.Contains(notes[0], "RT109: not counted") || !strings.Contains(notes[0], "read-only transaction") {
		t.Errorf("notes = %q, want one saying the RT109 count failed in a read-only transaction", notes)
	}
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM log").Scan(&n); err != nil || n != 0 {
		t.Errorf("log has %d row(s) (%v), want 0: the count wrote to the database", n, err)
	}
}

// measure applies migration 1 (base) to a fresh database of engine e, runs
// rows there, and lints migration 2 (up) with the counts. It returns the
// findings, Measure's notes and the database.
func measure(t *testing.T, e, base, up string, rows ...string) ([]lint.Diagnostic, []string, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	d, u := engine(t, e, true)
	g, fsys := files(t, d, base, up)
	m, err := retort.OpenMigrator(ctx, u, fsys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.Upgrade(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	db := m.Database().DB()
	for _, stmt := range rows {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := g.Get("2")
	passes, err := retort.LintPasses(ctx, m.Database().Dialect(), g, []*migrate.File{f})
	if err != nil {
		t.Fatal(err)
	}
	ds := lint.Run(passes, lint.Analyzers()...)
	notes, err := lint.Measure(ctx, db, d.Quote, ds)
	if err != nil {
		t.Fatal(err)
	}
	return ds, notes, db
}
