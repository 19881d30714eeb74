package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

func TestInspectTable(t *testing.T) {
	for _, tt := range []struct {
		name string
		sql  string // creates the table "t" (and what it needs)
		want *schema.Table
	}{
		{
			name: "declared types kept in full",
			sql:  `CREATE TABLE t (a VARCHAR(100), b NUMERIC(10,2), c "unsigned big int", d)`,
			want: &schema.Table{Name: "t", Columns: []*schema.Column{
				{Name: "a", Type: "VARCHAR(100)"}, {Name: "b", Type: "NUMERIC(10,2)"},
				{Name: "c", Type: "unsigned big int"}, {Name: "d"},
			}},
		},
		{
			name: "defaults: literals as written, expressions in parentheses",
			sql: `CREATE TABLE t (a TEXT DEFAULT 'x', b INT DEFAULT -1, c TEXT DEFAULT (datetime('now')),
				d TEXT DEFAULT CURRENT_TIMESTAMP, e INT DEFAULT (1 + 2), f BLOB DEFAULT x'00', g DEFAULT NULL)`,
			want: &schema.Table{Name: "t", Columns: []*schema.Column{
				{Name: "a", Type: "TEXT", Default: "'x'"},
				{Name: "b", Type: "INT", Default: "-1"},
				{Name: "c", Type: "TEXT", Default: "(datetime('now'))"},
				{Name: "d", Type: "TEXT", Default: "CURRENT_TIMESTAMP"},
				{Name: "e", Type: "INT", Default: "(1 + 2)"},
				{Name: "f", Type: "BLOB", Default: "x'00'"},
				{Name: "g", Default: "NULL"},
			}},
		},
		{
			name: "primary key, autoincrement, collation, generated",
			sql: `CREATE TABLE t (id INTEGER CONSTRAINT t_pk PRIMARY KEY AUTOINCREMENT, n TEXT COLLATE NOCASE NOT NULL,
				g INT GENERATED ALWAYS AS (id * 2) STORED, v AS (n || 'x'))`,
			want: &schema.Table{Name: "t",
				Columns: []*schema.Column{
					{Name: "id", Type: "INTEGER", AutoIncrement: true},
					{Name: "n", Type: "TEXT", NotNull: true, Collation: "NOCASE"},
					{Name: "g", Type: "INT", Generated: &schema.Generated{Expr: "id * 2", Stored: true}},
					{Name: "v", Generated: &schema.Generated{Expr: "n || 'x'"}},
				},
				PrimaryKey: &schema.PrimaryKey{Name: "t_pk", Columns: []string{"id"}},
			},
		},
		{
			name: "composite primary key in declared order",
			sql:  `CREATE TABLE t (a INT, b INT, CONSTRAINT t_key PRIMARY KEY (b, a)) WITHOUT ROWID, STRICT`,
			want: &schema.Table{Name: "t", WithoutRowID: true, Strict: true,
				Columns:    []*schema.Column{{Name: "a", Type: "INT", NotNull: true}, {Name: "b", Type: "INT", NotNull: true}},
				PrimaryKey: &schema.PrimaryKey{Name: "t_key", Columns: []string{"b", "a"}},
			},
		},
		{
			name: "foreign keys: names, actions, deferral, match, implied columns, declaration order",
			sql: `CREATE TABLE p (id INTEGER PRIMARY KEY, a INT, b INT, UNIQUE (a, b));
CREATE TABLE t (
  x INT CONSTRAINT t_x_fk REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
  y INT REFERENCES p MATCH FULL,
  a INT, b INT,
  FOREIGN KEY (a, b) REFERENCES p (a, b) ON DELETE SET DEFAULT NOT DEFERRABLE,
  CONSTRAINT "t y again" FOREIGN KEY (y) REFERENCES p (id) ON DELETE RESTRICT DEFERRABLE
)`,
			want: &schema.Table{Name: "t",
				Columns: []*schema.Column{{Name: "x", Type: "INT"}, {Name: "y", Type: "INT"}, {Name: "a", Type: "INT"}, {Name: "b", Type: "INT"}},
				ForeignKeys: []*schema.ForeignKey{
					{Name: "t_x_fk", Columns: []string{"x"}, RefTable: "p", RefColumns: []string{"id"},
						OnDelete: schema.Cascade, OnUpdate: schema.SetNull, Deferrable: true, InitiallyDeferred: true},
					{Columns: []string{"y"}, RefTable: "p", RefColumns: []string{"id"}, Match: "FULL"},
					{Columns: []string{"a", "b"}, RefTable: "p", RefColumns: []string{"a", "b"}, OnDelete: schema.SetDefault},
					{Name: "t y again", Columns: []string{"y"}, RefTable: "p", RefColumns: []string{"id"}, OnDelete: schema.Restrict, Deferrable: true},
				},
			},
		},
		{
			name: "checks and unique constraints keep their names",
			sql: `CREATE TABLE t (
  a INT CONSTRAINT a_pos CHECK (a > 0) UNIQUE,
  b TEXT CONSTRAINT b_key UNIQUE CHECK (b <> ''),
  CHECK (a < 100 /* small */),
  CONSTRAINT ab_key UNIQUE (a, b)
)`,
			want: &schema.Table{Name: "t",
				Columns: []*schema.Column{{Name: "a", Type: "INT"}, {Name: "b", Type: "TEXT"}},
				Indexes: []*schema.Index{
					{Unique: true, Constraint: true, Parts: []schema.IndexPart{{Column: "a"}}},
					{Name: "b_key", Unique: true, Constraint: true, Parts: []schema.IndexPart{{Column: "b"}}},
					{Name: "ab_key", Unique: true, Constraint: true, Parts: []schema.IndexPart{{Column: "a"}, {Column: "b"}}},
				},
				Checks: []*schema.Check{{Name: "a_pos", Expr: "a > 0"}, {Expr: "b <> ''"}, {Expr: "a < 100 /* small */"}},
			},
		},
		{
			name: "indexes: expression, partial, desc, collation differing from the column's",
			sql: `CREATE TABLE t (a TEXT COLLATE NOCASE, b TEXT);
CREATE INDEX t_expr ON t (lower(b), a DESC);
CREATE UNIQUE INDEX t_part ON t (b COLLATE NOCASE) WHERE b IS NOT NULL;
CREATE INDEX t_coll ON t (a COLLATE NOCASE, a COLLATE BINARY)`,
			want: &schema.Table{Name: "t",
				Columns: []*schema.Column{{Name: "a", Type: "TEXT", Collation: "NOCASE"}, {Name: "b", Type: "TEXT"}},
				Indexes: []*schema.Index{
					{Name: "t_coll", Parts: []schema.IndexPart{{Column: "a"}, {Column: "a", Collation: "BINARY"}}},
					{Name: "t_expr", Parts: []schema.IndexPart{{Expr: "lower(b)"}, {Column: "a", Desc: true}}},
					{Name: "t_part", Unique: true, Where: "b IS NOT NULL", Parts: []schema.IndexPart{{Column: "b", Collation: "NOCASE"}}},
				},
			},
		},
		{
			name: "quoted and odd names",
			sql:  `CREATE TABLE "t" ("order" INT, [sel ect] TEXT, ` + "`back`" + ` TEXT, "q""uote" TEXT CONSTRAINT "c""k" CHECK ("q""uote" <> ''))`,
			want: &schema.Table{Name: "t",
				Columns: []*schema.Column{{Name: "order", Type: "INT"}, {Name: "sel ect", Type: "TEXT"}, {Name: "back", Type: "TEXT"}, {Name: `q"uote`, Type: "TEXT"}},
				Checks:  []*schema.Check{{Name: `c"k`, Expr: `"q""uote" <> ''`}},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSchema(t, New(), "schema.sql", tt.sql)
			got, ok := s.Table("t")
			if !ok {
				t.Fatal("table t not inspected")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("inspected table differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInspectSkipsInternalAndVirtualTables(t *testing.T) {
	s := loadSchema(t, New(), "schema.sql", `
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE VIRTUAL TABLE docs USING fts5(body);
CREATE TABLE u (id INTEGER);
ANALYZE;`)
	var names []string
	for _, tb := range s.Tables {
		names = append(names, tb.Name)
	}
	if want := []string{"t", "u"}; !cmp.Equal(names, want) {
		t.Errorf("tables = %q, want %q (no sqlite_sequence, sqlite_stat1, fts5 table or shadow tables)", names, want)
	}
}

// countingQuerier counts the queries run through it.
type countingQuerier struct {
	dialect.Querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.Querier.QueryContext(ctx, q, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n++
	return c.Querier.QueryRowContext(ctx, q, args...)
}

// TestInspectQueryCount checks that inspection costs a fixed number of
// queries, not one (or more) per table.
func TestInspectQueryCount(t *testing.T) {
	counts := map[int]int{}
	for _, tables := range []int{1, 40} {
		var b strings.Builder
		for i := range tables {
			fmt.Fprintf(&b, "CREATE TABLE t%d (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t0 (id), n TEXT UNIQUE CHECK (n <> ''));\n", i)
			fmt.Fprintf(&b, "CREATE INDEX t%d_n ON t%d (lower(n));\n", i, i)
			fmt.Fprintf(&b, "CREATE VIEW v%d AS SELECT * FROM t%d;\n", i, i)
		}
		db := openMemory(t)
		load(t, db, "schema.sql", b.String())
		q := &countingQuerier{Querier: db}
		s := inspect(t, New(), q)
		if len(s.Tables) != tables {
			t.Fatalf("inspected %d tables, want %d", len(s.Tables), tables)
		}
		counts[tables] = q.n
	}
	if counts[1] != counts[40] {
		t.Errorf("inspection ran %d queries for 1 table and %d for 40: it must not query per table", counts[1], counts[40])
	}
}

func TestNormalizeDefault(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"'x'", "'x'"},
		{"-1", "-1"},
		{"+1.5e3", "+1.5e3"},
		{"NULL", "NULL"},
		{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"},
		{"abc", "abc"}, // DEFAULT abc is the string 'abc'
		{"datetime('now')", "(datetime('now'))"},
		{"(datetime('now'))", "(datetime('now'))"},
		{"('0')", "'0'"},
		{"((1))", "1"},
		{"(1) + (2)", "((1) + (2))"},
		{"  'padded'  ", "'padded'"},
	} {
		if got := normalizeDefault(tt.in); got != tt.want {
			t.Errorf("normalizeDefault(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := normalizeDefault(tt.want); again != tt.want {
			t.Errorf("normalizeDefault is not idempotent: %q → %q", tt.want, again)
		}
	}
}

func TestTypeSQL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"INTEGER", "INTEGER"},
		{"VARCHAR(100)", "VARCHAR(100)"},
		{"NUMERIC(10, 2)", "NUMERIC(10, 2)"},
		{"DECIMAL(-5,+2)", "DECIMAL(-5,+2)"},
		{"unsigned big int", "unsigned big int"},
		{"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE"},
		{"0000", `"0000"`},
		{"TEXT NOT NULL", `"TEXT NOT NULL"`},
		{"my-type", `"my-type"`},
		{`a"b`, `"a""b"`},
		{"INT GENERATED ALWAYS", `"INT GENERATED ALWAYS"`},
		{"VARCHAR(10) x", `"VARCHAR(10) x"`},
	} {
		if got := typeSQL(tt.in); got != tt.want {
			t.Errorf("typeSQL(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestInspectOddTypesRoundTrip loads columns whose declared types SQLite
// reports dequoted and checks that the SQL written for them declares the
// same types (and no constraint hidden in a type).
func TestInspectOddTypesRoundTrip(t *testing.T) {
	d := New()
	s := loadSchema(t, d, "schema.sql", `CREATE TABLE t (a "TEXT NOT NULL", b "0000", c 'my type', d "x""y")`)
	back := loadSchema(t, d, "written.sql", d.SQL(s))
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("written back (-want +got):\n%s\n%s", diff, d.SQL(s))
	}
	tb, _ := back.Table("t")
	if c, _ := tb.Column("a"); c.NotNull {
		t.Error(`column a declared with type "TEXT NOT NULL" became NOT NULL`)
	}
}
