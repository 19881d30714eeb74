package mysql_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
)

// showCreate returns SHOW CREATE TABLE table.
func showCreate(t *testing.T, q dialect.Querier, table string) string {
	t.Helper()
	var name, def string
	if err := q.QueryRowContext(context.Background(), "SHOW CREATE TABLE "+mysql.New().Quote(table)).Scan(&name, &def); err != nil {
		t.Fatal(err)
	}
	return def
}

// An orphan row refuses a foreign key change before anything is dropped:
// the table keeps its key as it was.
func TestForeignKeyChangeWithOrphansChangesNothing(t *testing.T) {
	for _, named := range []bool{true, false} {
		name := map[bool]string{true: "named", false: "server named"}[named]
		t.Run(name, func(t *testing.T) {
			db, _, d := newDB(t)
			conn := pin(t, db)
			fk := "CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id)"
			if !named {
				fk = "FOREIGN KEY (parent_id) REFERENCES parent (id)"
			}
			run(t, conn, "from", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, `+fk+`);
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1);
SET SESSION foreign_key_checks = 0;
INSERT INTO child VALUES (2, 42);
SET SESSION foreign_key_checks = 1;
`)
			before := showCreate(t, db, "child")
			desired := loadSchema(t, d, "to.sql", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, `+fk+` ON DELETE CASCADE);
`)
			p := plan(t, d, inspect(t, d, db), desired)
			err := dialect.Apply(context.Background(), d, pin(t, db), p)
			if err == nil || !strings.Contains(err.Error(), "1 orphan row(s) in child (parent_id) without a parent in parent (id); e.g. 42") {
				t.Fatalf("Apply error = %v, want the orphan row named\nplan:\n%s", err, p.Format())
			}
			if after := showCreate(t, db, "child"); after != before {
				t.Errorf("the refused change altered the table:\nbefore:\n%s\nafter:\n%s\nplan:\n%s", before, after, p.Format())
			}
			// Once the orphan is gone the same plan goes through.
			run(t, db, "fix", "DELETE FROM child WHERE id = 2")
			apply(t, d, db, p)
			if got := showCreate(t, db, "child"); !strings.Contains(got, "ON DELETE CASCADE") {
				t.Errorf("after the plan:\n%s", got)
			}
		})
	}
}

// A writer inserting orphan rows while a foreign key changes finds every
// one of them refused: the table has an enforced key at every moment.
func TestForeignKeySwapLeavesNoWindow(t *testing.T) {
	db, _, d := newDB(t)
	conn := pin(t, db)
	run(t, conn, "from", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int AUTO_INCREMENT PRIMARY KEY, parent_id int, pad char(100) NOT NULL DEFAULT '',
  CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id));
INSERT INTO parent VALUES (1);
INSERT INTO child (parent_id) VALUES (1), (1), (1), (1), (1), (1), (1), (1);
`)
	for range 13 { // 65,536 rows: the checks and the swap take a while
		run(t, conn, "grow", "INSERT INTO child (parent_id, pad) SELECT parent_id, pad FROM child")
	}
	desired := loadSchema(t, d, "to.sql", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int AUTO_INCREMENT PRIMARY KEY, parent_id int, pad char(100) NOT NULL DEFAULT '',
  CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE);
`)
	p := plan(t, d, inspect(t, d, db), desired)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var attempts, accepted atomic.Int64
	writer, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			attempts.Add(1)
			if _, err := writer.ExecContext(context.Background(), "INSERT INTO child (parent_id) VALUES (999)"); err == nil {
				accepted.Add(1)
			} else if mysql.ErrorNumber(err) != 1452 {
				t.Errorf("orphan insert: %v", err)
				return
			}
		}
	}()
	applyErr := dialect.Apply(context.Background(), d, pin(t, db), p)
	cancel()
	wg.Wait()
	if applyErr != nil {
		t.Fatalf("apply: %v\nplan:\n%s", applyErr, p.Format())
	}
	var orphans int
	if err := db.QueryRow("SELECT COUNT(*) FROM child WHERE parent_id = 999").Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 || accepted.Load() != 0 {
		t.Errorf("%d of %d orphan inserts were accepted during the change (%d orphan rows)\nplan:\n%s", accepted.Load(), attempts.Load(), orphans, p.Format())
	}
	if attempts.Load() == 0 {
		t.Error("the writer never ran")
	}
	if got := showCreate(t, db, "child"); !strings.Contains(got, "ON DELETE CASCADE") {
		t.Errorf("after the plan:\n%s", got)
	}
	t.Logf("%d orphan inserts refused during the change", attempts.Load())
}

