package retort_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
)

// sandbox is one engine's setup for the screening tests: an engine whose
// warnings go to log, and a second database on the same server (the
// victim) that schema files try to reach.
type sandbox struct {
	d      dialect.Dialect
	log    *bytes.Buffer
	victim string
	// exists reports whether database name is still on the server.
	exists func(name string) bool
	// drop is the statement that drops the victim.
	drop string
	// admin is a connection to the server (PostgreSQL, MySQL).
	admin *sql.DB
}

func newSandbox(t *testing.T, engine string) *sandbox {
	t.Helper()
	var buf bytes.Buffer
	logger := retort.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	sb := &sandbox{log: &buf}
	var target, victim string
	switch engine {
	case "sqlite":
		d, err := retort.NewDialect("sqlite", logger)
		if err != nil {
			t.Fatal(err)
		}
		sb.d = d
		sb.victim = filepath.Join(t.TempDir(), "victim.db")
		sb.exists = func(name string) bool { _, err := os.Stat(name); return err == nil }
		return sb
	case "postgres":
		target, victim = testdb.Postgres(t), testdb.Postgres(t)
	case "mysql":
		target, victim = testdb.MySQL(t), testdb.MySQL(t)
	}
	d, err := retort.DialectFor(target, logger)
	if err != nil {
		t.Fatal(err)
	}
	sb.d = d
	u, _ := url.Parse(victim)
	sb.victim = strings.TrimPrefix(u.Path, "/")
	tu, err := retort.ParseURL(target)
	if err != nil {
		t.Fatal(err)
	}
	driver, query := "pgx", "SELECT count(*) FROM pg_database WHERE datname = $1"
	sb.drop = `DROP DATABASE "` + sb.victim + `"`
	if engine == "mysql" {
		driver, query = "mysql", "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
		sb.drop = "DROP DATABASE `" + sb.victim + "`"
	}
	db, err := sql.Open(driver, tu.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sb.admin = db
	sb.exists = func(name string) bool {
		var n int
		if err := db.QueryRow(query, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if !sb.exists(sb.victim) {
		t.Fatalf("victim database %s missing before the test", sb.victim)
	}
	return sb
}

// wantRefused checks that err refuses the statement at file:line.
func wantRefused(t *testing.T, err error, file string, line int, reason string) {
	t.Helper()
	var le *dialect.LoadError
	var re *dialect.RefusedError
	if !errors.As(err, &le) || !errors.As(err, &re) {
		t.Fatalf("got %v, want a refusal at %s:%d", err, file, line)
	}
	if le.File != file || le.Line != line {
		t.Errorf("refused at %s:%d, want %s:%d (%v)", le.File, le.Line, file, line, err)
	}
	if !strings.Contains(re.Reason, reason) {
		t.Errorf("reason %q, want it to mention %q", re.Reason, reason)
	}
}

// TestLoadSQLRefusesOtherDatabases loads a schema file that drops another
// database of the server: the load is refused naming the line, before the
// statements above it ran, and the other database is still there.
func TestLoadSQLRefusesOtherDatabases(t *testing.T) {
	for _, e := range engines {
		engine := e.name
		t.Run(engine, func(t *testing.T) {
			sb := newSandbox(t, engine)
			drop := sb.drop
			if engine == "sqlite" {
				drop = "ATTACH '" + sb.victim + "' AS victim"
			}
			src := "CREATE TABLE a (id int);\n\n" + drop + ";\nCREATE TABLE b (id int);\n"
			_, err := retort.LoadSQL(context.Background(), sb.d, "schema.sql", src)
			if got := sb.exists(sb.victim); got != (engine != "sqlite") {
				t.Errorf("victim %s exists: %v", sb.victim, got)
			}
			wantRefused(t, err, "schema.sql", 3, "")
		})
	}
}

// TestReplayRefusesOtherDatabases replays migrations whose second file
// drops another database: the replay is refused naming that file and line
// before the first migration ran, and the other database is still there.
func TestReplayRefusesOtherDatabases(t *testing.T) {
	for _, e := range engines {
		engine := e.name
		t.Run(engine, func(t *testing.T) {
			sb := newSandbox(t, engine)
			drop := sb.drop
			if engine == "sqlite" {
				drop = "ATTACH '" + sb.victim + "' AS victim;\nCREATE TABLE victim.t (id int)"
			}
			fsys := chain("CREATE TABLE a (id int);", "CREATE TABLE b (id int);\n"+drop+";")
			g, err := retort.LoadGraph(fsys)
			if err != nil {
				t.Fatal(err)
			}
			_, err = retort.ReplaySchema(context.Background(), sb.d, g, "heads")
			if got := sb.exists(sb.victim); got != (engine != "sqlite") {
				t.Errorf("victim %s exists: %v", sb.victim, got)
			}
			wantRefused(t, err, revision(2)+"_m.sql", 7, "")
		})
	}
}

// TestLoadSQLRefuses lists, per engine, statements that reach outside the
// scratch database.
func TestLoadSQLRefuses(t *testing.T) {
	tmp := t.TempDir()
	never := testdb.Name("sandbox_never")
	cases := map[string][]struct{ stmt, reason string }{
		"sqlite": {
			{"ATTACH '" + filepath.Join(tmp, "a.db") + "' AS a", "ATTACH"},
			{"VACUUM INTO '" + filepath.Join(tmp, "copy.db") + "'", "VACUUM INTO"},
			{"SELECT load_extension('/tmp/x.so')", "load_extension"},
			{"PRAGMA temp_store_directory = '" + tmp + "'", "temp_store_directory"},
			{"PRAGMA hard_heap_limit = 1000", "hard_heap_limit"},
			{".read other.sql\nCREATE TABLE t (id int)", ".read"},
		},
		"postgres": {
			{"CREATE DATABASE " + never, "CREATE DATABASE"},
			{"ALTER DATABASE postgres SET work_mem = '1MB'", "ALTER DATABASE"},
			{"ALTER SYSTEM SET work_mem = '1MB'", "ALTER SYSTEM"},
			{"CREATE TABLESPACE t LOCATION '/tmp'", "TABLESPACE"},
			{"COPY (SELECT 1) TO '/tmp/sandbox_copy'", "file"},
			{"COPY t FROM PROGRAM 'id'", "PROGRAM"},
			{"COPY public.t (id) FROM stdin", "schema-only"},
			{"LOAD 'auto_explain'", "LOAD"},
			{"SELECT pg_read_file('/etc/passwd')", "pg_read_file"},
			{"SELECT lo_export(1, '/tmp/x')", "lo_export"},
			{"DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO ''/tmp/sandbox_do'''; END $$", "COPY"},
			{`\connect postgres`, `\connect`},
			{`\! rm -rf /`, `\!`},
			{"CREATE TABLE t (id int)\n\\i other.sql", `\i`},
		},
		"mysql": {
			{"USE mysql", "USE"},
			{"CREATE DATABASE " + never, "CREATE DATABASE"},
			{"CREATE TABLE mysql.evil (id int)", "names database mysql"},
			{"SELECT 1 INTO OUTFILE '/tmp/sandbox_out'", "OUTFILE"},
			{"LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "LOAD DATA"},
			{"SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE"},
			{"SET GLOBAL max_connections = 1", "GLOBAL"},
			{"SET @@global.max_connections = 1", "GLOBAL"},
			{"INSTALL PLUGIN x SONAME 'x.so'", "INSTALL"},
			{"FLUSH PRIVILEGES", "FLUSH"},
			{"PREPARE s FROM 'DROP DATABASE mysql'", "PREPARE"},
			{"CREATE TABLE t (id int) DATA DIRECTORY = '/tmp'", "DATA DIRECTORY"},
			{`\! id`, `\!`},
		},
	}
	for _, e := range engines {
		engine := e.name
		t.Run(engine, func(t *testing.T) {
			sb := newSandbox(t, engine)
			for _, c := range cases[engine] {
				_, err := retort.LoadSQL(context.Background(), sb.d, "schema.sql", "CREATE TABLE ok (id int);\n"+c.stmt+";\n")
				if engine != "sqlite" && sb.exists(never) {
					sb.cleanup(t, "DROP DATABASE "+never)
					t.Errorf("%s: database %s was created", c.stmt, never)
				}
				wantRefused(t, err, "schema.sql", 2, c.reason)
			}
			for _, f := range []string{"a.db", "copy.db"} {
				if _, err := os.Stat(filepath.Join(tmp, f)); err == nil {
					t.Errorf("%s was written", f)
				}
			}
		})
	}
}

// TestLoadSQLSkipsServerStatements loads files that grant privileges,
// change owners and create roles: those statements are skipped (the role
// is not created), reported in one warning with kinds and counts, and the
// schema loads.
func TestLoadSQLSkipsServerStatements(t *testing.T) {
	role := testdb.Name("sandbox_role")
	srcs := map[string]string{
		"postgres": `CREATE ROLE ` + role + `;
CREATE TABLE public.t (id int);
ALTER TABLE public.t OWNER TO ` + role + `;
ALTER TABLE public.t RENAME COLUMN id TO owner;
ALTER TABLE public.t RENAME COLUMN owner TO id;
GRANT SELECT ON TABLE public.t TO ` + role + `;
GRANT ALL ON SCHEMA public TO PUBLIC;
REVOKE ALL ON TABLE public.t FROM PUBLIC;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO ` + role + `;
SET ROLE ` + role + `;
`,
		"mysql": `CREATE USER '` + role + `'@'%' IDENTIFIED BY 'secret';
CREATE TABLE t (id int);
GRANT SELECT ON t TO '` + role + `'@'%';
GRANT INSERT ON t TO '` + role + `'@'%';
REVOKE INSERT ON t FROM '` + role + `'@'%';
SET PASSWORD FOR '` + role + `'@'%' = PASSWORD('other');
CREATE ROLE ` + role + `_r;
`,
	}
	want := map[string]string{
		"postgres": "skipped 7 statements that describe the server, not the schema: 2 GRANT, 1 ALTER DEFAULT PRIVILEGES, 1 CREATE ROLE, 1 OWNER TO, 1 REVOKE, 1 SET ROLE",
		"mysql":    "skipped 6 statements that describe the server, not the schema: 2 GRANT, 1 CREATE ROLE, 1 CREATE USER, 1 REVOKE, 1 SET PASSWORD",
	}
	for _, engine := range []string{"postgres", "mysql"} {
		t.Run(engine, func(t *testing.T) {
			sb := newSandbox(t, engine)
			s, err := retort.LoadSQL(context.Background(), sb.d, "schema.sql", srcs[engine])
			if sb.roleExists(t, engine, role) {
				if engine == "mysql" {
					sb.cleanup(t, "DROP USER IF EXISTS '"+role+"'@'%'", "DROP ROLE IF EXISTS "+role+"_r")
				} else {
					sb.cleanup(t, "DROP ROLE IF EXISTS "+role)
				}
				t.Errorf("role %s was created", role)
			}
			if err != nil {
				t.Fatal(err)
			}
			if tb, ok := s.Table("t"); !ok || len(tb.Columns) != 1 || tb.Columns[0].Name != "id" {
				t.Errorf("schema %+v, want table t (id)", s.Tables)
			}
			if !strings.Contains(sb.log.String(), want[engine]) {
				t.Errorf("log:\n%s\nwant %q", sb.log.String(), want[engine])
			}
			if strings.Contains(sb.log.String(), "secret") {
				t.Errorf("the log shows the password: %s", sb.log.String())
			}
		})
	}
}

// cleanup runs stmts on the server as the test's admin: it removes what a
// load that should have been refused or skipped created.
func (sb *sandbox) cleanup(t *testing.T, stmts ...string) {
	t.Helper()
	for _, st := range stmts {
		if _, err := sb.admin.Exec(st); err != nil {
			t.Errorf("cleanup %s: %v", st, err)
		}
	}
}

// roleExists reports whether the server has a role or user named name.
func (sb *sandbox) roleExists(t *testing.T, engine, name string) bool {
	t.Helper()
	query := "SELECT count(*) FROM pg_roles WHERE rolname = $1"
	if engine == "mysql" {
		query = "SELECT count(*) FROM mysql.user WHERE User = ?"
	}
	var n int
	if err := sb.admin.QueryRow(query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestLoadSQLAllows loads session settings and, on PostgreSQL, a pg_dump
// header wrapped in \restrict / \unrestrict: all of it runs.
func TestLoadSQLAllows(t *testing.T) {
	srcs := map[string]string{
		"sqlite": "PRAGMA foreign_keys = ON;\nPRAGMA main.user_version = 7;\nVACUUM;\nCREATE TABLE t (id int);\n",
		"postgres": `\restrict AbCdEf0123456789

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET default_tablespace = '';
CREATE TABLE public.t (id integer);
COMMENT ON TABLE public.t IS 'create database here; pg_read_file is not called';
CREATE TABLE public.dblink (id integer);

\unrestrict AbCdEf0123456789
`,
		"mysql": "/*!40101 SET NAMES utf8mb4 */;\nSET foreign_key_checks = 0;\nSET SESSION sql_mode = 'ANSI_QUOTES';\nCREATE TABLE t (id int);\n",
	}
	for _, e := range engines {
		engine := e.name
		t.Run(engine, func(t *testing.T) {
			sb := newSandbox(t, engine)
			s, err := retort.LoadSQL(context.Background(), sb.d, "schema.sql", srcs[engine])
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := s.Table("t"); !ok {
				t.Errorf("table t not loaded: %+v", s.Tables)
			}
			if sb.log.Len() > 0 {
				t.Errorf("unexpected warnings: %s", sb.log.String())
			}
		})
	}
}

// TestReplaySkipsButUpgradeRuns replays a migration holding a GRANT: the
// replay skips it with a warning; upgrade runs it on the database.
func TestReplaySkipsButUpgradeRuns(t *testing.T) {
	sb := newSandbox(t, "postgres")
	fsys := fstest.MapFS{}
	for k, v := range chain("CREATE TABLE t (id int);\nGRANT SELECT ON t TO PUBLIC;") {
		fsys[k] = v
	}
	g, err := retort.LoadGraph(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := retort.ReplaySchema(context.Background(), sb.d, g, "heads"); err != nil {
		t.Fatal(err)
	}
	if want := "skipped 1 statement that describes the server, not the schema: 1 GRANT"; !strings.Contains(sb.log.String(), want) {
		t.Errorf("log %q, want %q", sb.log.String(), want)
	}
	target := testdb.Postgres(t)
	m, err := retort.OpenMigrator(context.Background(), target, fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Upgrade(context.Background(), "head"); err != nil {
		t.Fatal(err)
	}
	var acl sql.NullString
	if err := m.Database().DB().QueryRow("SELECT relacl::text FROM pg_class WHERE relname = 't'").Scan(&acl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(acl.String, "=r/") {
		t.Errorf("upgrade did not run the GRANT: relacl %q", acl.String)
	}
}
