package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// countingQuerier counts the queries Inspect sends.
type countingQuerier struct {
	dialect.Querier
	n atomic.Int64
}

func (q *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q.n.Add(1)
	return q.Querier.QueryContext(ctx, query, args...)
}

func (q *countingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q.n.Add(1)
	return q.Querier.QueryRowContext(ctx, query, args...)
}

func TestInspectQueryCountIsConstant(t *testing.T) {
	count := func(tables int) int64 {
		db, _, d := newDB(t)
		var b strings.Builder
		b.WriteString("CREATE TABLE p (id int PRIMARY KEY);\n")
		for i := range tables {
			fmt.Fprintf(&b, "CREATE TABLE t%d (id int PRIMARY KEY, p_id int REFERENCES p (id), x varchar(10) CHECK (x <> ''), KEY (x));\n", i)
			fmt.Fprintf(&b, "CREATE FUNCTION f%d(a int) RETURNS int DETERMINISTIC RETURN a + %d;\n", i, i)
			fmt.Fprintf(&b, "CREATE EVENT e%d ON SCHEDULE EVERY %d DAY DISABLE DO SELECT 1;\n", i, i+1)
			fmt.Fprintf(&b, "CREATE TABLE h%d (id int PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2;\n", i)
		}
		b.WriteString("CREATE VIEW v AS SELECT id FROM p;\n")
		run(t, db, "schema", b.String())
		q := &countingQuerier{Querier: db}
		s := inspect(t, d, q)
		if len(s.Tables) != 2*tables+1 || len(s.Routines) != 2*tables {
			t.Fatalf("inspected %d tables and %d routines, want %d and %d", len(s.Tables), len(s.Routines), 2*tables+1, 2*tables)
		}
		return q.n.Load()
	}
	small, large := count(2), count(40)
	if small != large {
		t.Errorf("Inspect sent %d queries for 3 tables and %d for 41: it must not query per table", small, large)
	}
	if small != 14 {
		t.Errorf("Inspect sent %d queries, want 14", small)
	}
}

func TestInspectTwiceIsEqual(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "schema", `
CREATE TABLE users (id int unsigned AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL, UNIQUE KEY (email(50)),
  created timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), js json, kind enum('a','B') DEFAULT 'B') COMMENT 'people';
CREATE TABLE notes (id int PRIMARY KEY, author_id int unsigned, body text, FULLTEXT KEY (body),
  FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL, CHECK (id > 0));
CREATE VIEW v AS SELECT n.id, u.email FROM notes n JOIN users u ON u.id = n.author_id;
`)
	a, b := inspect(t, d, db), inspect(t, d, db)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two inspections differ:\n%s", diff)
	}
	if changes := compare(a, b); len(changes) > 0 {
		t.Errorf("two inspections compare unequal:\n%s", describe(changes))
	}
	notes, _ := a.Table("notes")
	if len(notes.Indexes) != 2 || !notes.Indexes[0].Implicit && !notes.Indexes[1].Implicit {
		t.Errorf("notes indexes = %+v, want the foreign key's index marked implicit", notes.Indexes)
	}
	users, _ := a.Table("users")
	if c, _ := users.Column("js"); c.Type != "json" {
		t.Errorf("users.js type = %q, want json (MariaDB's LONGTEXT with json_valid)", c.Type)
	}
	if len(users.Checks) != 0 {
		t.Errorf("users checks = %+v, want none (json_valid belongs to the json type)", users.Checks)
	}
	if c, _ := users.Column("created"); c.Default != "CURRENT_TIMESTAMP(3)" || c.OnUpdate != "CURRENT_TIMESTAMP(3)" {
		t.Errorf("users.created default %q on update %q, want CURRENT_TIMESTAMP(3) for both", c.Default, c.OnUpdate)
	}
	if v := a.Views[0].Def; strings.Contains(v, "retort_test_") {
		t.Errorf("view definition names the database: %s", v)
	}
}

