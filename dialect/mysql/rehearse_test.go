package mysql_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/migrate"
)

// tables returns the base tables and views of q's database.
func tables(t *testing.T, q dialect.Querier) []string {
	t.Helper()
	return queryRows(t, q, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")
}

// A desired schema whose view calls a function: the table comes first, the
// view needs the function. Applied without a rehearsal, a plan that does
// not create the function leaves the table behind when the view fails.
// With the rehearsal the apply is all or nothing: either it is refused
// before the database is touched, or everything is there.
func TestApplyViewCallingFunctionIsAllOrNothing(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	desired := loadSchema(t, d, "schema.sql", `CREATE TABLE t (id int PRIMARY KEY);
CREATE FUNCTION f(a int) RETURNS int DETERMINISTIC RETURN a + 1;
CREATE VIEW v AS SELECT f(id) AS x FROM t;
`)
	rdb, err := retort.New(db, d)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rdb.Plan(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	err = rdb.Apply(ctx, p)
	var re *dialect.RehearsalError
	switch {
	case errors.As(err, &re):
		if got := tables(t, db); len(got) != 0 {
			t.Errorf("apply was refused in rehearsal (%v), yet the database has %v", err, got)
		}
		if !strings.Contains(re.Error(), "nothing ran on the database") || re.Stmt == "" {
			t.Errorf("rehearsal error = %q, want the statement and 'nothing ran on the database'", re)
		}
	case err != nil:
		t.Fatalf("Apply = %v, want a *dialect.RehearsalError or success", err)
	default:
		if got := tables(t, db); !cmp.Equal(got, []string{"t", "v"}) {
			t.Errorf("apply succeeded, but the database has %v, want [t v]", got)
		}
	}
}

// A plan whose second statement fails is refused with that statement and
// the server's error; the first statement never runs on the target.
func TestApplyRehearsalRefusesFailingPlan(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	rdb, err := retort.New(db, d)
	if err != nil {
		t.Fatal(err)
	}
	desired := loadSchema(t, d, "schema.sql", "CREATE TABLE a (id int PRIMARY KEY);\n")
	p, err := rdb.Plan(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	p.SQL.Steps = append(p.SQL.Steps, dialect.Step{SQL: "ALTER TABLE a ADD COLUMN id int"})
	err = rdb.Apply(ctx, p)
	var re *dialect.RehearsalError
	if !errors.As(err, &re) || re.Index != 1 || re.Stmt != "ALTER TABLE a ADD COLUMN id int" || mysqlErrno(re.Err) != 1060 {
		t.Fatalf("Apply = %v, want a *dialect.RehearsalError at statement 2 with error 1060", err)
	}
	if got := tables(t, db); len(got) != 0 {
		t.Errorf("the target has %v after a refused plan, want nothing", got)
	}
	// Without the rehearsal the first statement runs, as before.
	rdb, _ = retort.New(db, d, retort.WithoutRehearsal())
	if err := rdb.Apply(ctx, p); err == nil || errors.As(err, &re) {
		t.Fatalf("Apply without rehearsal = %v, want the server's error", err)
	}
	if got := tables(t, db); !cmp.Equal(got, []string{"a"}) {
		t.Errorf("without rehearsal the target has %v, want [a]", got)
	}
}

func mysqlErrno(err error) int {
	var n int
	for e := err; e != nil; e = errors.Unwrap(e) {
		if _, serr := fmt.Sscanf(e.Error(), "Error %d", &n); serr == nil {
			return n
		}
	}
	return 0
}

// A user without the right to create databases gets the plan applied, and
// the migrations run, as before, with one warning that they were not
// rehearsed.
func TestApplyWithoutCreateRightsWarnsOnce(t *testing.T) {
	db, dsn, _ := newDB(t)
	ctx := context.Background()
	var dbName string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	user, pass := "retort_ro_"+hex.EncodeToString(b), "pw"+hex.EncodeToString(b)
	for _, s := range []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, pass),
		fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", dbName, user),
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)); err != nil {
			t.Errorf("cleanup: drop user %s: %v", user, err)
		}
	})
	// The DSN of the restricted user: same server and database.
	at := strings.Index(dsn, "@")
	userDSN := user + ":" + pass + dsn[at:]
	udb, err := sql.Open("mysql", userDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer udb.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d := mysql.New(mysql.WithScratchServer(userDSN), mysql.WithLogger(logger))
	rdb, err := retort.New(udb, d, retort.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	// The desired schemas are loaded as root: the restricted user could
	// not load them either.
	_, _, rootD := newDB(t)
	for i, src := range []string{"CREATE TABLE a (id int PRIMARY KEY);\n", "CREATE TABLE a (id int PRIMARY KEY, n int);\n"} {
		desired := loadSchema(t, rootD, "schema.sql", src)
		p, err := rdb.Plan(ctx, desired)
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.Apply(ctx, p); err != nil {
			t.Fatalf("apply %d as a user without CREATE rights: %v", i+1, err)
		}
	}
	if got := queryRows(t, db, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'a' ORDER BY ORDINAL_POSITION"); !cmp.Equal(got, []string{"id", "n"}) {
		t.Errorf("columns of a = %v, want [id n]", got)
	}
	if n := strings.Count(logs.String(), "plan not rehearsed"); n != 1 {
		t.Errorf("the log says %d times that the plan was not rehearsed, want once:\n%s", n, &logs)
	}
	// Migrations too: they run, with one warning.
	logs.Reset()
	m, err := retort.NewMigrator(udb, d, migrationFS(twoMigrations), retort.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("upgrade as a user without CREATE rights: %v", err)
	}
	if got := queryRows(t, db, "SELECT id, n, m FROM t ORDER BY id"); !cmp.Equal(got, []string{"1 | 1 | 1", "2 | 2 | 2"}) {
		t.Errorf("rows of t = %v", got)
	}
	if n := strings.Count(logs.String(), "migrations not rehearsed"); n != 1 {
		t.Errorf("the log says %d times that the migrations were not rehearsed, want once:\n%s", n, &logs)
	}
}

// An upgrade whose second statement cannot run is refused before the
// first runs: no table, no version row.
func TestUpgradeRehearsalRefusesFailingMigration(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	files := map[string]string{"20260101000001_t.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message t

-- migrate:up
CREATE TABLE t (id int PRIMARY KEY);
ALTER TABLE t ADD COLUMN id int;

-- migrate:down
DROP TABLE t;
`}
	m, err := retort.NewMigrator(db, d, migrationFS(files))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Upgrade(ctx, "head")
	var re *dialect.RehearsalError
	if !errors.As(err, &re) || re.File != "20260101000001_t.sql" || re.Line != 7 || mysqlErrno(re.Err) != 1060 {
		t.Fatalf("Upgrade = %v, want a *dialect.RehearsalError at 20260101000001_t.sql:7 with error 1060", err)
	}
	if got := tables(t, db); len(got) != 0 {
		t.Errorf("the database has %v after a refused upgrade, want nothing (not even the version table)", got)
	}
}

// An earlier run was killed while the server ran statement 2 (the version
// row says so: progress 1, in flight). The next upgrade finds out from the
// live schema whether it took effect, records it, and completes, whatever
// the truth was. Before, it ran statement 2 again and failed on a
// duplicate column, index or foreign key.
func TestUpgradeReconcilesStatementInFlight(t *testing.T) {
	up := []string{
		"CREATE TABLE p (id int PRIMARY KEY)",
		"CREATE TABLE t (id int PRIMARY KEY, p_id int)",
		"ALTER TABLE t ADD COLUMN c int",
		"ALTER TABLE t ADD INDEX (c)",
		"ALTER TABLE t ADD FOREIGN KEY (p_id) REFERENCES p (id)",
		"ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE",
		"INSERT INTO p VALUES (1)",
		"ALTER TABLE t DROP FOREIGN KEY t_p",
	}
	file := "-- retort:revision 20260101000001\n-- retort:parent base\n-- retort:message t\n\n-- migrate:up\n" +
		strings.Join(up, ";\n") + ";\n\n-- migrate:down\nDROP TABLE t;\nDROP TABLE p;\n"
	for k := 3; k <= len(up); k++ {
		if strings.HasPrefix(up[k-1], "INSERT") {
			continue // data statements commit with their version row
		}
		for _, ran := range []bool{false, true} {
			t.Run(fmt.Sprintf("statement %d ran %v", k, ran), func(t *testing.T) {
				db, _, d := newDB(t)
				ctx := context.Background()
				live := up[:k-1]
				if ran {
					live = up[:k]
				}
				for _, s := range live {
					if _, err := db.Exec(s); err != nil {
						t.Fatal(err)
					}
				}
				fsys := migrationFS(map[string]string{"20260101000001_t.sql": file})
				g, err := retort.LoadGraph(fsys)
				if err != nil {
					t.Fatal(err)
				}
				f, _ := g.Get("20260101000001")
				h := migrate.NewHistory(d, "")
				if err := h.Ensure(ctx, db); err != nil {
					t.Fatal(err)
				}
				rec := migrate.Record{Revision: f.Revision, Parents: f.Parents, Message: f.Message,
					Checksum: migrate.PrefixChecksum(f.Up, k-1), AppliedAt: time.Now(), Progress: k - 1, InFlight: true}
				for _, s := range h.WriteSQL(rec) {
					if _, err := db.Exec(s); err != nil {
						t.Fatal(err)
					}
				}
				var logs bytes.Buffer
				m, err := retort.NewMigrator(db, d, fsys, retort.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Upgrade(ctx, "head"); err != nil {
					t.Fatalf("upgrade after the interruption: %v\nlog:\n%s", err, &logs)
				}
				want := "had not taken effect"
				if ran {
					want = "had taken effect"
				}
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the log does not say %q:\n%s", want, &logs)
				}
				// The result is the schema of a clean run.
				clean, _, _ := newDB(t)
				for _, s := range up {
					if _, err := clean.Exec(s); err != nil {
						t.Fatal(err)
					}
				}
				if got, want := showCreate(t, db, "t"), showCreate(t, clean, "t"); got != want {
					t.Errorf("t after reconciliation:\n%s\nwant (clean run):\n%s", got, want)
				}
				if got := queryRows(t, db, "SELECT progress, duration_ms >= 0 FROM retort_revisions"); !cmp.Equal(got, []string{"-1 | 1"}) {
					t.Errorf("version row = %v, want complete", got)
				}
			})
		}
	}
}

// Cancelling an upgrade (Ctrl-C) while the server copies a table of
// 500,000 rows for an ALTER: the statement is stopped on the server, its
// outcome found out and recorded, and the next upgrade completes. Before,
// the ALTER could finish on the server after retort had recorded it as not
// run, and the next upgrade failed with "Duplicate column name".
func TestUpgradeCancelledDuringAlter(t *testing.T) {
	if testing.Short() {
		t.Skip("copies a table of 500,000 rows several times; skipped with -short")
	}
	files := map[string]string{
		"20260101000001_big.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message big

-- migrate:up
CREATE TABLE big (id int PRIMARY KEY AUTO_INCREMENT, payload varchar(40) NOT NULL);

-- migrate:down
DROP TABLE big;
`,
		"20260101000002_alter.sql": `-- retort:revision 20260101000002
-- retort:parent 20260101000001
-- retort:message alter

-- migrate:up
ALTER TABLE big ADD COLUMN c int NOT NULL DEFAULT 1, ALGORITHM=COPY;
ALTER TABLE big ADD COLUMN d int NOT NULL DEFAULT 2, ALGORITHM=COPY;

-- migrate:down
ALTER TABLE big DROP COLUMN d, DROP COLUMN c;
`}
	// One clean run gives the time an upgrade takes; the cancellations
	// land at fractions of it.
	var took time.Duration
	{
		db, _, d := newDB(t)
		m, err := retort.NewMigrator(db, d, migrationFS(files))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Upgrade(context.Background(), "+1"); err != nil {
			t.Fatal(err)
		}
		fillBig(t, db)
		start := time.Now()
		if _, err := m.Upgrade(context.Background(), "head"); err != nil {
			t.Fatal(err)
		}
		took = time.Since(start)
	}
	outcomes := map[string]int{}
	for i := 1; i <= 5; i++ {
		delay := took * time.Duration(i) / 6
		t.Run(fmt.Sprintf("%d of 6", i), func(t *testing.T) {
			db, _, d := newDB(t)
			m, err := retort.NewMigrator(db, d, migrationFS(files))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Upgrade(context.Background(), "+1"); err != nil {
				t.Fatal(err)
			}
			fillBig(t, db)
			ctx, cancel := context.WithTimeout(context.Background(), delay)
			defer cancel()
			_, err = m.Upgrade(ctx, "head")
			var ie *migrate.InterruptedError
			switch {
			case err == nil:
				outcomes["finished first"]++
			case errors.As(err, &ie):
				if !ie.Known {
					t.Fatalf("outcome not found: %v", err)
				}
				outcomes[fmt.Sprintf("statement %d ran %v", ie.Number, ie.Ran)]++
				t.Log(err)
			default:
				// Cancelled between statements: nothing was in flight.
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Upgrade = %v, want an *migrate.InterruptedError", err)
				}
				outcomes["between statements"]++
			}
			if _, err := m.Upgrade(context.Background(), "head"); err != nil {
				t.Fatalf("upgrade after the interruption: %v", err)
			}
			if got := queryRows(t, db, "SELECT count(*), sum(c), sum(d) FROM big"); !cmp.Equal(got, []string{"524288 | 524288 | 1048576"}) {
				t.Errorf("rows = %v", got)
			}
			if got := queryRows(t, db, "SELECT revision, progress FROM retort_revisions ORDER BY 1"); !cmp.Equal(got, []string{"20260101000001 | -1", "20260101000002 | -1"}) {
				t.Errorf("version rows = %v", got)
			}
		})
	}
	t.Logf("outcomes: %v", outcomes)
}

