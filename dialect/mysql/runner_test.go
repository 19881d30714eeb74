package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

func migrationFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

var twoMigrations = map[string]string{
	"20260101000001_t.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message t

-- migrate:up
CREATE TABLE t (id int PRIMARY KEY, n int);
ALTER TABLE t ADD COLUMN m int;

-- migrate:down
DROP TABLE t;
`,
	"20260101000002_rows.sql": `-- retort:revision 20260101000002
-- retort:parent 20260101000001
-- retort:message rows

-- migrate:up
INSERT INTO t VALUES (1, 1, 1);
INSERT INTO t VALUES (2, 2, 2);

-- migrate:down
DELETE FROM t;
`,
}

// Several processes upgrading one database at once take turns on the
// GET_LOCK migration lock: every statement runs exactly once (the INSERTs
// would fail on a duplicate key otherwise).
func TestConcurrentUpgradesRunEachStatementOnce(t *testing.T) {
	_, dsn, d := newDB(t)
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	ran := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			m, err := retort.NewMigrator(db, d, migrationFS(twoMigrations))
			if err != nil {
				errs[i] = err
				return
			}
			res, err := m.Upgrade(ctx, "head")
			errs[i] = err
			for _, r := range res {
				if !r.Skipped {
					ran[i]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("upgrade %d: %v", i, errs[i])
		}
		total += ran[i]
	}
	if total != 2 {
		t.Errorf("%d migrations ran in all, want 2 (each once)", total)
	}
	db, _ := sql.Open("mysql", dsn)
	defer db.Close()
	if got := queryRows(t, db, "SELECT id FROM t ORDER BY id"); !cmp.Equal(got, []string{"1", "2"}) {
		t.Errorf("rows = %v, want [1 2]", got)
	}
	if got := queryRows(t, db, "SELECT revision, progress FROM retort_revisions ORDER BY 1"); !cmp.Equal(got, []string{"20260101000001 | -1", "20260101000002 | -1"}) {
		t.Errorf("version rows = %v", got)
	}
}

// A failed statement leaves the migration partly applied and recorded; the
// Migrator API reports it as a *migrate.StmtError with the statement's
// number, and a downgrade as a *migrate.PartlyAppliedError.
func TestPartialMigrationThroughTheLibrary(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	files := map[string]string{"20260101000001_t.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message t

-- migrate:up
CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t (id));
INSERT INTO u VALUES (1, 42);
CREATE INDEX u_t ON u (t_id);

-- migrate:down
DROP TABLE u;
DROP TABLE t;
`}
	m, err := retort.NewMigrator(db, d, migrationFS(files))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Upgrade(ctx, "head")
	var se *migrate.StmtError
	if !errors.As(err, &se) || se.Number != 3 || se.Done != 2 || se.Line != 8 {
		t.Fatalf("Upgrade error = %#v, want statement 3 (line 8) failed after 2 done", err)
	}
	recs, err := m.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Progress != 2 {
		t.Errorf("version rows = %+v, want one with progress 2", recs)
	}
	_, err = m.Downgrade(ctx, "base")
	var pe *migrate.PartlyAppliedError
	if !errors.As(err, &pe) || pe.Done != 2 || pe.Total != 4 || !cmp.Equal(pe.Lines, []int{6, 7}) {
		t.Errorf("Downgrade error = %v, want a *migrate.PartlyAppliedError with 2 of 4 statements (lines 6, 7)", err)
	}
	// Fix the data by hand and run again: statement 3 and 4 only.
	files["20260101000001_t.sql"] = `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message t

-- migrate:up
CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t (id));
INSERT INTO u VALUES (1, NULL);
CREATE INDEX u_t ON u (t_id);

-- migrate:down
DROP TABLE u;
DROP TABLE t;
`
	m, err = retort.NewMigrator(db, d, migrationFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("Upgrade after the fix: %v", err)
	}
	if got := queryRows(t, db, "SELECT id, t_id FROM u"); !cmp.Equal(got, []string{"1 | NULL"}) {
		t.Errorf("rows of u = %v", got)
	}
	if _, err := m.Downgrade(ctx, "base"); err != nil {
		t.Errorf("Downgrade of the completed migration: %v", err)
	}
}

// A migration file for MySQL is split by MySQL's rules (issue 9): the text
// after "#" is a comment, so "DROP TABLE victim" never runs, and the
// backslash-escaped quote of 'it\'s' is part of the string. (The ALTER is
// the section's last statement: the comment swallows its ";", so on MySQL
// the statement ends where the section does.)
func TestMigrationFilesSplitByMySQLRules(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	run(t, db, "setup", "CREATE TABLE users (id int PRIMARY KEY, note varchar(20)); CREATE TABLE victim (id int PRIMARY KEY); INSERT INTO victim VALUES (1);")
	m, err := retort.NewMigrator(db, d, migrationFS(map[string]string{
		"20260101000001_nick.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message nick

-- migrate:up
INSERT INTO users VALUES (1, 'it\'s; # -- ');
ALTER TABLE users ADD COLUMN nick varchar(20) # nickname; DROP TABLE victim;

-- migrate:down
ALTER TABLE users DROP COLUMN nick;
`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM victim").Scan(&n); err != nil || n != 1 {
		t.Errorf("victim: %d rows, err %v; want the table with its row", n, err)
	}
	var note string
	var nick sql.NullString
	if err := db.QueryRow("SELECT note, nick FROM users WHERE id = 1").Scan(&note, &nick); err != nil {
		t.Fatal(err)
	}
	if note != "it's; # -- " || nick.Valid {
		t.Errorf("row = (%q, %v), want (\"it's; # -- \", NULL)", note, nick)
	}
}