// The database and a scratch database load of the same SQL compare equal;
// the scratch database takes the target database's charset.
func TestLoadSchemaMatchesDatabase(t *testing.T) {
	db, _, d := newDB(t)
	if _, err := db.Exec("ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci"); err != nil {
		t.Fatal(err)
	}
	src := `
CREATE TABLE children (id int PRIMARY KEY, parent_id int REFERENCES parents (id), name varchar(20));
CREATE TABLE parents (id int PRIMARY KEY, name varchar(20) CHARACTER SET utf8mb4);
`
	run(t, db, "schema", "SET foreign_key_checks = 0;\n"+src)
	live := inspect(t, d, db)
	desired := loadSchema(t, d, "schema.sql", src)
	if changes := compare(live, desired); len(changes) > 0 {
		t.Errorf("database and loaded schema differ:\n%s", describe(changes))
	}
	children, _ := desired.Table("children")
	if fk := children.ForeignKeys[0]; fk.Name != "" {
		t.Errorf("loaded foreign key name = %q, want the server's made-up name cleared", fk.Name)
	}
	parents, _ := live.Table("parents")
	if c, _ := parents.Column("name"); !strings.HasPrefix(c.Collation, "utf8mb4") {
		t.Errorf("parents.name collation = %q, want utf8mb4 (differs from the latin1 database)", c.Collation)
	}
}

func TestLoadSchemaRefusesOtherDatabases(t *testing.T) {
	_, _, d := newDB(t)
	tests := []struct{ name, src, want string }{
		{"use", "CREATE TABLE a (x int);\nUSE mysql;", "schema.sql:2: refused, nothing was run: USE would leave the scratch database"},
		{"qualified", "CREATE TABLE a (x int);\nCREATE TABLE mysql.evil (x int);", "schema.sql:2: refused, nothing was run: the statement names database mysql"},
		{"executable comment", "/*!50000 CREATE TABLE `mysql`.`evil` (x int) */;", "schema.sql:1: refused, nothing was run: the statement names database mysql"},
		{"create database", "CREATE DATABASE x;", "schema.sql:1: refused, nothing was run: CREATE DATABASE acts on a database other"},
		{"missing parent", "CREATE TABLE a (x int);\nCREATE TABLE b (id int, a_id int REFERENCES nowhere (id));", "schema.sql:2: foreign key b_ibfk_1 of b references table nowhere"},
		{"server error", "CREATE TABLE a (x int);\nCREATE TABLE a (x int);", "schema.sql:2: Error 1050"},
		// lower_case_table_names=0: b and B are two tables, and the error
		// names the line of the one at fault.
		{"missing parent, names differing in case", "CREATE TABLE b (x int);\nCREATE TABLE B (id int, a_id int REFERENCES nowhere (id));", "schema.sql:2: foreign key B_ibfk_1 of B references table nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.LoadSchema(context.Background(), "schema.sql", tt.src)
			var le *dialect.LoadError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadSchema error = %v, want a *dialect.LoadError containing %q", err, tt.want)
			}
		})
	}
}

// mysqldump's output (DELIMITER, executable comments, triggers) loads
// into the schema it was dumped from.
func TestLoadSchemaReadsMysqldump(t *testing.T) {
	dump, err := exec.LookPath("mysqldump")
	if err != nil {
		t.Skip("mysqldump is not installed")
	}
	db, dsn, d := newDB(t)
	run(t, db, "schema", `
CREATE TABLE p (id int PRIMARY KEY, n int DEFAULT 0);
CREATE TABLE c (id int PRIMARY KEY, p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE);
CREATE TRIGGER p_bi BEFORE INSERT ON p FOR EACH ROW BEGIN IF NEW.n < 0 THEN SET NEW.n = 0; END IF; END;
CREATE VIEW pv AS SELECT id FROM p;
`)
	var dbName string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	host := dsn[strings.Index(dsn, "tcp(")+4 : strings.Index(dsn, ")")]
	h, port, _ := strings.Cut(host, ":")
	user := dsn[:strings.Index(dsn, "@")]
	if i := strings.IndexByte(user, ':'); i >= 0 {
		t.Skip("the test server has a password; mysqldump is run without one")
	}
	out, err := exec.Command(dump, "--no-data", "--skip-add-drop-table", "-h", h, "-P", port, "-u", user, dbName).Output()
	if err != nil {
		t.Fatalf("mysqldump: %v", err)
	}
	desired := loadSchema(t, d, "dump.sql", string(out))
	if changes := compare(inspect(t, d, db), desired); len(changes) > 0 {
		t.Errorf("the dump loads into a different schema:\n%s", describe(changes))
	}
	if len(desired.Triggers) != 1 || len(desired.Views) != 1 {
		t.Errorf("dump loaded %d triggers and %d views, want 1 and 1", len(desired.Triggers), len(desired.Views))
	}
}

