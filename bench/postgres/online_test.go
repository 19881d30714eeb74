package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	pg "github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/internal/benchkit"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// onlineKind is one change of BenchmarkOnlineStall: what the desired
// schema changes, the plain statement other tools emit for it, and the
// statement that puts the table back.
type onlineKind struct {
	name   string
	change func(t *schema.Table)
	plain  []string
	undo   []string
}

var onlineKinds = []onlineKind{
	{"set-not-null", func(t *schema.Table) { c, _ := t.Column("note"); c.NotNull = true },
		[]string{"ALTER TABLE items ALTER COLUMN note SET NOT NULL"},
		[]string{"ALTER TABLE items ALTER COLUMN note DROP NOT NULL"}},
	{"add-check", func(t *schema.Table) {
		t.Checks = append(t.Checks, &schema.Check{Name: "items_qty_check", Expr: "(qty >= 0)"})
	},
		[]string{"ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0)"},
		[]string{"ALTER TABLE items DROP CONSTRAINT items_qty_check"}},
	{"create-index", func(t *schema.Table) {
		t.Indexes = append(t.Indexes, &schema.Index{Name: "items_qty_idx", Parts: []schema.IndexPart{{Column: "qty"}}})
	},
		[]string{"CREATE INDEX items_qty_idx ON items (qty)"},
		[]string{"DROP INDEX items_qty_idx"}},
	{"add-unique", func(t *schema.Table) {
		t.Indexes = append(t.Indexes, &schema.Index{Name: "items_code_key", Unique: true, Constraint: true, Parts: []schema.IndexPart{{Column: "code"}}})
	},
		[]string{"ALTER TABLE items ADD CONSTRAINT items_code_key UNIQUE (code)"},
		[]string{"ALTER TABLE items DROP CONSTRAINT items_code_key"}},
	{"add-pk", func(t *schema.Table) {
		c, _ := t.Column("id")
		c.NotNull = true
		t.PrimaryKey = &schema.PrimaryKey{Name: "items_pkey", Columns: []string{"id"}}
	},
		[]string{"ALTER TABLE items ADD PRIMARY KEY (id)"},
		[]string{"ALTER TABLE items DROP CONSTRAINT items_pkey", "ALTER TABLE items ALTER COLUMN id DROP NOT NULL"}},
}

// BenchmarkOnlineStall makes each change kind of the online plans (SET NOT
// NULL, ADD CHECK, CREATE INDEX, ADD UNIQUE, ADD PRIMARY KEY on a
// nullable column) on a table of -rows rows while a writer inserts into it,
// alternately by retort's plan (applied as `retort apply` runs it) and by
// the plain statement, undoing it after each. It reports, per kind, the
// longest insert stall of each way (medians over the iterations) and
// x-shorter (plain over retort; target ≥ 10 where the plain form scans),
// and x-quiet (retort over quiet-ms, the longest insert over as long as a
// change without any; target ≤ 10). The foreign key is BenchmarkFKStall.
func BenchmarkOnlineStall(b *testing.B) {
	url := testdb.Postgres(b)
	db := open(b, url)
	ctx := context.Background()
	setup := time.Now()
	load(b, db, fmt.Sprintf(`
CREATE TABLE items (id bigint, qty integer, code text, note text);
CREATE SEQUENCE item_ids START %d;
INSERT INTO items SELECT g, g %% 1000, 'c' || g, 'n' || g FROM generate_series(1, %d) g;`, *rows+1, *rows))
	if _, err := db.Exec("VACUUM ANALYZE items"); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d rows in %v", *rows, time.Since(setup).Round(time.Millisecond))
	d := pg.New()
	retortWay := func(k onlineKind) {
		desired, err := d.Inspect(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		t, _ := desired.Table("items")
		k.change(t)
		applyDesired(b, d, db, desired)
	}
	exec := func(stmts []string) {
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				b.Fatalf("%s: %v", s, err)
			}
		}
	}
	w := startWriter(db, "INSERT INTO items VALUES (nextval('item_ids'), $1, 'w' || nextval('item_ids'), 'written during the change')")
	time.Sleep(200 * time.Millisecond)
	stalls := map[string][]time.Duration{}
	took := map[string][]time.Duration{}
	measure := func(key string, fn func()) {
		start := time.Now()
		fn()
		end := time.Now()
		time.Sleep(50 * time.Millisecond)
		s, _ := w.stall(start, end)
		stalls[key] = append(stalls[key], s)
		took[key] = append(took[key], end.Sub(start))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, k := range onlineKinds {
			ways := []func(){func() { measure(k.name+"/retort", func() { retortWay(k) }) }, func() { measure(k.name+"/plain", func() { exec(k.plain) }) }}
			if i%2 == 1 {
				ways[0], ways[1] = ways[1], ways[0]
			}
			for _, way := range ways {
				way()
				exec(k.undo)
			}
			// The noise floor, over as long as retort's change took.
			from := time.Now()
			time.Sleep(took[k.name+"/retort"][len(took[k.name+"/retort"])-1])
			q, _ := w.stall(from, time.Now())
			stalls[k.name+"/quiet"] = append(stalls[k.name+"/quiet"], q)
		}
	}
	b.StopTimer()
	if err := w.halt(); err != nil {
		b.Fatal(err)
	}
	for _, k := range onlineKinds {
		r, p, q := benchkit.Median(stalls[k.name+"/retort"]), benchkit.Median(stalls[k.name+"/plain"]), benchkit.Median(stalls[k.name+"/quiet"])
		b.ReportMetric(benchkit.Millis(r), k.name+"-retort-ms")
		b.ReportMetric(benchkit.Millis(p), k.name+"-plain-ms")
		b.ReportMetric(benchkit.Millis(q), k.name+"-quiet-ms")
		b.ReportMetric(float64(p)/float64(r), k.name+"-x-shorter")
		b.ReportMetric(float64(r)/float64(q), k.name+"-x-quiet")
		b.Logf("%s: took retort %v, plain %v", k.name, benchkit.Median(took[k.name+"/retort"]).Round(time.Millisecond), benchkit.Median(took[k.name+"/plain"]).Round(time.Millisecond))
	}
	b.ReportMetric(0, "ns/op")
}
