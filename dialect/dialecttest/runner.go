package dialecttest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
)

// Migrator is what the runner tests need of a migrator; retort's
// *Migrator has it.
type Migrator interface {
	Upgrade(ctx context.Context, target string) ([]migrate.Result, error)
	Downgrade(ctx context.Context, target string) ([]migrate.Result, error)
}

// downgradeRevs is the number of migrations of DowngradeMigrations.
const downgradeRevs = 5

// DowngradeRevision returns the revision of migration i (1-based) of
// DowngradeMigrations.
func DowngradeRevision(i int) string { return fmt.Sprintf("2026020100%04d", i) }

// DowngradeMigrations returns migrations that every engine runs: the first
// creates the table down_log; each of the others creates a table t<i>, and
// its down section drops it and logs its own revision in down_log, so
// that the rows of down_log count how often each down section ran. A down
// section run twice also fails at DROP TABLE.
func DowngradeMigrations() fstest.MapFS {
	fsys := fstest.MapFS{}
	parent := "base"
	for i := 1; i <= downgradeRevs; i++ {
		rev := DowngradeRevision(i)
		up, down := "CREATE TABLE down_log (rev varchar(32) NOT NULL);", "DROP TABLE down_log;"
		if i > 1 {
			up = fmt.Sprintf("CREATE TABLE t%d (id int PRIMARY KEY);", i)
			down = fmt.Sprintf("DROP TABLE t%d;\nINSERT INTO down_log (rev) VALUES ('%s');", i, rev)
		}
		text := fmt.Sprintf("-- retort:revision %s\n-- retort:parent %s\n-- retort:message step %d\n\n-- migrate:up\n%s\n\n-- migrate:down\n%s\n",
			rev, parent, i, up, down)
		fsys[rev+"_step.sql"] = &fstest.MapFile{Data: []byte(text)}
		parent = rev
	}
	return fsys
}

// ConcurrentDowngrades upgrades the database db to the head of
// DowngradeMigrations with up, then has the migrators downs (each with a
// session of its own) downgrade it to the first revision at the same
// moment. Each down section must run exactly once: down_log holds one row
// per reverted revision, each reverted revision is reported done (not
// skipped) by exactly one migrator, no migrator fails, the tables are gone
// and the version table holds the first revision only.
func ConcurrentDowngrades(t *testing.T, db *sql.DB, up Migrator, downs ...Migrator) {
	t.Helper()
	ctx := context.Background()
	if _, err := up.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("upgrade to head: %v", err)
	}
	first := DowngradeRevision(1)
	results := make([][]migrate.Result, len(downs))
	errs := make([]error, len(downs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, m := range downs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = m.Downgrade(ctx, first)
		})
	}
	close(start)
	wg.Wait()

	reverted := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: Downgrade: %v", i, err)
		}
		for _, r := range results[i] {
			if !r.Skipped {
				reverted[r.Revision]++
			}
		}
	}
	var wantLog []string
	for i := 2; i <= downgradeRevs; i++ {
		rev := DowngradeRevision(i)
		wantLog = append(wantLog, rev+" | 1")
		if reverted[rev] != 1 {
			t.Errorf("revision %s was reported reverted by %d migrators, want 1", rev, reverted[rev])
		}
	}
	got := Rows(t, db, "SELECT rev, count(*) FROM down_log GROUP BY rev ORDER BY rev")
	if d := cmp.Diff(wantLog, got); d != "" {
		t.Errorf("down_log: each down section must run exactly once (-want +got):\n%s", d)
	}
	if got := Rows(t, db, "SELECT revision, progress FROM retort_revisions ORDER BY revision"); !slices.Equal(got, []string{first + " | -1"}) {
		t.Errorf("version table = %v, want only %s, complete", got, first)
	}
	for i := 2; i <= downgradeRevs; i++ {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SELECT 1 FROM t%d", i)); err == nil {
			t.Errorf("table t%d still exists after the downgrade", i)
		}
	}
}