// fillBig puts 2^19 rows into big, doubling them with INSERT … SELECT.
func fillBig(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec("INSERT INTO big (payload) VALUES ('row 1')"); err != nil {
		t.Fatal(err)
	}
	for range 19 {
		if _, err := db.Exec("INSERT INTO big (payload) SELECT concat('row ', id) FROM big"); err != nil {
			t.Fatal(err)
		}
	}
}

// The connection of an upgrade is killed on the server while it copies a
// table for an ALTER (a lost connection): the runner learns the ALTER's
// outcome from the live schema, records it, and says which it found; the
// next upgrade completes.
func TestUpgradeConnectionLostDuringAlter(t *testing.T) {
	if testing.Short() {
		t.Skip("copies a table of 500,000 rows; skipped with -short")
	}
	db, _, d := newDB(t)
	files := map[string]string{
		"20260101000001_big.sql": `-- retort:revision 20260101000001
-- retort:parent base
-- retort:message big

-- migrate:up
CREATE TABLE big (id int PRIMARY KEY AUTO_INCREMENT, payload varchar(40) NOT NULL);
`,
		"20260101000002_alter.sql": `-- retort:revision 20260101000002
-- retort:parent 20260101000001
-- retort:message alter

-- migrate:up
ALTER TABLE big ADD COLUMN c int NOT NULL DEFAULT 1, ALGORITHM=COPY;
`}
	m, err := retort.NewMigrator(db, d, migrationFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(context.Background(), "+1"); err != nil {
		t.Fatal(err)
	}
	fillBig(t, db)
	var dbName string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := m.Upgrade(context.Background(), "head")
		done <- err
	}()
	// Kill the session once the server is running the ALTER.
	var id int64
	for deadline := time.Now().Add(time.Minute); id == 0; {
		err := db.QueryRow("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'ALTER TABLE big%'", dbName).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the ALTER did not start within a minute")
		}
	}
	if _, err := db.Exec(fmt.Sprintf("KILL CONNECTION %d", id)); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var ie *migrate.InterruptedError
	if !errors.As(err, &ie) || !ie.Known || ie.Ran || ie.Number != 1 {
		t.Fatalf("Upgrade = %v, want an *migrate.InterruptedError: statement 1 had not run", err)
	}
	if !strings.Contains(err.Error(), "had not taken effect") || !strings.Contains(err.Error(), "column c added") {
		t.Errorf("the error does not say what was found: %v", err)
	}
	if got := queryRows(t, db, "SELECT revision, progress FROM retort_revisions ORDER BY 1"); !cmp.Equal(got, []string{"20260101000001 | -1"}) {
		t.Errorf("version rows = %v, want only revision 1", got)
	}
	if _, err := m.Upgrade(context.Background(), "head"); err != nil {
		t.Fatalf("upgrade after the lost connection: %v", err)
	}
	if got := queryRows(t, db, "SELECT count(*), sum(c) FROM big"); !cmp.Equal(got, []string{"524288 | 524288"}) {
		t.Errorf("rows = %v", got)
	}
}

