package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/mysql"
)

// Four migrators downgrade one database at once: GET_LOCK makes each down
// section run exactly once.
func TestConcurrentDowngrades(t *testing.T) {
	db, dsn, d := newDB(t)
	fsys := dialecttest.DowngradeMigrations()
	open := func() dialecttest.Migrator {
		mdb, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mdb.Close() })
		m, err := retort.NewMigrator(mdb, d, fsys)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	dialecttest.ConcurrentDowngrades(t, db, open(), open(), open(), open(), open())
}

// faultMySQL is MySQL whose migration transactions fail one version-table
// write (dialecttest.VersionFault).
type faultMySQL struct {
	*mysql.Dialect
	fault *dialecttest.VersionFault
}

func (d faultMySQL) Transact(ctx context.Context, conn *sql.Conn, fn func(context.Context, dialect.Querier) error) error {
	return d.Dialect.Transact(ctx, conn, d.fault.Wrap(fn))
}

// MySQL's DDL commits on its own, so a failed version write cannot take
// it back. What the design promises instead (docs/architecture.md,
// "Runner" and "Statements in flight"): each statement is recorded on its
// own, so when the write after a statement fails, the runner records that
// the statement ran (progress), the error says so, and the next upgrade
// resumes after it instead of running it twice.
func TestVersionWriteFailureRecordsProgress(t *testing.T) {
	ctx := context.Background()
	db, _, d := newDB(t)
	files := migrationFS(map[string]string{"20260301000001_t.sql": `-- retort:revision 20260301000001
-- retort:parent base
-- retort:message t

-- migrate:up
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY);

-- migrate:down
DROP TABLE b;
DROP TABLE a;
`})
	fault := &dialecttest.VersionFault{Table: "retort_revisions"}
	m, err := retort.NewMigrator(db, faultMySQL{Dialect: d, fault: fault}, files)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Upgrade(ctx, "head")
	if !errors.Is(err, dialecttest.ErrVersionWrite) || !fault.Fired() {
		t.Fatalf("Upgrade error = %v, want the injected version-write failure", err)
	}
	tables := "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('a', 'b') ORDER BY 1"
	if got := queryRows(t, db, tables); !slices.Equal(got, []string{"a"}) {
		t.Errorf("tables after the failed write = %v, want [a] (statement 1 ran, 2 did not)", got)
	}
	// Statement 1 ran: progress 1, and no in-flight mark (duration_ms -1).
	if got := queryRows(t, db, "SELECT revision, progress, duration_ms >= 0 FROM retort_revisions"); !slices.Equal(got, []string{"20260301000001 | 1 | 1"}) {
		t.Errorf("version rows after the failed write = %v, want progress 1 without an in-flight mark", got)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("the next upgrade must resume at statement 2: %v", err)
	}
	if got := queryRows(t, db, tables); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("tables after resuming = %v", got)
	}
	if got := queryRows(t, db, "SELECT revision, progress FROM retort_revisions"); !slices.Equal(got, []string{"20260301000001 | -1"}) {
		t.Errorf("version rows after resuming = %v", got)
	}
}
