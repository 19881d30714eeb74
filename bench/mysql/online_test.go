package mysql_test

import (
	"context"
	"database/sql"
	"flag"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	my "github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/benchkit"
	"github.com/retortdb/retort/internal/testdb"
)

var onlineRows = flag.Int("onlinerows", 2_000_000, "rows of the table BenchmarkOnlineIndexAdd and BenchmarkOnlineForeignKeyAdd change")

// onlineSchema is the table the online benchmarks change, with its parent;
// extra is appended to the table's definition.
func onlineSchema(extra string) string {
	return `CREATE TABLE par (id int PRIMARY KEY);
CREATE TABLE big (id bigint AUTO_INCREMENT PRIMARY KEY, a int NOT NULL, p int NOT NULL DEFAULT 1,
  pad char(100) NOT NULL DEFAULT '', KEY big_p (p)` + extra + `);`
}

// onlineTable creates par and big with -onlinerows rows on a fresh
// database of the test server and returns a pool and an engine.
func onlineTable(b *testing.B) (*sql.DB, *my.Dialect) {
	b.Helper()
	target, err := retort.ParseURL(testdb.MySQL(b))
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("mysql", target.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(8)
	stmts, err := my.Split(onlineSchema(""))
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s.SQL); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Exec("INSERT INTO par VALUES (1), (2)"); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO big (a, pad) VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w')"); err != nil {
		b.Fatal(err)
	}
	for n := 4; n < *onlineRows; n *= 2 {
		if _, err := db.Exec("INSERT INTO big (a, pad) SELECT a + ?, pad FROM big LIMIT ?", n, *onlineRows-n); err != nil {
			b.Fatal(err)
		}
	}
	return db, my.New(my.WithScratchServer(target.DSN))
}

// retortPlan returns retort's plan from the live database to src.
func retortPlan(b *testing.B, d *my.Dialect, db *sql.DB, src string) *dialect.Plan {
	b.Helper()
	ctx := context.Background()
	from, err := d.Inspect(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	to, err := d.LoadSchema(ctx, "to.sql", src)
	if err != nil {
		b.Fatal(err)
	}
	p, err := d.Plan(ctx, from, to, diff.Compare(from, to, d.DiffOptions()...))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// stall runs p (none: sleeps for quiet) while a writer inserts into big,
// timing each insert, and returns the longest insert.
func stall(b *testing.B, d *my.Dialect, db *sql.DB, p *dialect.Plan, quiet time.Duration) time.Duration {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var longest atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := db.Conn(context.Background())
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		for i := 0; ctx.Err() == nil; i++ {
			start := time.Now()
			if _, err := conn.ExecContext(context.Background(), "INSERT INTO big (a, p) VALUES (?, 1)", -i); err != nil {
				b.Error(err)
				return
			}
			took := int64(time.Since(start))
			for old := longest.Load(); took > old && !longest.CompareAndSwap(old, took); old = longest.Load() {
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if p == nil {
		time.Sleep(quiet)
	} else {
		conn, err := db.Conn(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		err = dialect.Apply(context.Background(), d, conn, p)
		conn.Close()
		if err != nil {
			b.Fatalf("%v\n%s", err, p.Format())
		}
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	wg.Wait()
	return time.Duration(longest.Load())
}

// untimed runs statements on db.
func untimed(b *testing.B, db *sql.DB, stmts ...string) {
	b.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("%v\n%s", err, s)
		}
	}
}

// compareStalls runs retort's plan and the plain statement alternately, b.N
// times each, undoing the change (untimed) after each, and reports the
// writer's longest stall under each, their ratio (x-plain), and the
// writer's longest stall while nothing runs for as long as retort's plan
// took (x-quiet: retort's over it).
func compareStalls(b *testing.B, d *my.Dialect, db *sql.DB, retortPlan func() *dialect.Plan, plain *dialect.Plan, undo string) {
	b.Helper()
	var retortStalls, plainStalls, quietStalls []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runRetort := func() {
			p := retortPlan()
			start := time.Now()
			retortStalls = append(retortStalls, stall(b, d, db, p, 0))
			took := time.Since(start)
			untimed(b, db, undo)
			quietStalls = append(quietStalls, stall(b, d, db, nil, took))
		}
		runPlain := func() {
			plainStalls = append(plainStalls, stall(b, d, db, plain, 0))
			untimed(b, db, undo)
		}
		if i%2 == 0 {
			runRetort()
			runPlain()
		} else {
			runPlain()
			runRetort()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchkit.Median(retortStalls))/float64(benchkit.Median(plainStalls)), "x-plain")
	b.ReportMetric(float64(benchkit.Median(retortStalls))/float64(benchkit.Median(quietStalls)), "x-quiet")
	b.ReportMetric(benchkit.Millis(benchkit.Median(retortStalls)), "retort-stall-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(plainStalls)), "plain-stall-ms")
	b.ReportMetric(benchkit.Millis(benchkit.Median(quietStalls)), "quiet-stall-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkOnlineIndexAdd adds an index to a table of -onlinerows rows
// while a writer inserts into it, with retort's plan (CREATE INDEX …
// ALGORITHM=INPLACE LOCK=NONE) and with a plain ALTER TABLE … ADD INDEX,
// ALGORITHM=COPY (what a server that copies does: writers wait for the
// whole copy), alternately in the same iterations. It reports the writer's
// longest insert under each and their ratio, x-plain (retort's over the
// copy's), and x-quiet (retort's over the longest insert of the same
// writer while nothing runs, for as long as retort's plan took).
func BenchmarkOnlineIndexAdd(b *testing.B) {
	db, d := onlineTable(b)
	plan := func() *dialect.Plan {
		p := retortPlan(b, d, db, onlineSchema(", KEY big_a (a)"))
		if len(p.Steps) != 1 || !strings.Contains(p.Steps[0].SQL, "ALGORITHM=INPLACE LOCK=NONE") {
			b.Fatalf("retort's plan is not one online CREATE INDEX:\n%s", p.Format())
		}
		return p
	}
	plain := &dialect.Plan{Steps: []dialect.Step{{SQL: "ALTER TABLE `big` ADD KEY `big_a` (`a`), ALGORITHM=COPY"}}}
	compareStalls(b, d, db, plan, plain, "ALTER TABLE big DROP INDEX big_a")
}

// BenchmarkOnlineForeignKeyAdd adds a foreign key (its index exists) to a
// table of -onlinerows rows while a writer inserts into it, with retort's
// plan and with the plain ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY,
// alternately, and reports as BenchmarkOnlineIndexAdd does.
func BenchmarkOnlineForeignKeyAdd(b *testing.B) {
	db, d := onlineTable(b)
	const fk = "CONSTRAINT big_p_fkey FOREIGN KEY (p) REFERENCES par (id)"
	plan := func() *dialect.Plan { return retortPlan(b, d, db, onlineSchema(", "+fk)) }
	plain := &dialect.Plan{Steps: []dialect.Step{{SQL: "ALTER TABLE `big` ADD " + fk}}}
	compareStalls(b, d, db, plan, plain, "ALTER TABLE big DROP FOREIGN KEY big_p_fkey")
}
