package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Two schemas, app and audit, with foreign keys both ways and views that
// read across them (app.audit_count reads a view of audit, which comes
// after app: it is created after it).
const schemasV1 = `
CREATE SCHEMA audit;
CREATE TYPE audit.level AS ENUM ('info', 'warn');
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE audit.actors (id integer PRIMARY KEY, user_id integer REFERENCES users (id), lvl audit.level);
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id),
  actor_id integer REFERENCES audit.actors (id));
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE TABLE audit.log (id bigint PRIMARY KEY, order_id integer REFERENCES orders (id) ON DELETE CASCADE, note text);
CREATE INDEX log_order_idx ON audit.log (order_id);
CREATE TABLE log (id serial PRIMARY KEY, line text);
CREATE SEQUENCE audit.ticket_seq START WITH 100;
CREATE TABLE tickets (id bigint PRIMARY KEY DEFAULT nextval('audit.ticket_seq'), lvl audit.level NOT NULL DEFAULT 'info');
CREATE TABLE audit.events (id bigserial PRIMARY KEY, ticket bigint REFERENCES tickets (id));
CREATE VIEW audit.order_log AS SELECT o.id, l.note FROM orders o JOIN audit.log l ON l.order_id = o.id;
CREATE VIEW order_actors AS SELECT o.id, a.user_id FROM orders o JOIN audit.actors a ON a.id = o.actor_id;
CREATE VIEW summary AS SELECT count(*) AS n FROM users;
CREATE VIEW audit.summary AS SELECT count(*) AS n FROM audit.log;
CREATE VIEW audit_count AS SELECT n FROM audit.summary;
`

// schemasV2 changes both schemas: an enum label, a sequence, a column type
// under a view, a column and an index in audit, a new
// cross-schema key on an existing app table, a changed key action, a view
// redefined, and app.summary redefined while audit.summary, of the same
// name, stays.
const schemasV2 = `
CREATE SCHEMA audit;
CREATE TYPE audit.level AS ENUM ('info', 'warn', 'error');
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, last_log bigint);
CREATE TABLE audit.actors (id integer PRIMARY KEY, user_id integer REFERENCES users (id), lvl audit.level, since date);
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id),
  actor_id integer REFERENCES audit.actors (id) ON DELETE SET NULL);
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE TABLE audit.log (id bigint PRIMARY KEY, order_id integer REFERENCES orders (id) ON DELETE CASCADE, note varchar(200));
CREATE INDEX log_order_idx ON audit.log (order_id);
CREATE INDEX log_note_idx ON audit.log (note);
ALTER TABLE users ADD FOREIGN KEY (last_log) REFERENCES audit.log (id);
CREATE TABLE log (id serial PRIMARY KEY, line text);
CREATE SEQUENCE audit.ticket_seq START WITH 100 INCREMENT BY 10;
CREATE TABLE tickets (id bigint PRIMARY KEY DEFAULT nextval('audit.ticket_seq'), lvl audit.level NOT NULL DEFAULT 'info');
CREATE TABLE audit.events (id bigserial PRIMARY KEY, ticket bigint REFERENCES tickets (id));
CREATE VIEW audit.order_log AS SELECT o.id, o.user_id, l.note FROM orders o JOIN audit.log l ON l.order_id = o.id;
CREATE VIEW order_actors AS SELECT o.id, a.user_id FROM orders o JOIN audit.actors a ON a.id = o.actor_id;
CREATE VIEW summary AS SELECT count(*) AS n, max(id) AS top FROM users;
CREATE VIEW audit.summary AS SELECT count(*) AS n FROM audit.log;
CREATE VIEW audit_count AS SELECT n FROM audit.summary;
`

// schemasDB returns a fresh database with schema app (where the
// connection works) and schema other, owned by "another tool", holding a
// table with a row; a pool on it working in app; and an engine managing
// app and audit.
func schemasDB(t *testing.T) (*sql.DB, *sql.DB, string, *postgres.Dialect) {
	t.Helper()
	admin, base, _ := newDB(t)
	load(t, admin, "setup", `CREATE SCHEMA app; CREATE SCHEMA other;
CREATE TABLE other.keep (id int PRIMARY KEY); INSERT INTO other.keep VALUES (7);
CREATE TABLE public.keep (id int PRIMARY KEY); INSERT INTO public.keep VALUES (8);`)
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", "app")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return admin, db, u.String(), postgres.New(postgres.WithScratchServer(u.String()), postgres.WithSchemas("app", "audit"))
}