// A fleet of databases with one starting schema, migrated by one engine
// value, rehearses once: the second database's rehearsal is the first
// one's, served from the engine's cache.
func TestRehearsalOncePerStartingSchema(t *testing.T) {
	ctx := context.Background()
	db1, _, d := newDB(t)
	db2, _, _ := newDB(t)
	stmts := []string{"ALTER TABLE t ADD COLUMN m int"}
	var afters []any
	for _, db := range []*sql.DB{db1, db2} {
		if _, err := db.Exec("CREATE TABLE t (id int PRIMARY KEY, n int)"); err != nil {
			t.Fatal(err)
		}
		_, after, err := d.Rehearse(ctx, inspect(t, d, db), stmts)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := after.Table("t"); !ok {
			t.Fatalf("rehearsal result has no table t: %+v", after)
		}
		afters = append(afters, after)
	}
	if afters[0] != afters[1] {
		t.Error("the second database of the same schema was rehearsed again")
	}
	// Another starting schema is rehearsed on its own.
	if _, err := db2.Exec("ALTER TABLE t ADD COLUMN k int"); err != nil {
		t.Fatal(err)
	}
	if _, after, err := d.Rehearse(ctx, inspect(t, d, db2), stmts); err != nil || after == afters[0] {
		t.Errorf("a changed schema got the cached rehearsal (err %v)", err)
	}
}