func TestOrphanCheckStopsBeforeTheForeignKey(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "from", `
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, a int, b int, KEY (a, b));
CREATE TABLE pairs (x int, y int, PRIMARY KEY (x, y));
INSERT INTO users VALUES (1);
INSERT INTO pairs VALUES (1, 1);
INSERT INTO notes VALUES (1, 1, 1), (2, 7, 8), (3, 9, NULL), (4, 7, 1), (5, NULL, 2);
`)
	desired := loadSchema(t, d, "to.sql", `
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE pairs (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE notes (id int PRIMARY KEY, a int, b int, KEY (a, b), FOREIGN KEY (a, b) REFERENCES pairs (x, y));
`)
	p := plan(t, d, inspect(t, d, db), desired)
	err := dialect.Apply(context.Background(), d, pin(t, db), p)
	want := "retort: 2 orphan row(s) in notes (a b) without a parent in pairs (x y); e.g. (7 1) (7 8); cannot add foreign key notes_a_b_fkey"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Apply error = %v, want it to contain %q", err, want)
	}
	notes, _ := inspect(t, d, db).Table("notes")
	if len(notes.ForeignKeys) != 0 {
		t.Errorf("the foreign key was added despite the orphans: %+v", notes.ForeignKeys)
	}
	// Without orphans the same plan goes through.
	run(t, db, "fix", "DELETE FROM notes WHERE id IN (2, 4)")
	apply(t, d, db, p)
}