// converge plans current → desired, applies it, and checks that a second
// diff is empty. It returns the plan.
func converge(t *testing.T, d *postgres.Dialect, db *sql.DB, desired *schema.Schema) *dialect.Plan {
	t.Helper()
	ctx := context.Background()
	p := plan(t, d, inspect(t, d, db), desired)
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatalf("apply:\n%s\n%v", planSQL(p), err)
	}
	if changes := diff.Compare(inspect(t, d, db), desired); len(changes) > 0 {
		t.Fatalf("second diff not empty:\n%s\nafter:\n%s", describe(changes), planSQL(p))
	}
	return p
}

func planSQL(p *dialect.Plan) string {
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteString(s.SQL + ";\n")
	}
	return b.String()
}

func TestSchemasConvergence(t *testing.T) {
	admin, db, _, d := schemasDB(t)
	v1 := loadSchema(t, d, "v1.sql", schemasV1)
	if !slices.Equal(v1.Schemas, []string{"app", "audit"}) {
		t.Fatalf("desired schemas %v, want [app audit]", v1.Schemas)
	}
	// Two tables named log, one per schema: two objects.
	var logs []string
	for _, tb := range v1.Tables {
		if tb.Name == "log" {
			logs = append(logs, tb.Schema)
		}
	}
	if !slices.Equal(logs, []string{"app", "audit"}) {
		t.Errorf("tables named log in schemas %v, want [app audit]", logs)
	}

	p := converge(t, d, db, v1)
	sqlText := planSQL(p)
	for _, want := range []string{`CREATE SCHEMA "audit"`, `CREATE TABLE "audit"."log"`, `REFERENCES "app"."orders"`, `REFERENCES "audit"."actors"`} {
		if !strings.Contains(sqlText, want) {
			t.Errorf("plan lacks %s:\n%s", want, sqlText)
		}
	}
	load(t, db, "rows", `INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
INSERT INTO audit.actors VALUES (1, 1, 'info'), (2, 2, 'warn');
INSERT INTO orders VALUES (10, 1, 1), (11, 2, 2);
INSERT INTO audit.log VALUES (100, 10, 'a'), (101, 11, 'b');
INSERT INTO log (line) VALUES ('app log');
INSERT INTO tickets (id) VALUES (DEFAULT);
INSERT INTO audit.events (ticket) VALUES (100);`)
	if got := queryRows(t, db, "SELECT id, note FROM audit.order_log ORDER BY id"); strings.Join(got, ",") != "10 | a,11 | b" {
		t.Errorf("audit.order_log = %v", got)
	}

	// Forward to v2 with rows, then back to v1 (the reverse plan).
	before := rowCounts(t, admin)
	v2 := loadSchema(t, d, "v2.sql", schemasV2)
	p = converge(t, d, db, v2)
	sqlText = planSQL(p)
	for _, want := range []string{`ALTER TABLE "app"."users" ADD CONSTRAINT "users_last_log_fkey" FOREIGN KEY ("last_log") REFERENCES "audit"."log" ("id") NOT VALID`,
		`CREATE INDEX CONCURRENTLY "log_note_idx" ON "audit"."log"`, `DROP VIEW "audit"."order_log"`,
		`ALTER TYPE "audit"."level" ADD VALUE 'error'`, `ALTER SEQUENCE "audit"."ticket_seq"`,
		`ALTER TABLE "audit"."log" ALTER COLUMN "note" TYPE character varying(200)`} {
		if !strings.Contains(sqlText, want) {
			t.Errorf("plan lacks %s:\n%s", want, sqlText)
		}
	}
	if got := rowCounts(t, admin); !equalCounts(got, before) {
		t.Errorf("rows after v2: %v, before %v", got, before)
	}
	converge(t, d, db, v1)
	if got := rowCounts(t, admin); !equalCounts(got, before) {
		t.Errorf("rows after going back to v1: %v, before %v", got, before)
	}

	// The text inspect --format sql prints loads with a plain connection
	// (as psql would load it) into an empty database and gives the same
	// schemas back.
	fresh, _, _ := newDB(t)
	load(t, fresh, "inspect.sql", d.SQL(inspect(t, d, db)))
	conn := pin(t, fresh) // the script set search_path on this session
	if _, err := conn.ExecContext(context.Background(), "SET search_path TO app"); err != nil {
		t.Fatal(err)
	}
	if changes := diff.Compare(inspect(t, d, conn), v1); len(changes) > 0 {
		t.Errorf("inspect --format sql output loads as something else:\n%s\n%s", describe(changes), d.SQL(v1))
	}

	// Another tool's schema and the schemas not named are never touched.
	for _, q := range []string{"SELECT id FROM other.keep", "SELECT id FROM public.keep"} {
		if got := queryRows(t, admin, q); len(got) != 1 {
			t.Errorf("%s = %v, want its row", q, got)
		}
	}
}