// Cancelling an apply while the server copies a table for an ALTER stops
// the ALTER on the server: once Apply has returned, the table is never
// changed behind retort's back. Before, the server finished the ALTER
// after retort had reported the apply as failed.
func TestApplyCancelledStopsTheStatement(t *testing.T) {
	if testing.Short() {
		t.Skip("copies a table of 500,000 rows; skipped with -short")
	}
	db, _, d := newDB(t)
	run(t, db, "setup", "CREATE TABLE big (id int PRIMARY KEY AUTO_INCREMENT, payload varchar(40) NOT NULL);")
	fillBig(t, db)
	var dbName string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	desired := loadSchema(t, d, "schema.sql", "CREATE TABLE big (id int PRIMARY KEY AUTO_INCREMENT, payload varchar(80) NOT NULL);")
	rdb, err := retort.New(db, d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := rdb.Plan(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rdb.Apply(ctx, p) }()
	running := func() bool {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'ALTER TABLE `big`%'", dbName).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	for deadline := time.Now().Add(time.Minute); !running(); {
		if time.Now().After(deadline) {
			t.Fatal("the ALTER did not start within a minute")
		}
	}
	cancel()
	err = <-done
	if err == nil {
		t.Fatal("Apply succeeded although it was cancelled during its ALTER")
	}
	if !strings.Contains(err.Error(), "stopped on the server") {
		t.Errorf("Apply = %v, want the interruption, saying the statement was stopped on the server", err)
	}
	for deadline := time.Now().Add(time.Minute); running(); {
		if time.Now().After(deadline) {
			t.Fatal("the ALTER still runs a minute after Apply returned")
		}
	}
	if got := queryRows(t, db, "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big' AND COLUMN_NAME = 'payload'"); !cmp.Equal(got, []string{"40"}) {
		t.Errorf("payload is varchar(%v) after the cancelled apply, want 40 (unchanged)", got)
	}
}
