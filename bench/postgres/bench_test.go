package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retortdb/retort/internal/benchkit"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort/bench/postgres"
	"github.com/retortdb/retort/dialect"
	pg "github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

var (
	tables = flag.Int("tables", 1000, "tables of the schema BenchmarkInspectDiff inspects (two foreign keys each)")
	rows   = flag.Int("rows", 2_000_000, "rows of the child table whose foreign key BenchmarkFKStall recreates")
)

// Both benchmarks need the server of RETORT_TEST_POSTGRES_URL (they skip
// without it), and report ratios against a baseline measured in the same
// iterations, alternately, so that a background burst on a shared machine
// hits both sides. The *-ms metrics are medians, for reading the ratios.

func open(b *testing.B, url string) *sql.DB {
	b.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		b.Fatal(err)
	}
	return db
}

// load runs src in one transaction.
func load(b *testing.B, db *sql.DB, src string) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	if err := dialect.Load(ctx, tx, "schema.sql", src); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInspectDiff times what a diff against a live database costs
// retort — connect, Inspect, diff.Compare against the desired schema (an
// equal copy, so the diff walks everything and finds nothing), disconnect
// — against pg_dump --schema-only of the same database (a process that
// connects, reads the catalog and prints it), alternately in the same
// iterations, and against the catalog floor (catalogQuery). It reports
// x-query (over the floor), x-pg_dump (target ≤ 1.5), the medians, and the
// number of queries one Inspect issues.
func BenchmarkInspectDiff(b *testing.B) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		b.Skip("pg_dump is not installed")
	}
	url := testdb.Postgres(b)
	db := open(b, url)
	load(b, db, postgres.Schema(*tables))
	if _, err := db.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	d := pg.New()
	c := &benchkit.Counter{Querier: db}
	first, err := d.Inspect(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	fks := 0
	for _, t := range first.Tables {
		fks += len(t.ForeignKeys)
	}
	if len(first.Tables) != *tables || fks != 2**tables {
		b.Fatalf("inspected %d tables and %d foreign keys, want %d and %d", len(first.Tables), fks, *tables, 2**tables)
	}
	policies := 0
	for _, t := range first.Tables {
		policies += len(t.Policies)
	}
	if len(first.Routines) != 2 || len(first.Triggers) != *tables/5 || policies != 2*(*tables/10) {
		b.Fatalf("inspected %d routines, %d triggers and %d policies, want 2, %d and %d",
			len(first.Routines), len(first.Triggers), policies, *tables/5, 2*(*tables/10))
	}
	// The desired schema: a deep copy, so that Compare compares every field.
	var desired schema.Schema
	js, _ := json.Marshal(first)
	if err := json.Unmarshal(js, &desired); err != nil {
		b.Fatal(err)
	}

	var retort, dump, floor []time.Duration
	for i := 0; i < b.N; i++ {
		run := func() {
			start := time.Now()
			conn, err := sql.Open("pgx", url)
			if err != nil {
				b.Fatal(err)
			}
			s, err := d.Inspect(ctx, conn)
			if err != nil {
				b.Fatal(err)
			}
			if changes := diff.Compare(s, &desired); len(changes) > 0 {
				b.Fatalf("spurious diff: %v", diff.Describe(changes))
			}
			conn.Close()
			retort = append(retort, time.Since(start))
		}
		baseline := func() {
			b.StopTimer()
			start := time.Now()
			cmd := exec.Command("pg_dump", "--schema-only", "--dbname", url)
			var stderr strings.Builder
			cmd.Stdout, cmd.Stderr = io.Discard, &stderr
			if err := cmd.Run(); err != nil {
				b.Fatalf("pg_dump: %v\n%s", err, stderr.String())
			}
			dump = append(dump, time.Since(start))
			b.StartTimer()
		}
		// The floor: connect, read what Inspect reads in one catalog
		// query (catalogQuery), close.
		query := func() {
			b.StopTimer()
			took, _, err := benchkit.CatalogFloor(ctx, "pgx", url, catalogQuery)
			if err != nil {
				b.Fatal(err)
			}
			floor = append(floor, took)
			b.StartTimer()
		}
		if i%2 == 0 {
			run()
			baseline()
			query()
		} else {
			query()
			baseline()
			run()
		}
	}
	b.ReportMetric(float64(benchkit.Median(retort))/float64(benchkit.Median(dump)), "x-pg_dump")
	b.ReportMetric(float64(benchkit.Median(retort))/float64(benchkit.Median(floor)), "x-query")
	b.ReportMetric(benchkit.Millis(benchkit.Median(floor)), "query-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(retort)), "retort-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(dump)), "pg_dump-ms")
	b.ReportMetric(float64(c.N()), "queries")
	b.ReportMetric(0, "ns/op")
}

