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

// A foreign key needs an index whose first columns are the key's at every
// moment, and the server enforces it: dropping the last such index fails
// with error 1553, and adding another one makes the server drop the index
// it made for the key by itself. Each case is planned, applied on the
// server, and the indexes and the key read back from the catalog.
func TestSupportingIndexOrder(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		indexes  []string // "index: columns" from information_schema.STATISTICS, by name
	}{
		{
			// The key's own index must be added before (or with) the drop
			// of the composite index that served it, or the drop fails
			// with 1553.
			name: "composite index that served the key goes",
			from: `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, a int, b int, KEY c_a_b (a, b), CONSTRAINT c_a_fkey FOREIGN KEY (a) REFERENCES p (id));`,
			to: `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, a int, b int, CONSTRAINT c_a_fkey FOREIGN KEY (a) REFERENCES p (id));`,
			indexes: []string{"c_a_fkey: a", "PRIMARY: id"},
		},
		{
			// An index named like the key is kept while a new index that
			// can serve the key is added: the server would drop it on its
			// own, unless it is recreated in the same statement.
			name: "key's own index kept beside a new covering index",
			from: `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, a int, CONSTRAINT c_a_fkey FOREIGN KEY (a) REFERENCES p (id));`,
			to: `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, a int, KEY c_a_fkey (a), KEY c_a_id (a, id), CONSTRAINT c_a_fkey FOREIGN KEY (a) REFERENCES p (id));`,
			indexes: []string{"c_a_fkey: a", "c_a_id: a,id", "PRIMARY: id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, _, d := newDB(t)
			run(t, pin(t, db), "from.sql", tt.from+"\nINSERT INTO p VALUES (1);\nINSERT INTO c (id, a) VALUES (1, 1), (2, NULL);")
			desired := loadSchema(t, d, "to.sql", tt.to)
			p := plan(t, d, inspect(t, d, db), desired)
			conn := pin(t, db)
			if err := dialect.Apply(context.Background(), d, conn, p); err != nil {
				t.Fatalf("the server refused the plan: %v\nplan:\n%s", err, p.Format())
			}
			got := queryRows(t, db, `SELECT CONCAT(index_name, ': ', GROUP_CONCAT(column_name ORDER BY seq_in_index))
				FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'c'
				GROUP BY index_name ORDER BY index_name`)
			if !slices.Equal(got, tt.indexes) {
				t.Errorf("indexes of c = %v, want %v\nplan:\n%s", got, tt.indexes, p.Format())
			}
			fks := `SELECT constraint_name FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE()`
			if got := queryRows(t, db, fks); !slices.Equal(got, []string{"c_a_fkey"}) {
				t.Errorf("foreign keys = %v, want [c_a_fkey]", got)
			}
			if _, err := db.Exec("INSERT INTO c (id, a) VALUES (3, 42)"); err == nil {
				t.Error("an orphan row was accepted: the key is not enforced")
			}
			if again := plan(t, d, inspect(t, d, db), desired); !again.Empty() {
				t.Errorf("a second plan is not empty:\n%s", again.Format())
			}
		})
	}
}
