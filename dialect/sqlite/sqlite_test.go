package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// snapshot is a database's schema and rows, to show that a failed
// migration changed nothing.
type snapshot struct {
	Schema *schema.Schema
	Rows   map[string][]string
}

func takeSnapshot(t *testing.T, d *Dialect, q dialect.Querier) snapshot {
	t.Helper()
	s := snapshot{Schema: inspect(t, d, q), Rows: map[string][]string{}}
	for _, line := range queryRows(t, q, `SELECT name FROM sqlite_schema WHERE type = 'table'`) {
		s.Rows[line] = tableDump(t, q, line)
	}
	return s
}

const envelopeFrom = `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER, body TEXT);`

func TestTransactRefusesNewViolations(t *testing.T) {
	ctx := context.Background()
	d := New()
	db := openFile(t)
	load(t, db, "from.sql", envelopeFrom)
	load(t, db, "data.sql", `
INSERT INTO users VALUES (1, 'ada');
INSERT INTO notes VALUES (1, 1, 'ok'), (7, 42, 'orphan'), (8, 43, 'orphan too');`)
	to := loadSchema(t, d, "to.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`)

	conn := pin(t, db)
	before := takeSnapshot(t, d, conn)
	p := plan(t, d, before.Schema, to)
	err := dialect.Apply(ctx, d, conn, p)

	var fkErr *ForeignKeyError
	if !errors.As(err, &fkErr) {
		t.Fatalf("Apply error = %v (%T), want *ForeignKeyError", err, err)
	}
	var got []string
	for _, v := range fkErr.Violations {
		got = append(got, fmt.Sprintf("%s/%s/%d", v.Table, v.Parent, v.RowID.Int64))
	}
	if want := []string{"notes/users/7", "notes/users/8"}; !cmp.Equal(got, want) {
		t.Errorf("violations = %v, want %v", got, want)
	}
	for _, s := range []string{`2 row(s) of "notes" reference a missing row of "users"`, "rowid 7, 8", "nothing was changed"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	if after := takeSnapshot(t, d, conn); !cmp.Equal(before, after) {
		t.Errorf("the failed migration changed the database (-before +after):\n%s", cmp.Diff(before, after))
	}
	if !foreignKeysOn(t, conn) {
		t.Error("foreign_keys not restored after the failed migration")
	}
}

func TestTransactToleratesExistingViolations(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		to   string
	}{
		{
			name: "unrelated change",
			to: `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`,
		},
		{
			name: "rebuild of the table holding the orphan",
			to: `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id) ON DELETE CASCADE, body VARCHAR(200));`,
		},
		{
			name: "rebuild of the parent",
			to: `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			d := New(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			db := openFile(t)
			load(t, db, "from.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id), body TEXT);`)
			conn := pin(t, db)
			// The orphan got in while foreign keys were off.
			for _, s := range []string{
				"PRAGMA foreign_keys = OFF",
				"INSERT INTO users VALUES (1, 'ada')",
				"INSERT INTO notes VALUES (1, 1, 'ok'), (5, 99, 'orphan')",
				"PRAGMA foreign_keys = ON",
			} {
				if _, err := conn.ExecContext(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			desired := loadSchema(t, d, "to.sql", tt.to)
			p := plan(t, d, inspect(t, d, conn), desired)
			if err := dialect.Apply(ctx, d, conn, p); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if again := plan(t, d, inspect(t, d, conn), desired); !again.Empty() {
				t.Errorf("the migration did not happen; still to do:\n%s", again.Format())
			}
			if got := queryRows(t, conn, "PRAGMA foreign_key_check"); !cmp.Equal(got, []string{"notes | 5 | users | 0"}) {
				t.Errorf("foreign_key_check = %q, want the orphan still reported", got)
			}
			if got := tableDump(t, conn, "notes"); len(got) != 2 {
				t.Errorf("notes = %q, want both rows", got)
			}
			log := logs.String()
			for _, s := range []string{"level=WARN", "existed before this migration", "count=1", `\"notes\"`} {
				if !strings.Contains(log, s) {
					t.Errorf("log does not contain %s:\n%s", s, log)
				}
			}
			if !foreignKeysOn(t, conn) {
				t.Error("foreign_keys not restored")
			}
		})
	}
}

func TestTransactRollsBackFailingStatement(t *testing.T) {
	ctx := context.Background()
	d := New()

	t.Run("failing statement mid-plan", func(t *testing.T) {
		db := openFile(t)
		load(t, db, "from.sql", envelopeFrom)
		load(t, db, "data.sql", "INSERT INTO users VALUES (1, 'ada'); INSERT INTO notes VALUES (1, 1, 'a');")
		conn := pin(t, db)
		before := takeSnapshot(t, d, conn)
		p := &dialect.Plan{Steps: []dialect.Step{
			{SQL: `CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY)`},
			{SQL: `DELETE FROM "notes"`},
			{SQL: `INSERT INTO "no_such_table" VALUES (1)`},
			{SQL: `DROP TABLE "users"`},
		}}
		err := dialect.Apply(ctx, d, conn, p)
		var execErr *dialect.ExecError
		if !errors.As(err, &execErr) {
			t.Fatalf("Apply error = %v (%T), want *dialect.ExecError", err, err)
		}
		if execErr.Index != 2 || !strings.Contains(err.Error(), "statement 3 failed") || !strings.Contains(err.Error(), "no_such_table") {
			t.Errorf("error = %q (index %d), want statement 3 named", err, execErr.Index)
		}
		if after := takeSnapshot(t, d, conn); !cmp.Equal(before, after) {
			t.Errorf("the failed migration changed the database (-before +after):\n%s", cmp.Diff(before, after))
		}
		if !foreignKeysOn(t, conn) {
			t.Error("foreign_keys is OFF after the failed migration; it must be restored to ON")
		}
	})

	t.Run("rebuild whose copy fails", func(t *testing.T) {
		// A NOT NULL column without a default cannot be filled for the rows
		// that exist: the copy fails and the rebuild is undone.
		db := openFile(t)
		load(t, db, "from.sql", envelopeFrom)
		load(t, db, "data.sql", "INSERT INTO users VALUES (1, 'ada'); INSERT INTO notes VALUES (1, 1, 'a');")
		conn := pin(t, db)
		before := takeSnapshot(t, d, conn)
		to := loadSchema(t, d, "to.sql", `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER, body TEXT);`)
		err := dialect.Apply(ctx, d, conn, plan(t, d, before.Schema, to))
		if err == nil || !strings.Contains(err.Error(), "NOT NULL") {
			t.Fatalf("Apply error = %v, want a NOT NULL failure", err)
		}
		if after := takeSnapshot(t, d, conn); !cmp.Equal(before, after) {
			t.Errorf("the failed migration changed the database (-before +after):\n%s", cmp.Diff(before, after))
		}
		if !foreignKeysOn(t, conn) {
			t.Error("foreign_keys not restored")
		}
	})
}

func TestTransactRefusesOpenTransaction(t *testing.T) {
	ctx := context.Background()
	d := New()
	db := openFile(t)
	load(t, db, "from.sql", envelopeFrom)
	conn := pin(t, db)
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.ExecContext(ctx, "ROLLBACK") })
	called := false
	err := d.Transact(ctx, conn, func(context.Context, dialect.Querier) error {
		called = true
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "still ON") {
		t.Fatalf("Transact inside a transaction: error = %v, want the foreign_keys still ON refusal", err)
	}
	if called {
		t.Error("Transact ran the migration although foreign_keys could not be switched off")
	}
}