// catalogQuery is the floor of an inspection: one query that reads, as
// the server prints it, what Inspect reads in its catalog queries — every
// column with its type, nullability and default, constraints, indexes,
// views, triggers, routines, policies, enum labels and sequences of the
// current schema — with none of the modelling or normalization.
const catalogQuery = `SELECT 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
    AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
  WHERE c.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'index', c.relname, i.relname, pg_get_indexdef(x.indexrelid)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
  WHERE c.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'view', c.relname, '', pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'routine', '', p.proname, pg_get_functiondef(p.oid)
  FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
UNION ALL
SELECT 'policy', c.relname, p.polname,
    coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
  WHERE c.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'enum', t.typname, e.enumlabel, ''
  FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
  WHERE t.typnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'sequence', c.relname, '', s.seqincrement::text
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
  WHERE c.relnamespace = current_schema()::regnamespace`

// writer inserts into table in a loop on a connection of its own and
// records when each insert started and how long it took.
type writer struct {
	mu      sync.Mutex
	samples []sample
	stop    chan struct{}
	done    chan error
}

type sample struct {
	at  time.Time
	dur time.Duration
}

func startWriter(db *sql.DB, insert string) *writer {
	w := &writer{stop: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		ctx := context.Background()
		conn, err := db.Conn(ctx)
		if err != nil {
			w.done <- err
			return
		}
		defer conn.Close()
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				w.done <- nil
				return
			default:
			}
			start := time.Now()
			if _, err := conn.ExecContext(ctx, insert, 1+i%1000); err != nil {
				w.done <- err
				return
			}
			w.mu.Lock()
			w.samples = append(w.samples, sample{at: start, dur: time.Since(start)})
			w.mu.Unlock()
		}
	}()
	return w
}

// stall returns the longest insert that overlapped [from, to], and how many
// inserts completed within it.
func (w *writer) stall(from, to time.Time) (longest time.Duration, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.samples {
		end := s.at.Add(s.dur)
		if end.Before(from) || s.at.After(to) {
			continue
		}
		n++
		longest = max(longest, s.dur)
	}
	return longest, n
}

func (w *writer) halt() error {
	close(w.stop)
	return <-w.done
}