// Without a known server (MySQL 8 has no SET STATEMENT), the swap switches
// foreign_key_checks off for the session and restores it, also when the
// swap fails.
func TestForeignKeySwapSessionForm(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "from", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id));
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1);
`)
	desired := loadSchema(t, d, "to.sql", `
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id) ON UPDATE CASCADE);
`)
	current := inspect(t, d, db)
	p := plan(t, mysql.New(), current, desired) // no server inspected
	if !strings.Contains(p.Format(), "SET @retort_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0") {
		t.Fatalf("plan without a known server:\n%s", p.Format())
	}
	checks := func(conn *sql.Conn) int {
		var v int
		if err := conn.QueryRowContext(context.Background(), "SELECT @@SESSION.foreign_key_checks").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// A swap that fails (a step broken on purpose) leaves the checks on.
	broken := &dialect.Plan{Steps: append([]dialect.Step(nil), p.Steps...)}
	for i, s := range broken.Steps {
		if strings.Contains(s.SQL, "ALGORITHM=INPLACE") {
			broken.Steps[i].SQL = strings.Replace(s.SQL, "ALGORITHM=INPLACE", "ALGORITHM=NONESUCH", 1)
			break
		}
	}
	conn := pin(t, db)
	if err := dialect.Apply(context.Background(), d, conn, broken); err == nil {
		t.Fatalf("the broken plan ran:\n%s", broken.Format())
	}
	if v := checks(conn); v != 1 {
		t.Errorf("foreign_key_checks = %d on the connection after a failed swap, want 1", v)
	}
	if err := dialect.Apply(context.Background(), d, conn, p); err != nil {
		t.Fatalf("apply: %v\n%s", err, p.Format())
	}
	if v := checks(conn); v != 1 {
		t.Errorf("foreign_key_checks = %d after the swap, want 1", v)
	}
	if got := showCreate(t, db, "child"); !strings.Contains(got, "CONSTRAINT `child_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON UPDATE CASCADE") {
		t.Errorf("after the plan:\n%s", got)
	}
}

// Rows that a new unique key or CHECK would refuse stop the plan before
// anything is dropped (here: an index the desired schema no longer has).
func TestRefusalsChangeNothing(t *testing.T) {
	tests := []struct {
		name, from, to, want, fix string
	}{
		{
			name: "duplicate keys",
			from: `CREATE TABLE t (id int PRIMARY KEY, email varchar(100), note varchar(20), KEY t_note_idx (note));
INSERT INTO t VALUES (1, 'a@x', 'a'), (2, 'a@x', 'b'), (3, NULL, 'c'), (4, NULL, 'd'), (5, 'b@x', 'e');`,
			to:   `CREATE TABLE t (id int PRIMARY KEY, email varchar(100) UNIQUE, note varchar(20));`,
			want: "retort: 1 duplicate key(s) in t (email); e.g. a@x; cannot add unique index t_email_key",
			fix:  "UPDATE t SET email = 'c@x' WHERE id = 2",
		},
		{
			name: "check violations",
			from: `CREATE TABLE t (id int PRIMARY KEY, qty int, note varchar(10), KEY t_note_idx (note));
INSERT INTO t VALUES (1, 5, 'a'), (2, -1, 'b'), (3, NULL, 'c'), (4, -7, 'd');`,
			to:   `CREATE TABLE t (id int PRIMARY KEY, qty int, note varchar(10), CONSTRAINT t_qty_check CHECK (qty >= 0));`,
			want: "retort: 2 row(s) of t fail check t_qty_check; e.g. 2 4; cannot add the check",
			fix:  "UPDATE t SET qty = 0 WHERE qty < 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _, d := newDB(t)
			run(t, db, "from", tt.from)
			before := showCreate(t, db, "t")
			p := plan(t, d, inspect(t, d, db), loadSchema(t, d, "to.sql", tt.to))
			err := dialect.Apply(context.Background(), d, pin(t, db), p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Apply error = %v, want it to contain %q\nplan:\n%s", err, tt.want, p.Format())
			}
			if after := showCreate(t, db, "t"); after != before {
				t.Errorf("the refused change altered the table:\nbefore:\n%s\nafter:\n%s\nplan:\n%s", before, after, p.Format())
			}
			run(t, db, "fix", tt.fix)
			apply(t, d, db, p)
		})
	}
}