func TestTransactLeavesForeignKeysOff(t *testing.T) {
	// A connection that had foreign keys off keeps them off.
	ctx := context.Background()
	d := New()
	db := openMemory(t)
	conn := pin(t, db)
	if foreignKeysOn(t, conn) {
		t.Fatal("in-memory test database has foreign_keys on")
	}
	err := d.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		_, err := q.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if foreignKeysOn(t, conn) {
		t.Error("Transact switched foreign_keys on for a connection that had them off")
	}
}

func TestTransactCancelledContext(t *testing.T) {
	d := New()
	db := openFile(t)
	load(t, db, "from.sql", envelopeFrom)
	conn := pin(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	err := d.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		if _, err := q.ExecContext(ctx, "DROP TABLE notes"); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Transact error = %v, want context.Canceled", err)
	}
	if got := queryRows(t, db, "SELECT count(*) FROM sqlite_schema WHERE name = 'notes'"); !cmp.Equal(got, []string{"1"}) {
		t.Error("the cancelled migration was committed: notes is gone")
	}
	if !foreignKeysOn(t, conn) {
		t.Error("foreign_keys not restored after cancellation")
	}
}

func TestEnvelopeMatchesFormat(t *testing.T) {
	d := New()
	p := &dialect.Plan{Steps: []dialect.Step{{SQL: "CREATE TABLE t (id INTEGER)"}}}
	want := `PRAGMA foreign_keys = OFF;
CREATE TEMP TABLE IF NOT EXISTS _retort_offline AS SELECT 0 AS failed, 0 AS open, 0 AS violations;
CREATE TEMP TRIGGER IF NOT EXISTS _retort_offline_check AFTER UPDATE OF open ON _retort_offline
  WHEN NEW.open = 0 AND (OLD.failed OR (SELECT count(*) FROM pragma_foreign_key_check) > OLD.violations)
BEGIN SELECT RAISE(ROLLBACK, 'retort: rolled back: the migration adds foreign key violations (PRAGMA foreign_key_check lists them), or an earlier one in this script was rolled back'); END;
UPDATE temp._retort_offline SET failed = failed OR open, open = 1, violations = (SELECT count(*) FROM pragma_foreign_key_check);
BEGIN IMMEDIATE;
CREATE TABLE t (id INTEGER);
PRAGMA foreign_key_check;
UPDATE temp._retort_offline SET open = 0;
COMMIT;
PRAGMA foreign_keys = ON;
`
	if got := dialect.FormatEnveloped(d, p); got != want {
		t.Errorf("FormatEnveloped (-want +got):\n%s", cmp.Diff(want, got))
	}
	if got := dialect.FormatEnveloped(d, &dialect.Plan{}); got != "" {
		t.Errorf("FormatEnveloped of an empty plan = %q, want \"\"", got)
	}
}