// BenchmarkFKStall recreates the foreign key of a child table of -rows rows
// (notes.author_id → users.id) while one writer inserts into the child and
// another into the parent, alternately with retort's plan (orphan check,
// DROP + ADD … NOT VALID, commit, VALIDATE) and with the plain
// "DROP CONSTRAINT; ADD CONSTRAINT" in one transaction that most tools
// emit. Each iteration flips ON DELETE between NO ACTION and CASCADE once
// each way. It reports the longest insert stall of each (medians over the
// iterations): child-retort-ms (target < 100), child-naive-ms, and
// x-shorter (naive over retort; target ≥ 10), and the same for the parent;
// child-quiet-ms is the longest insert over 400 ms without any change, the
// noise floor.
func BenchmarkFKStall(b *testing.B) {
	url := testdb.Postgres(b)
	db := open(b, url)
	ctx := context.Background()
	setup := time.Now()
	load(b, db, fmt.Sprintf(`
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
CREATE SEQUENCE user_ids START 100000;
CREATE TABLE notes (id bigserial PRIMARY KEY, author_id integer, body text);
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 1000) g;
INSERT INTO notes (author_id, body) SELECT 1 + g %% 1000, 'note ' || g FROM generate_series(1, %d) g;
ALTER TABLE notes ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id);`, *rows))
	if _, err := db.Exec("VACUUM ANALYZE notes"); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d child rows in %v", *rows, time.Since(setup).Round(time.Millisecond))

	d := pg.New()
	// want returns the database's schema with ON DELETE set as asked.
	want := func(cascade bool) *schema.Schema {
		s, err := d.Inspect(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		notes, _ := s.Table("notes")
		fk := *notes.ForeignKeys[0]
		fk.OnDelete = schema.NoAction
		if cascade {
			fk.OnDelete = schema.Cascade
		}
		notes.ForeignKeys = []*schema.ForeignKey{&fk}
		return s
	}
	retortWay := func(cascade bool) { applyDesired(b, d, db, want(cascade)) }
	naiveWay := func(cascade bool) {
		action := ""
		if cascade {
			action = " ON DELETE CASCADE"
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		for _, s := range []string{"BEGIN",
			"ALTER TABLE notes DROP CONSTRAINT notes_author_id_fkey",
			"ALTER TABLE notes ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id)" + action,
			"COMMIT"} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
	}

	child := startWriter(db, "INSERT INTO notes (author_id, body) VALUES ($1, 'written during the change')")
	parent := startWriter(db, "INSERT INTO users (id, name) VALUES (nextval('user_ids'), 'x' || $1::int)")
	// The noise floor: the longest insert while nothing else happens, over
	// a window as long as retort's whole change.
	time.Sleep(200 * time.Millisecond)
	quietFrom := time.Now()
	time.Sleep(400 * time.Millisecond)
	quiet, _ := child.stall(quietFrom, time.Now())
	var (
		cr, cn, pr, pn []time.Duration
		tr, tn         []time.Duration
		cascade        bool
	)
	measure := func(fn func(bool), c, p, took *[]time.Duration) {
		cascade = !cascade
		start := time.Now()
		fn(cascade)
		end := time.Now()
		time.Sleep(50 * time.Millisecond)
		cs, _ := child.stall(start, end)
		ps, _ := parent.stall(start, end)
		*c = append(*c, cs)
		*p = append(*p, ps)
		*took = append(*took, end.Sub(start))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			measure(retortWay, &cr, &pr, &tr)
			measure(naiveWay, &cn, &pn, &tn)
			measure(retortWay, &cr, &pr, &tr)
			measure(naiveWay, &cn, &pn, &tn)
		} else {
			measure(naiveWay, &cn, &pn, &tn)
			measure(retortWay, &cr, &pr, &tr)
			measure(naiveWay, &cn, &pn, &tn)
			measure(retortWay, &cr, &pr, &tr)
		}
	}
	b.StopTimer()
	if err := child.halt(); err != nil {
		b.Fatal(err)
	}
	if err := parent.halt(); err != nil {
		b.Fatal(err)
	}
	var rowsAfter int
	if err := db.QueryRow("SELECT count(*) FROM notes").Scan(&rowsAfter); err != nil {
		b.Fatal(err)
	}
	if rowsAfter < *rows {
		b.Fatalf("notes lost rows: %d < %d", rowsAfter, *rows)
	}
	b.ReportMetric(benchkit.Millis(quiet), "child-quiet-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(cr)), "child-retort-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(cn)), "child-naive-ms")
	b.ReportMetric(float64(benchkit.Median(cn))/float64(benchkit.Median(cr)), "x-shorter")
	b.ReportMetric(benchkit.Millis(benchkit.Median(pr)), "parent-retort-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(pn)), "parent-naive-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(tr)), "total-retort-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(tn)), "total-naive-ms")
	b.ReportMetric(0, "ns/op")
}

// applyDesired plans db's schema into desired and applies the plan as
// `retort apply` does.
func applyDesired(b *testing.B, d *pg.Dialect, db *sql.DB, desired *schema.Schema) {
	b.Helper()
	ctx := context.Background()
	current, err := d.Inspect(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	p, err := d.Plan(ctx, current, desired, diff.Compare(current, desired))
	if err != nil {
		b.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if err := dialect.Apply(ctx, d, conn, p); err != nil {
		b.Fatalf("%v\n%s", err, p.Format())
	}
}
