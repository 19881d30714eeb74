package mysql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort/internal/benchkit"

	_ "github.com/go-sql-driver/mysql"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/bench/mysql"
	my "github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

var tables = flag.Int("tables", 1000, "tables of the schema BenchmarkInspectDiff inspects (two foreign keys each)")

// The benchmark needs the server of RETORT_TEST_MYSQL_URL (it skips without
// it) and mysqldump, and reports a ratio against mysqldump measured in the
// same iterations, alternately, so that a background burst on a shared
// machine hits both sides. The *-ms metrics are medians, for reading the
// ratio.

// database creates a database of n generated tables on the test server and
// returns its URL, the driver DSN and a pool.
func database(b *testing.B, n int) (string, string, *sql.DB) {
	b.Helper()
	u := testdb.MySQL(b)
	t, err := retort.ParseURL(u)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("mysql", t.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	stmts, err := my.Split(mysql.Schema(n))
	if err != nil {
		b.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(context.Background(), s.SQL); err != nil {
			b.Fatalf("line %d: %v", s.Line, err)
		}
	}
	return u, t.DSN, db
}

// mysqldumpArgs returns the arguments that make mysqldump read the database
// of a go-sql-driver DSN (user[:pass]@tcp(host:port)/db?…).
func mysqldumpArgs(b *testing.B, dsn string) []string {
	b.Helper()
	at := strings.LastIndex(dsn, "@")
	user, pass, hasPass := strings.Cut(dsn[:at], ":")
	rest := dsn[at+1:]
	addr := rest[strings.Index(rest, "(")+1 : strings.Index(rest, ")")]
	host, port, _ := strings.Cut(addr, ":")
	dbName, _, _ := strings.Cut(rest[strings.LastIndex(rest, "/")+1:], "?")
	args := []string{"--no-data", "--skip-lock-tables", "-h", host, "-P", port, "-u", user}
	if hasPass {
		args = append(args, "-p"+pass)
	}
	return append(args, dbName)
}

// catalogQuery is the floor of an inspection: one query that reads, as
// information_schema gives it, what Inspect reads in its queries — tables,
// columns, index parts, foreign keys and their columns (read apart, as
// Inspect does: MariaDB joins the two views slowly), checks, views,
// triggers and routines of the current database — with none of the
// modelling or normalization.
const catalogQuery = `SELECT 'table', TABLE_NAME, ENGINE, CONCAT_WS(' ', TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT)
  FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'column', TABLE_NAME, COLUMN_NAME, CONCAT_WS(' ', COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
    COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION)
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'index', TABLE_NAME, INDEX_NAME, CONCAT_WS(' ', SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NON_UNIQUE, INDEX_TYPE, INDEX_COMMENT)
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'foreign key', TABLE_NAME, CONSTRAINT_NAME, CONCAT_WS(' ', REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE)
  FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
UNION ALL
SELECT 'key column', TABLE_NAME, CONSTRAINT_NAME, CONCAT_WS(' ', ORDINAL_POSITION, COLUMN_NAME, REFERENCED_COLUMN_NAME)
  FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
UNION ALL
SELECT 'check', '', CONSTRAINT_NAME, CHECK_CLAUSE
  FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
UNION ALL
SELECT 'view', TABLE_NAME, '', VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'trigger', EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_STATEMENT
  FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT 'routine', '', ROUTINE_NAME, ROUTINE_DEFINITION
  FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`

// BenchmarkInspectDiff measures what `retort diff` does to a live database
// of -tables generated tables (2 foreign keys each): connect, Inspect, and
// compare with the desired schema (the plan must be empty) — against
// `mysqldump --no-data` of the same database (a process that connects,
// reads the catalog and prints it) and one catalog query (catalogQuery,
// the floor), alternately in the same iterations. It reports x-query (over
// the floor), x-mysqldump, the medians, and the number of queries one
// Inspect issues; the sub-benchmarks show that number does not grow with the
// tables.
func BenchmarkInspectDiff(b *testing.B) {
	dump, err := exec.LookPath("mysqldump")
	if err != nil {
		b.Skip("mysqldump is not installed")
	}
	for _, n := range []int{*tables / 10, *tables} {
		b.Run(fmt.Sprintf("tables=%d", n), func(b *testing.B) {
			_, dsn, db := database(b, n)
			ctx := context.Background()
			d := my.New()
			c := &benchkit.Counter{Querier: db}
			first, err := d.Inspect(ctx, c)
			if err != nil {
				b.Fatal(err)
			}
			fks := 0
			for _, t := range first.Tables {
				fks += len(t.ForeignKeys)
			}
			if len(first.Tables) != n || fks != 2*n {
				b.Fatalf("inspected %d tables and %d foreign keys, want %d and %d", len(first.Tables), fks, n, 2*n)
			}
			// The desired schema: a deep copy, so that Compare compares
			// every field.
			var desired schema.Schema
			js, _ := json.Marshal(first)
			if err := json.Unmarshal(js, &desired); err != nil {
				b.Fatal(err)
			}
			args := mysqldumpArgs(b, dsn)
			var retort, baseline, floor []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run := func() {
					start := time.Now()
					conn, err := sql.Open("mysql", dsn)
					if err != nil {
						b.Fatal(err)
					}
					s, err := d.Inspect(ctx, conn)
					if err != nil {
						b.Fatal(err)
					}
					changes := diff.Compare(s, &desired)
					p, err := d.Plan(ctx, s, &desired, changes)
					if err != nil || !p.Empty() {
						b.Fatalf("spurious diff: %v %v", diff.Describe(changes), err)
					}
					conn.Close()
					retort = append(retort, time.Since(start))
				}
				mysqldump := func() {
					b.StopTimer()
					start := time.Now()
					cmd := exec.Command(dump, args...)
					var stderr strings.Builder
					cmd.Stdout, cmd.Stderr = io.Discard, &stderr
					if err := cmd.Run(); err != nil {
						b.Fatalf("mysqldump: %v\n%s", err, stderr.String())
					}
					baseline = append(baseline, time.Since(start))
					b.StartTimer()
				}
				query := func() {
					b.StopTimer()
					took, _, err := benchkit.CatalogFloor(ctx, "mysql", dsn, catalogQuery)
					if err != nil {
						b.Fatal(err)
					}
					floor = append(floor, took)
					b.StartTimer()
				}
				if i%2 == 0 {
					run()
					mysqldump()
					query()
				} else {
					query()
					mysqldump()
					run()
				}
			}
			b.ReportMetric(float64(benchkit.Median(retort))/float64(benchkit.Median(baseline)), "x-mysqldump")
			b.ReportMetric(float64(benchkit.Median(retort))/float64(benchkit.Median(floor)), "x-query")
			b.ReportMetric(benchkit.Millis(benchkit.Median(floor)), "query-ms")
			b.ReportMetric(benchkit.Millis(benchkit.Median(retort)), "retort-ms")
			b.ReportMetric(benchkit.Millis(benchkit.Median(baseline)), "mysqldump-ms")
			b.ReportMetric(float64(c.N()), "queries")
			b.ReportMetric(0, "ns/op")
		})
	}
}
