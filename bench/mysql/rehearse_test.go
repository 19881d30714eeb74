package mysql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/retortdb/retort"
	my "github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/internal/benchkit"
	"github.com/retortdb/retort/schema"
)

// BenchmarkRehearsal measures what the rehearsal of a MySQL plan costs: an
// Apply that adds a column to one table (touched=1) or to every tenth table
// (touched=N/10) of a database of N generated tables, with the rehearsal
// (a scratch copy of the tables the plan touches and their foreign-key
// neighbours, the plan run there, the result inspected and compared) and
// without it, alternately in the same iterations; the column is dropped
// again, untimed, after each. Every rehearsal uses a new engine value, so
// none is served from the cache of successful rehearsals. It reports
// x-plain, the ratio of the medians.
func BenchmarkRehearsal(b *testing.B) {
	for _, n := range []int{*tables / 10, *tables} {
		for _, every := range []int{n, 10} {
			b.Run(fmt.Sprintf("tables=%d/touched=%d", n, n/every), func(b *testing.B) { rehearsal(b, n, every) })
		}
	}
}

func rehearsal(b *testing.B, n, every int) {
	{
		{
			_, dsn, db := database(b, n)
			ctx := context.Background()
			live, err := my.New().Inspect(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			var wider schema.Schema
			js, _ := json.Marshal(live)
			if err := json.Unmarshal(js, &wider); err != nil {
				b.Fatal(err)
			}
			for i, t := range wider.Tables {
				if i%every == every/2 {
					t.Columns = append(t.Columns, &schema.Column{Name: "extra", Type: "int"})
				}
			}
			apply := func(rehearse bool, to *schema.Schema) time.Duration {
				opts := []retort.Option{}
				if !rehearse {
					opts = append(opts, retort.WithoutRehearsal())
				}
				rdb, err := retort.New(db, my.New(my.WithScratchServer(dsn)), opts...)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				p, err := rdb.Plan(ctx, to)
				if err != nil {
					b.Fatal(err)
				}
				if err := rdb.Apply(ctx, p, retort.AllowDestructive()); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			var rehearsed, plain []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, r := range []bool{i%2 == 0, i%2 != 0} {
					d := apply(r, &wider)
					if r {
						rehearsed = append(rehearsed, d)
					} else {
						plain = append(plain, d)
					}
					b.StopTimer()
					apply(false, live)
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(benchkit.Median(rehearsed))/float64(benchkit.Median(plain)), "x-plain")
			b.ReportMetric(benchkit.Millis(benchkit.Median(rehearsed)), "rehearsed-ms")
			b.ReportMetric(benchkit.Millis(benchkit.Median(plain)), "plain-ms")
			b.ReportMetric(0, "ns/op")
		}
	}
}
