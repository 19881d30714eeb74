package retort_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/migrate"
)

// statusLine is what a test compares of a migrate.Status.
type statusLine struct {
	Revision       string
	State          string
	Done, Total    int
	Changed, Gone  bool
	File           string
	AppliedAtIsSet bool
}

func statusLines(statuses []migrate.Status, err error) []statusLine {
	if err != nil {
		return []statusLine{{State: "error: " + err.Error()}}
	}
	var out []statusLine
	for _, s := range statuses {
		out = append(out, statusLine{s.Revision, s.State.String(), s.Done, s.Total, s.Changed, s.Missing, s.File, !s.AppliedAt.IsZero()})
	}
	return out
}

// TestStatus checks every state Status reports: applied, pending, partly
// applied (N of M statements), changed since applied, and applied but
// missing from the directory.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	fsys := chain(
		"CREATE TABLE a (id INTEGER PRIMARY KEY);",
		"CREATE TABLE b (id INTEGER PRIMARY KEY);",
		"CREATE TABLE c (id INTEGER PRIMARY KEY);\n-- retort:commit\nCREATE TABLE c (id INTEGER PRIMARY KEY);",
		"CREATE TABLE d (id INTEGER PRIMARY KEY);",
	)
	m := openMigrator(t, url, fsys)
	got := statusLines(m.Status(ctx))
	want := []statusLine{
		{revision(1), "pending", 0, 0, false, false, revision(1) + "_m.sql", false},
		{revision(2), "pending", 0, 0, false, false, revision(2) + "_m.sql", false},
		{revision(3), "pending", 0, 0, false, false, revision(3) + "_m.sql", false},
		{revision(4), "pending", 0, 0, false, false, revision(4) + "_m.sql", false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("before anything ran (-want +got):\n%s", d)
	}
	// The third migration's second segment fails: the first is recorded.
	if _, err := m.Upgrade(ctx, "head"); err == nil {
		t.Fatal("Upgrade: the third migration should fail")
	}
	got = statusLines(m.Status(ctx))
	want[0].State, want[0].AppliedAtIsSet = "applied", true
	want[1].State, want[1].AppliedAtIsSet = "applied", true
	want[2].State, want[2].Done, want[2].Total, want[2].AppliedAtIsSet = "partial", 1, 2, true
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("after the failed upgrade (-want +got):\n%s", d)
	}

	// The directory as another checkout has it: the first file edited,
	// the second deleted.
	edited := fstest.MapFS{}
	for name, f := range fsys {
		edited[name] = f
	}
	edited[revision(1)+"_m.sql"] = &fstest.MapFile{Data: []byte(migrationFile(revision(1), "base", "migration 1",
		"CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);", ""))}
	delete(edited, revision(2)+"_m.sql")
	edited[revision(3)+"_m.sql"] = &fstest.MapFile{Data: []byte(migrationFile(revision(3), revision(1), "migration 3",
		"CREATE TABLE c (id INTEGER PRIMARY KEY);\n-- retort:commit\nCREATE TABLE c2 (id INTEGER PRIMARY KEY);", ""))}
	got = statusLines(openMigrator(t, url, edited).Status(ctx))
	want = []statusLine{
		{revision(1), "applied", 0, 0, true, false, revision(1) + "_m.sql", true},
		// A partly applied file may change after the statements that ran.
		{revision(3), "partial", 1, 2, false, false, revision(3) + "_m.sql", true},
		{revision(4), "pending", 0, 0, false, false, revision(4) + "_m.sql", false},
		{revision(2), "applied", 0, 0, false, true, "", true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("with an edited and a deleted file (-want +got):\n%s", d)
	}
}

