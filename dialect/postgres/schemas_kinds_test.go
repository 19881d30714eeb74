package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Partitions, owned sequences, matview indexes, domains, composite types and the other newer kinds, in a managed schema that is not
// the first: each is qualified by its schema (a domain and a composite
// type of the same name in both schemas are two objects), and a plan
// converges with rows kept.
const schemasKindsV1 = `
CREATE SCHEMA audit;
CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0);
CREATE DOMAIN audit.price AS integer NOT NULL;
CREATE TYPE audit.slot AS (room integer, during tsrange);
CREATE TYPE slot AS (x integer);
CREATE TABLE audit.bookings (id integer GENERATED ALWAYS AS IDENTITY (START WITH 50) PRIMARY KEY DEFERRABLE,
  room integer NOT NULL, during tsrange NOT NULL, cost audit.price, s audit.slot,
  EXCLUDE USING gist (during WITH &&));
COMMENT ON TABLE audit.bookings IS 'rooms';
COMMENT ON CONSTRAINT bookings_pkey ON audit.bookings IS 'the key';
CREATE UNLOGGED TABLE audit.cache (k text PRIMARY KEY, v text);
ALTER TABLE audit.cache ALTER COLUMN v SET STORAGE MAIN;
CREATE TABLE audit.counters (id integer PRIMARY KEY, n bigint);
CREATE SEQUENCE audit.counter_seq OWNED BY audit.counters.n;
COMMENT ON SEQUENCE audit.counter_seq IS 'for n';
CREATE TABLE audit.events (k integer NOT NULL, v text) PARTITION BY LIST (k);
CREATE TABLE audit.events_1 PARTITION OF audit.events FOR VALUES IN (1);
CREATE MATERIALIZED VIEW audit.rooms AS SELECT room, count(*) AS n FROM audit.bookings GROUP BY room;
CREATE UNIQUE INDEX rooms_room ON audit.rooms (room);
COMMENT ON MATERIALIZED VIEW audit.rooms IS 'per room';
CREATE TABLE things (id integer PRIMARY KEY, p price, s slot);
`

// schemasKindsV2 changes them: a domain check, a composite attribute, a
// comment, a partition, a matview index, an owned sequence's options.
const schemasKindsV2 = `
CREATE SCHEMA audit;
CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0);
CREATE DOMAIN audit.price AS integer NOT NULL CONSTRAINT price_small CHECK (VALUE < 1000);
CREATE TYPE audit.slot AS (room integer, during tsrange, note text);
CREATE TYPE slot AS (x integer);
CREATE TABLE audit.bookings (id integer GENERATED ALWAYS AS IDENTITY (START WITH 50) PRIMARY KEY DEFERRABLE,
  room integer NOT NULL, during tsrange NOT NULL, cost audit.price, s audit.slot,
  EXCLUDE USING gist (during WITH &&));
COMMENT ON TABLE audit.bookings IS 'rooms';
COMMENT ON CONSTRAINT bookings_pkey ON audit.bookings IS 'the primary key';
CREATE UNLOGGED TABLE audit.cache (k text PRIMARY KEY, v text);
ALTER TABLE audit.cache ALTER COLUMN v SET STORAGE MAIN;
CREATE TABLE audit.counters (id integer PRIMARY KEY, n bigint);
CREATE SEQUENCE audit.counter_seq INCREMENT BY 5 OWNED BY audit.counters.n;
COMMENT ON SEQUENCE audit.counter_seq IS 'for n, by fives';
CREATE TABLE audit.events (k integer NOT NULL, v text) PARTITION BY LIST (k);
CREATE TABLE audit.events_1 PARTITION OF audit.events FOR VALUES IN (1);
CREATE TABLE audit.events_2 PARTITION OF audit.events FOR VALUES IN (2);
CREATE MATERIALIZED VIEW audit.rooms AS SELECT room, count(*) AS n FROM audit.bookings GROUP BY room;
CREATE UNIQUE INDEX rooms_room ON audit.rooms (room);
CREATE INDEX rooms_n ON audit.rooms (n);
COMMENT ON MATERIALIZED VIEW audit.rooms IS 'bookings per room';
CREATE TABLE things (id integer PRIMARY KEY, p price, s slot);
`