// equalCounts compares row counts of the tables both maps know (a plan
// may add tables).
func equalCounts(a, b map[string]int) bool {
	for k, n := range b {
		if a[k] != n {
			return false
		}
	}
	return true
}

func TestSchemasLeaveOtherSchemasAlone(t *testing.T) {
	admin, db, _, d := schemasDB(t)
	converge(t, d, db, loadSchema(t, d, "v1.sql", schemasV1))
	// The desired file names neither audit nor the other tool's tables:
	// audit is dropped (destructive), other and public are not read.
	only := loadSchema(t, d, "app.sql", "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL)")
	p := converge(t, d, db, only)
	var destructive []string
	for _, s := range p.Steps {
		if s.Destructive {
			destructive = append(destructive, s.SQL)
		}
		if strings.Contains(s.SQL, "other") || strings.Contains(s.SQL, "public") {
			t.Errorf("plan touches another schema: %s", s.SQL)
		}
	}
	if !slices.Contains(destructive, `DROP SCHEMA "audit"`) {
		t.Errorf("destructive steps %v lack DROP SCHEMA \"audit\"", destructive)
	}
	if got := queryRows(t, admin, "SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'audit', 'other') ORDER BY 1"); strings.Join(got, ",") != "app,other" {
		t.Errorf("schemas left: %v, want app,other", got)
	}
	for _, q := range []string{"SELECT id FROM other.keep", "SELECT id FROM public.keep"} {
		if got := queryRows(t, admin, q); len(got) != 1 {
			t.Errorf("%s = %v, want its row", q, got)
		}
	}
	// The same database inspected for app alone (the default) sees app only.
	s := inspect(t, postgres.New(), db)
	if len(s.Tables) != 1 || s.Tables[0].Schema != "" || len(s.Schemas) != 0 {
		t.Errorf("single-schema inspect: %d tables, schemas %v", len(s.Tables), s.Schemas)
	}
}

// Schemas whose names need quotes ("My App", "Audit Log"): the scratch
// database and the target work in the first, enums of the second are
// recognised in column types (an enum that loses a label is recreated and
// its column converted).
func TestSchemasQuotedNames(t *testing.T) {
	admin, base, _ := newDB(t)
	load(t, admin, "setup", `CREATE SCHEMA "My App"`)
	u, _ := url.Parse(base)
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "search_path=%22My%20App%22"
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d := postgres.New(postgres.WithScratchServer(u.String()), postgres.WithSchemas("My App", "Audit Log"))
	const v1 = `CREATE SCHEMA "Audit Log";
CREATE TYPE "Audit Log"."Lvl" AS ENUM ('a', 'b');
CREATE TABLE "Users" (id int PRIMARY KEY);
CREATE TABLE "Audit Log"."Entries" (id int PRIMARY KEY, u int REFERENCES "Users" (id), l "Audit Log"."Lvl");
CREATE VIEW "Audit Log"."V" AS SELECT e.id, u.id AS uid FROM "Audit Log"."Entries" e JOIN "Users" u ON u.id = e.u;`
	converge(t, d, db, loadSchema(t, d, "v1.sql", v1))
	load(t, db, "rows", `INSERT INTO "Users" VALUES (1); INSERT INTO "Audit Log"."Entries" VALUES (1, 1, 'a')`)
	converge(t, d, db, loadSchema(t, d, "v2.sql", strings.Replace(v1, "ENUM ('a', 'b')", "ENUM ('a')", 1)))
	if got := queryRows(t, db, `SELECT l::text FROM "Audit Log"."Entries"`); strings.Join(got, ",") != "a" {
		t.Errorf("entries = %v, want the row kept", got)
	}
}