// TestTypedOperations checks UpTo, UpBy, DownTo and DownBy against the
// tables they leave, and that they refuse the string grammar.
func TestTypedOperations(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	fsys := fstest.MapFS{}
	parent := "base"
	for i, table := range []string{"a", "b", "c", "d"} {
		rev := revision(i + 1)
		fsys[rev+"_m.sql"] = &fstest.MapFile{Data: []byte(migrationFile(rev, parent, "create "+table,
			"CREATE TABLE "+table+" (id INTEGER PRIMARY KEY);", "DROP TABLE "+table+";"))}
		parent = rev
	}
	m := openMigrator(t, url, fsys)
	tables := func() int {
		t.Helper()
		return queryInt(t, m.Database().DB(), "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('a', 'b', 'c', 'd')")
	}
	steps := []struct {
		name   string
		run    func() ([]migrate.Result, error)
		ran    int
		tables int
	}{
		{"UpBy 1", func() ([]migrate.Result, error) { return m.UpBy(ctx, 1) }, 1, 1},
		{"UpTo 3", func() ([]migrate.Result, error) { return m.UpTo(ctx, revision(3)) }, 2, 3},
		{"DownBy 2", func() ([]migrate.Result, error) { return m.DownBy(ctx, 2) }, 2, 1},
		{"UpBy 3", func() ([]migrate.Result, error) { return m.UpBy(ctx, 3) }, 3, 4},
		{"DownTo 2", func() ([]migrate.Result, error) { return m.DownTo(ctx, revision(2)) }, 2, 2},
		{"DownTo base", func() ([]migrate.Result, error) { return m.DownTo(ctx, migrate.Base) }, 2, 0},
	}
	for _, s := range steps {
		ran, err := s.run()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(ran) != s.ran || tables() != s.tables {
			t.Fatalf("%s: ran %d migrations leaving %d tables, want %d and %d", s.name, len(ran), tables(), s.ran, s.tables)
		}
	}
	refused := []struct {
		name string
		run  func() ([]migrate.Result, error)
	}{
		{"UpTo a grammar target", func() ([]migrate.Result, error) { return m.UpTo(ctx, "+1") }},
		{"UpTo head", func() ([]migrate.Result, error) { return m.UpTo(ctx, "head") }},
		{"UpTo a prefix", func() ([]migrate.Result, error) { return m.UpTo(ctx, revision(1)[:8]) }},
		{"DownTo -1", func() ([]migrate.Result, error) { return m.DownTo(ctx, "-1") }},
		{"UpBy more than pending", func() ([]migrate.Result, error) { return m.UpBy(ctx, 5) }},
		{"DownBy more than applied", func() ([]migrate.Result, error) { return m.DownBy(ctx, 1) }},
		{"UpBy 0", func() ([]migrate.Result, error) { return m.UpBy(ctx, 0) }},
		{"DownBy -1", func() ([]migrate.Result, error) { return m.DownBy(ctx, -1) }},
	}
	for _, r := range refused {
		if ran, err := r.run(); err == nil || len(ran) > 0 || tables() != 0 {
			t.Errorf("%s: ran %d, err %v; want an error and nothing run", r.name, len(ran), err)
		}
	}
	var ue *migrate.UnknownRevisionError
	if _, err := m.UpTo(ctx, "head"); !errors.As(err, &ue) {
		t.Errorf("UpTo(head) = %v, want a *migrate.UnknownRevisionError", err)
	}
}

// TestUpgradePartialError checks that a failing migration is a
// *migrate.PartialError naming the migrations that ran and the one that
// failed, with the statement's error still in the chain.
func TestUpgradePartialError(t *testing.T) {
	ctx := context.Background()
	m := openMigrator(t, sqliteURL(t), chain(
		"CREATE TABLE a (id INTEGER PRIMARY KEY);",
		"CREATE TABLE b (id INTEGER PRIMARY KEY);",
		"CREATE TABLE a (id INTEGER PRIMARY KEY);",
		"CREATE TABLE d (id INTEGER PRIMARY KEY);",
	))
	ran, err := m.Upgrade(ctx, "head")
	var pe *migrate.PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("Upgrade = %v, want a *migrate.PartialError", err)
	}
	var applied []string
	for _, r := range pe.Applied {
		applied = append(applied, r.Revision)
	}
	if d := cmp.Diff([]string{revision(1), revision(2)}, applied); d != "" || len(ran) != 2 {
		t.Errorf("Applied (-want +got):\n%s (Upgrade returned %d results)", d, len(ran))
	}
	if pe.Failed.Revision != revision(3) || pe.Failed.File != revision(3)+"_m.sql" || pe.Failed.Direction != migrate.Up {
		t.Errorf("Failed = %+v, want revision %s up", pe.Failed, revision(3))
	}
	var se *migrate.StmtError
	if !errors.As(err, &se) || se.Line == 0 {
		t.Errorf("the statement's error is not in the chain: %v", err)
	}
	if err.Error() != pe.Err.Error() {
		t.Errorf("Error() = %q, want the failure's own text %q", err.Error(), pe.Err.Error())
	}
}

// TestMissingRevisionError: on every engine, a database with a revision
// applied that the directory lacks refuses to upgrade with a
// *migrate.MissingRevisionError, and Status reports the revision as
// missing.
func TestMissingRevisionError(t *testing.T) {
	for _, eng := range orphanEngines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			url := eng.url(t)
			both := chain("CREATE TABLE a (id INTEGER PRIMARY KEY);", "CREATE TABLE b (id INTEGER PRIMARY KEY);")
			if _, err := openMigrator(t, url, both).Upgrade(ctx, "head"); err != nil {
				t.Fatal(err)
			}
			first := fstest.MapFS{revision(1) + "_m.sql": both[revision(1)+"_m.sql"]}
			m := openMigrator(t, url, first)
			_, err := m.Upgrade(ctx, "head")
			var me *migrate.MissingRevisionError
			if !errors.As(err, &me) || len(me.Records) != 1 || me.Records[0].Revision != revision(2) {
				t.Errorf("Upgrade = %v, want a *migrate.MissingRevisionError for %s", err, revision(2))
			}
			got := statusLines(m.Status(ctx))
			if len(got) != 2 || !got[1].Gone || got[1].Revision != revision(2) || got[1].State != "applied" {
				t.Errorf("Status = %+v, want %s applied and missing", got, revision(2))
			}
		})
	}
}