func TestSchemasNewKinds(t *testing.T) {
	admin, db, _, d := schemasDB(t)
	v1 := loadSchema(t, d, "v1.sql", schemasKindsV1)
	var domains, composites []string
	for _, x := range v1.Domains {
		domains = append(domains, x.Schema+"."+x.Name)
	}
	for _, x := range v1.Composites {
		composites = append(composites, x.Schema+"."+x.Name)
	}
	if !slices.Equal(domains, []string{"app.price", "audit.price"}) || !slices.Equal(composites, []string{"app.slot", "audit.slot"}) {
		t.Fatalf("domains %v, composites %v: want one of each per schema", domains, composites)
	}
	p := converge(t, d, db, v1)
	sqlText := planSQL(p)
	for _, want := range []string{`CREATE DOMAIN "audit"."price"`, `CREATE TYPE "audit"."slot"`, `CREATE UNLOGGED TABLE "audit"."cache"`,
		`PARTITION OF "audit"."events"`, `ON "audit"."rooms"`, `ALTER SEQUENCE "audit"."counter_seq" OWNED BY "audit"."counters"."n"`,
		`COMMENT ON SEQUENCE "audit"."counter_seq"`, `COMMENT ON CONSTRAINT "bookings_pkey" ON "audit"."bookings"`} {
		if !strings.Contains(sqlText, want) {
			t.Errorf("plan lacks %s:\n%s", want, sqlText)
		}
	}
	load(t, db, "rows", `INSERT INTO audit.bookings (room, during, cost) VALUES (1, '[2020-01-01,2020-01-02)', 10);
INSERT INTO audit.events VALUES (1, 'one');
INSERT INTO audit.counters VALUES (1, nextval('audit.counter_seq'));
INSERT INTO things VALUES (1, 2.5, ROW(3));
REFRESH MATERIALIZED VIEW audit.rooms;`)
	before := rowCounts(t, admin)

	v2 := loadSchema(t, d, "v2.sql", schemasKindsV2)
	p = converge(t, d, db, v2)
	sqlText = planSQL(p)
	for _, want := range []string{`ALTER DOMAIN "audit"."price" ADD CONSTRAINT "price_small"`, `ALTER TYPE "audit"."slot" ADD ATTRIBUTE "note"`,
		`PARTITION OF "audit"."events"`, `CREATE INDEX "rooms_n" ON "audit"."rooms"`, `ALTER SEQUENCE "audit"."counter_seq"`,
		`COMMENT ON MATERIALIZED VIEW "audit"."rooms"`} {
		if !strings.Contains(sqlText, want) {
			t.Errorf("plan lacks %s:\n%s", want, sqlText)
		}
	}
	if got := rowCounts(t, admin); !equalCounts(got, before) {
		t.Errorf("rows after v2: %v, before %v", got, before)
	}
	if got := queryRows(t, db, "SELECT id FROM audit.bookings"); strings.Join(got, ",") != "50" {
		t.Errorf("audit.bookings ids = %v, want [50] (identity START WITH 50)", got)
	}
	converge(t, d, db, v1)

	// inspect --format sql output loads back as the same schemas.
	fresh, _, _ := newDB(t)
	load(t, fresh, "inspect.sql", d.SQL(inspect(t, d, db)))
	conn := pin(t, fresh)
	if _, err := conn.ExecContext(context.Background(), "SET search_path TO app"); err != nil {
		t.Fatal(err)
	}
	if changes := diff.Compare(inspect(t, d, conn), v1); len(changes) > 0 {
		t.Errorf("inspect --format sql output loads as something else:\n%s\n%s", describe(changes), d.SQL(v1))
	}
}

// With several schemas, the "schema" kind of unmanaged objects names the
// schemas that are not managed only; an unmanaged object of the second
// schema is named with its schema.
func TestSchemasUnmanaged(t *testing.T) {
	_, db, _, d := schemasDB(t)
	converge(t, d, db, loadSchema(t, d, "v1.sql", schemasV1))
	load(t, db, "fn", `CREATE FUNCTION audit.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`)
	// Functions, triggers and policies are not managed in several-schema
	// mode yet: they are reported, in every managed schema.
	load(t, db, "fn2", `CREATE FUNCTION app.g() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`)
	got := schema.DescribeUnmanaged(inspect(t, d, db).Unmanaged)
	for _, want := range []string{"function (several schemas): 2 (app.g(), audit.f())", "schema: 2 (other, public)"} {
		if !strings.Contains(got, want) {
			t.Errorf("unmanaged %q lacks %q", got, want)
		}
	}
}