func TestTransactGroupsDataAfterDDL(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "schema", "CREATE TABLE v (rev varchar(20) PRIMARY KEY, n int)")
	conn := pin(t, db)
	ctx := context.Background()
	// DDL, then two version-table writes: committed together.
	err := d.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		for _, s := range []string{"CREATE TABLE a (x int)", "DELETE FROM v WHERE rev = 'r1'", "INSERT INTO v VALUES ('r1', 1)"} {
			if _, err := q.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := queryRows(t, db, "SELECT rev, n FROM v"); !cmp.Equal(got, []string{"r1 | 1"}) {
		t.Errorf("version rows = %v, want r1 | 1", got)
	}
	// A data statement that fails rolls back the data written since the
	// last DDL; the DDL stays (it committed on its own).
	err = d.Transact(ctx, conn, func(ctx context.Context, q dialect.Querier) error {
		for _, s := range []string{"CREATE TABLE b (x int)", "DELETE FROM v", "INSERT INTO nowhere VALUES (1)"} {
			if _, err := q.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if mysql.ErrorNumber(err) != 1146 {
		t.Fatalf("Transact error = %v, want error 1146 (no such table)", err)
	}
	if got := queryRows(t, db, "SELECT rev FROM v"); !cmp.Equal(got, []string{"r1"}) {
		t.Errorf("version rows after the failure = %v, want [r1]: the DELETE must roll back", got)
	}
	if got := queryRows(t, db, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'b'"); got[0] != "1" {
		t.Errorf("table b missing: DDL commits on its own")
	}
}

func TestLockIsExclusive(t *testing.T) {
	db, _, _ := newDB(t)
	ctx := context.Background()
	d := mysql.New(mysql.WithLockTimeout(time.Second))
	a, b := pin(t, db), pin(t, db)
	unlock, err := d.Lock(ctx, a, "retort_revisions")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := d.Lock(ctx, b, "retort_revisions"); err == nil || !strings.Contains(err.Error(), "still held") {
		t.Errorf("second Lock = %v, want a timeout naming the holder", err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("second Lock gave up after %v, want about the 1s lock timeout", time.Since(start))
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := d.Lock(ctx, b, "retort_revisions")
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock2()
}

func TestScratchNeedsCreatePrivilege(t *testing.T) {
	db, dsn, _ := newDB(t)
	var dbName string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	user := testdb.Name("retort_u")
	if _, err := db.Exec(fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'pw'", user)); err != nil {
		t.Skipf("cannot create a user on the test server: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)); err != nil {
			t.Errorf("cleanup: drop user %s: %v", user, err)
		}
	})
	if _, err := db.Exec(fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", dbName, user)); err != nil {
		t.Fatal(err)
	}
	limited := user + ":pw@" + dsn[strings.Index(dsn, "@")+1:]
	d := mysql.New(mysql.WithScratchServer(limited))
	_, _, err := d.Scratch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--dev-url") || !strings.Contains(err.Error(), "CREATE") {
		t.Errorf("Scratch error = %v, want one that names the CREATE privilege and --dev-url", err)
	}
}

func TestScratchIsDropped(t *testing.T) {
	db, _, d := newDB(t)
	scratch, drop, err := d.Scratch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := scratch.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, mysql.ScratchPrefix) {
		t.Errorf("scratch database %q, want the prefix %s", name, mysql.ScratchPrefix)
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	if got := queryRows(t, db, "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name); got[0] != "0" {
		t.Errorf("scratch database %s still exists after drop", name)
	}
}

// A foreign key the server named is dropped by the name it has when the
// migration runs, which may differ from the name it had where the
// migration was generated (MariaDB 12.1 names unnamed keys 1, 2, …).
func TestServerNamedForeignKeyIsLookedUp(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "live", `
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int, CONSTRAINT `+"`1`"+` FOREIGN KEY (author_id) REFERENCES users (id));
`)
	// The schema the migration was generated from had the older name.
	from := inspect(t, d, db)
	notes, _ := from.Table("notes")
	notes.ForeignKeys[0].Name = "notes_ibfk_1"
	desired := loadSchema(t, d, "to.sql", `
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, author_id int, FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE);
`)
	apply(t, d, db, plan(t, d, from, desired))
	after := inspect(t, d, db)
	if changes := compare(after, desired); len(changes) > 0 {
		t.Fatalf("after the plan: %s", describe(changes))
	}
	notes, _ = after.Table("notes")
	if len(notes.ForeignKeys) != 1 || notes.ForeignKeys[0].Name != "notes_author_id_fkey" || notes.ForeignKeys[0].OnDelete != schema.Cascade {
		t.Errorf("foreign keys = %+v, want one notes_author_id_fkey ON DELETE CASCADE", notes.ForeignKeys)
	}
}

// The engine plugs into retort.Open with mysql:// and mariadb:// URLs.
func TestOpenByURL(t *testing.T) {
	u := testdb.MySQL(t)
	for _, scheme := range []string{"mysql", "mariadb"} {
		raw := scheme + strings.TrimPrefix(u, "mysql")
		db, err := retort.Open(context.Background(), raw)
		if err != nil {
			t.Fatalf("Open(%s): %v", scheme, err)
		}
		if db.Dialect().Name() != "mysql" {
			t.Errorf("Open(%s) engine = %s, want mysql", scheme, db.Dialect().Name())
		}
		if _, err := db.Inspect(context.Background()); err != nil {
			t.Errorf("Inspect: %v", err)
		}
		db.Close()
	}
}
