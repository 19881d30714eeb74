package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/migrate"
)

const fkAddFrom = `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int AUTO_INCREMENT PRIMARY KEY, parent_id int, pad char(100) NOT NULL DEFAULT '',
  KEY child_parent_id_fkey (parent_id));
INSERT INTO parent VALUES (1), (2);
INSERT INTO child (parent_id) VALUES (1), (2), (NULL), (1), (2), (1), (2), (1);
`

const fkAddTo = `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int AUTO_INCREMENT PRIMARY KEY, parent_id int, pad char(100) NOT NULL DEFAULT '',
  KEY child_parent_id_fkey (parent_id),
  CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id));
`

// fkAddPlan creates fkAddFrom with rows more rows in child and returns
// the plan that adds the foreign key, and the index of its ALTER step.
func fkAddPlan(t *testing.T, rows int) (*dialectEnv, *dialect.Plan, int) {
	t.Helper()
	db, _, d := newDB(t)
	run(t, db, "from", fkAddFrom)
	for n := 8; n < rows; n *= 2 {
		run(t, db, "grow", fmt.Sprintf("INSERT INTO child (parent_id, pad) SELECT parent_id, pad FROM child LIMIT %d", rows-n))
	}
	p := plan(t, d, inspect(t, d, db), loadSchema(t, d, "to.sql", fkAddTo))
	for i, s := range p.Steps {
		if strings.Contains(s.SQL, "ADD CONSTRAINT `child_parent_id_fkey`") && strings.Contains(s.SQL, "ALGORITHM=INPLACE, LOCK=NONE") {
			return &dialectEnv{db: db, d: d}, p, i
		}
	}
	t.Fatalf("no in-place ADD CONSTRAINT in the plan:\n%s", p.Format())
	return nil, nil, 0
}

// fkEnforced reports whether child has the key and the server refuses an
// orphan row (error 1452).
func fkEnforced(t *testing.T, env *dialectEnv) bool {
	t.Helper()
	if !strings.Contains(showCreate(t, env.db, "child"), "CONSTRAINT `child_parent_id_fkey` FOREIGN KEY") {
		return false
	}
	_, err := env.db.Exec("INSERT INTO child (parent_id) VALUES (99)")
	if mysql.ErrorNumber(err) != 1452 {
		t.Fatalf("orphan insert with the key in place: %v, want error 1452", err)
	}
	return true
}

// A new foreign key on a populated table is added in place: the ALTER
// says ALGORITHM=INPLACE, LOCK=NONE, which the server refuses rather than
// copy, and it runs; the key is enforced afterwards. The same ALTER with
// foreign_key_checks on is refused in place, which is why the plan turns
// them off for it.
func TestForeignKeyAddIsInPlace(t *testing.T) {
	env, p, i := fkAddPlan(t, 20_000)
	alterSQL := strings.TrimPrefix(p.Steps[i].SQL, "SET STATEMENT foreign_key_checks = 0 FOR ")
	if alterSQL == p.Steps[i].SQL {
		t.Skip("not MariaDB: the session form is covered by the golden cases only")
	}
	if _, err := env.db.Exec(alterSQL); mysql.ErrorNumber(err) != 1846 {
		t.Fatalf("in-place ADD FOREIGN KEY with checks on: %v, want error 1846 (the server would copy)", err)
	}
	apply(t, env.d, env.db, p)
	if !fkEnforced(t, env) {
		t.Fatalf("no foreign key after the plan:\n%s", showCreate(t, env.db, "child"))
	}
	if again := plan(t, env.d, inspect(t, env.d, env.db), loadSchema(t, env.d, "to.sql", fkAddTo)); len(again.Steps) != 0 {
		t.Errorf("plan after apply not empty:\n%s", again.Format())
	}
}