// ErrVersionWrite is the error a VersionFault gives the version write it
// fails.
var ErrVersionWrite = errors.New("dialecttest: version-table write failed on purpose")

// VersionFault fails one version-table write: the first write to the
// table (DELETE, INSERT or UPDATE naming it) that follows a statement that
// is not one, run through a transaction it wraps. That is the write which
// records a migration (or, on engines without transactional DDL, one
// statement of it) after its statements ran, whether or not the runner
// writes it in the same transaction. An engine's test wraps its dialect's
// Transact with Wrap, so that the runner's own code paths run unchanged;
// writes after the failed one pass.
type VersionFault struct {
	Table string // the version table's name, e.g. "retort_revisions"

	mu    sync.Mutex
	other bool // a statement other than a version write ran
	fired bool
}

// Fired reports whether the fault has failed a write.
func (f *VersionFault) Fired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired
}

// Wrap returns fn with its Querier replaced by one that fails the version
// write described at VersionFault.
func (f *VersionFault) Wrap(fn func(context.Context, dialect.Querier) error) func(context.Context, dialect.Querier) error {
	return func(ctx context.Context, q dialect.Querier) error {
		return fn(ctx, &faultQuerier{Querier: q, f: f})
	}
}

type faultQuerier struct {
	dialect.Querier
	f *VersionFault
}

func (q *faultQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.f.fire(query) {
		return nil, ErrVersionWrite
	}
	return q.Querier.ExecContext(ctx, query, args...)
}

// fire reports whether query is the write to fail.
func (f *VersionFault) fire(query string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.versionWrite(query) {
		f.other = true
		return false
	}
	if f.other && !f.fired {
		f.fired = true
		return true
	}
	return false
}

func (f *VersionFault) versionWrite(query string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	switch strings.ToUpper(verb) {
	case "DELETE", "INSERT", "UPDATE":
		return strings.Contains(query, f.Table)
	}
	return false
}

// VersionWriteRollback checks the promise of an engine whose DDL is
// transactional: the version row commits with the migration. The database
// db is at some revision; faulty is a migrator whose dialect wraps
// Transact with fault, and its upgrade to head must fail with
// ErrVersionWrite. Afterwards every query of absent (catalog queries for
// the objects the failed migration creates) returns no row, every query
// of same returns what it returned before (rows the migration changes,
// the version table), and the next upgrade by faulty succeeds, leaving
// the version table with the revisions of want, all complete.
func VersionWriteRollback(t *testing.T, db *sql.DB, faulty Migrator, fault *VersionFault, absent, same, want []string) {
	t.Helper()
	ctx := context.Background()
	before := make([][]string, len(same))
	for i, q := range same {
		before[i] = Rows(t, db, q)
	}
	_, err := faulty.Upgrade(ctx, "head")
	if !errors.Is(err, ErrVersionWrite) || !fault.Fired() {
		t.Fatalf("Upgrade error = %v, want the injected version-write failure", err)
	}
	for _, q := range absent {
		if got := Rows(t, db, q); len(got) > 0 {
			t.Errorf("after the failed version write: %s = %v, want no row (DDL and version row must commit together)", q, got)
		}
	}
	for i, q := range same {
		if got := Rows(t, db, q); !slices.Equal(got, before[i]) {
			t.Errorf("after the failed version write: %s = %v, want %v as before (DDL and version row must commit together)", q, got, before[i])
		}
	}
	if _, err := faulty.Upgrade(ctx, "head"); err != nil {
		t.Fatalf("upgrade after the failure: %v", err)
	}
	var wantRows []string
	for _, rev := range want {
		wantRows = append(wantRows, rev+" | -1")
	}
	if got := Rows(t, db, "SELECT revision, progress FROM retort_revisions ORDER BY revision"); !slices.Equal(got, wantRows) {
		t.Errorf("version rows after the second upgrade = %v, want %v", got, wantRows)
	}
}
