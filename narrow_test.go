package retort_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/internal/testdb"
)

// TestApplyNarrowing: a column type that narrows is refused without
// AllowDestructive; with it, the plan still fails before changing anything
// while a row would lose data, naming the count and a value; once every
// row fits it applies and the values are intact. Widening needs no leave.
func TestApplyNarrowing(t *testing.T) {
	engines := []struct {
		name        string
		url         func(t *testing.T) string
		setup       []string
		narrow      string
		destructive []string
		refusal     string
		query       string
		before      []string
		fix         string
		after       []string
		widen       string
		widened     []string // the rows after widening, if not after's
	}{
		{
			name:        "sqlite",
			url:         func(t *testing.T) string { return sqliteURL(t) },
			setup:       []string{`CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT, name VARCHAR(10))`, `INSERT INTO items VALUES (1, '007', 'a'), (2, '12', 'b'), (3, NULL, NULL)`},
			narrow:      `CREATE TABLE items (id INTEGER PRIMARY KEY, code INTEGER, name VARCHAR(10));`,
			destructive: []string{"narrow column items.code TEXT → INTEGER"},
			refusal:     `retort: 1 row(s) of items would lose data in column code changed from TEXT to INTEGER; e.g. "007"`,
			query:       `SELECT id, code, typeof(code) FROM items ORDER BY id`,
			before:      []string{"1 | 007 | text", "2 | 12 | text", "3 | NULL | null"},
			fix:         `UPDATE items SET code = '7' WHERE id = 1`,
			after:       []string{"1 | 7 | integer", "2 | 12 | integer", "3 | NULL | null"},
			widen:       `CREATE TABLE items (id INTEGER PRIMARY KEY, code NUMERIC, name VARCHAR(200));`,
		},
		{
			name: "postgres",
			url:  func(t *testing.T) string { return testdb.Postgres(t) },
			setup: []string{`CREATE TABLE items (id integer PRIMARY KEY, name varchar(200), price numeric(10,2))`,
				`INSERT INTO items VALUES (1, 'Alexandria the Great', 1.50), (2, 'Bob', 2.55), (3, NULL, NULL)`},
			narrow: `CREATE TABLE items (id integer PRIMARY KEY, name varchar(10), price numeric(4,1));`,
			destructive: []string{"narrow column items.name character varying(200) → character varying(10)",
				"narrow column items.price numeric(10,2) → numeric(4,1)"},
			refusal: "retort: 1 row(s) of items would lose data in column name changed from character varying(200) to character varying(10); e.g. 'Alexandria the Great'",
			query:   `SELECT id::text, name::text, price::text FROM items ORDER BY id`, // types that stay: pgx caches the statement
			before:  []string{"1 | Alexandria the Great | 1.50", "2 | Bob | 2.55", "3 | NULL | NULL"},
			fix:     `UPDATE items SET name = left(name, 10), price = round(price, 1)`,
			after:   []string{"1 | Alexandria | 1.5", "2 | Bob | 2.6", "3 | NULL | NULL"},
			widen:   `CREATE TABLE items (id bigint PRIMARY KEY, name text, price numeric(10,2));`,
			widened: []string{"1 | Alexandria | 1.50", "2 | Bob | 2.60", "3 | NULL | NULL"}, // the same numbers at scale 2
		},
		{
			name: "mysql",
			url:  func(t *testing.T) string { return testdb.MySQL(t) },
			setup: []string{`CREATE TABLE items (id int PRIMARY KEY, name varchar(200), n bigint)`,
				`INSERT INTO items VALUES (1, 'Alexandria the Great', 5), (2, 'Bob', 70000), (3, NULL, NULL)`},
			narrow: `CREATE TABLE items (id int PRIMARY KEY, name varchar(100), n smallint);`,
			destructive: []string{"narrow column items.name varchar(200) → varchar(100)",
				"narrow column items.n bigint → smallint"},
			refusal: "retort: 1 row(s) of items would lose data in column n changed from bigint to smallint; e.g. '70000'",
			query:   `SELECT id, name, n FROM items ORDER BY id`,
			before:  []string{"1 | Alexandria the Great | 5", "2 | Bob | 70000", "3 | NULL | NULL"},
			fix:     `UPDATE items SET n = 7000 WHERE id = 2`,
			after:   []string{"1 | Alexandria the Great | 5", "2 | Bob | 7000", "3 | NULL | NULL"},
			widen:   `CREATE TABLE items (id bigint PRIMARY KEY, name text, n bigint);`,
		},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := retort.Open(ctx, e.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range e.setup {
				if _, err := db.DB().ExecContext(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			rows := func(want []string, when string) {
				t.Helper()
				if got := dialecttest.Rows(t, db.DB(), e.query); !slices.Equal(got, want) {
					t.Errorf("%s: rows %q, want %q", when, got, want)
				}
			}
			planFor := func(src string) *retort.Plan {
				t.Helper()
				desired, err := db.LoadSQL(ctx, "schema.sql", src)
				if err != nil {
					t.Fatal(err)
				}
				p, err := db.Plan(ctx, desired)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}

			p := planFor(e.narrow)
			if got := p.Destructive(); !slices.Equal(got, e.destructive) {
				t.Errorf("Destructive() = %q, want %q", got, e.destructive)
			}
			var de *retort.DestructiveError
			if err := db.Apply(ctx, p); !errors.As(err, &de) {
				t.Fatalf("Apply without AllowDestructive: %v, want a *DestructiveError", err)
			}
			rows(e.before, "refused")
			err = db.Apply(ctx, p, retort.AllowDestructive())
			if err == nil || !strings.Contains(err.Error(), e.refusal) {
				t.Fatalf("Apply with AllowDestructive while a row would lose data: %v, want %q", err, e.refusal)
			}
			rows(e.before, "failed check")
			if again := planFor(e.narrow); !slices.Equal(again.Summary(), p.Summary()) {
				t.Errorf("the failed check changed the schema: plan %q, was %q", again.Summary(), p.Summary())
			}

			if _, err := db.DB().ExecContext(ctx, e.fix); err != nil {
				t.Fatal(err)
			}
			if err := db.Apply(ctx, planFor(e.narrow), retort.AllowDestructive()); err != nil {
				t.Fatalf("Apply with every row fitting: %v", err)
			}
			rows(e.after, "narrowed")
			if p := planFor(e.narrow); !p.Empty() {
				t.Errorf("after the narrowing the plan is not empty: %q", p.Summary())
			}

			w := planFor(e.widen)
			if d := w.Destructive(); len(d) > 0 {
				t.Errorf("widening is destructive: %q", d)
			}
			if err := db.Apply(ctx, w); err != nil {
				t.Fatalf("widening: %v", err)
			}
			if e.widened == nil {
				e.widened = e.after
			}
			rows(e.widened, "widened")
		})
	}
}