// An orphan row written between the orphan check and the in-place ALTER
// (checks off: the server does not see it) is caught by the check after
// the ALTER: the plan fails naming the table, the key and the count, and
// the table is left without the key. Resumed from the failed statement
// once the orphan is gone (as the runner resumes a migration file), the
// rest of the plan adds the key again.
func TestForeignKeyAddCatchesOrphansWrittenDuringIt(t *testing.T) {
	env, p, i := fkAddPlan(t, 64)
	ctx := context.Background()
	if err := dialect.Apply(ctx, env.d, pin(t, env.db), &dialect.Plan{Steps: p.Steps[:i]}); err != nil {
		t.Fatalf("steps before the ALTER: %v", err)
	}
	// The writer that slipped in: its session has checks off, as a
	// server without the key would not check either.
	w := pin(t, env.db)
	run(t, w, "orphan", "SET SESSION foreign_key_checks = 0;\nINSERT INTO child (parent_id) VALUES (42);\nSET SESSION foreign_key_checks = 1;")
	rest := p.Steps[i:]
	err := dialect.Apply(ctx, env.d, pin(t, env.db), &dialect.Plan{Steps: rest})
	var oe *dialect.OrphanRowsError
	if !errors.As(err, &oe) || oe.Table != "child" || oe.Constraint != "child_parent_id_fkey" || oe.Count != 1 {
		t.Fatalf("Apply error = %v, want 1 orphan row in child for child_parent_id_fkey\nplan:\n%s", err, p.Format())
	}
	if got := showCreate(t, env.db, "child"); strings.Contains(got, "FOREIGN KEY") {
		t.Fatalf("the key stayed over an orphan row:\n%s", got)
	}
	failed := -1
	for j, s := range rest {
		if strings.HasPrefix(s.SQL, "SET SESSION sql_mode = (") {
			failed = j
		}
	}
	run(t, env.db, "fix", "DELETE FROM child WHERE parent_id = 42")
	if err := dialect.Apply(ctx, env.d, pin(t, env.db), &dialect.Plan{Steps: rest[failed:]}); err != nil {
		t.Fatalf("resumed at the check: %v", err)
	}
	if !fkEnforced(t, env) {
		t.Fatalf("no foreign key after the resumed plan:\n%s", showCreate(t, env.db, "child"))
	}
}

// dialectEnv is a test database and its engine.
type dialectEnv struct {
	db *sql.DB
	d  *mysql.Dialect
}

// The same through the runner, with the plan from the ALTER on written as
// a migration file and the orphan already there (as if it came in after
// the check): the upgrade fails at the orphan check with the statements
// before it recorded as done and the key dropped again; once the orphan
// is gone the next upgrade resumes at the check and the key ends up in
// place and enforced.
func TestForeignKeyAddResumesThroughTheRunner(t *testing.T) {
	env, p, i := fkAddPlan(t, 64)
	ctx := context.Background()
	run(t, env.db, "orphan", "SET SESSION foreign_key_checks = 0;\nINSERT INTO child (parent_id) VALUES (42);\nSET SESSION foreign_key_checks = 1;")
	files := map[string]string{"20260101000001_fk.sql": "-- retort:revision 20260101000001\n-- retort:parent base\n-- retort:message fk\n\n-- migrate:up\n" +
		(&dialect.Plan{Steps: p.Steps[i:]}).Format() + "\n-- migrate:down\nALTER TABLE child DROP FOREIGN KEY child_parent_id_fkey;\n"}
	m, err := retort.NewMigrator(env.db, env.d, migrationFS(files))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Upgrade(ctx, "head")
	var se *migrate.StmtError
	var oe *dialect.OrphanRowsError
	if !errors.As(err, &se) || se.Done != 5 || !errors.As(err, &oe) || oe.Constraint != "child_parent_id_fkey" {
		t.Fatalf("Upgrade error = %v, want the orphan check (statement 6) failed after 5 done\nfile:\n%s", err, files["20260101000001_fk.sql"])
	}
	if got := showCreate(t, env.db, "child"); strings.Contains(got, "FOREIGN KEY") {
		t.Fatalf("the key stayed over an orphan row:\n%s", got)
	}
	run(t, env.db, "fix", "DELETE FROM child WHERE parent_id = 42")
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("Upgrade after the fix: %v", err)
	}
	if !fkEnforced(t, env) {
		t.Fatalf("no foreign key after the resumed upgrade:\n%s", showCreate(t, env.db, "child"))
	}
}
