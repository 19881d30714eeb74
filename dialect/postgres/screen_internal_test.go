package postgres

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, stmt string
		want       dialect.Action
		kind       string // Skip: the kind; Refuse: part of the reason
	}{
		{"drop database", "DROP DATABASE other", dialect.Refuse, "DROP DATABASE"},
		{"create database", "CREATE DATABASE x WITH TEMPLATE = template0", dialect.Refuse, "--create"},
		{"alter database", "ALTER DATABASE x OWNER TO postgres", dialect.Refuse, "ALTER DATABASE"},
		{"comment on database", "COMMENT ON DATABASE x IS 'y'", dialect.Refuse, "ON DATABASE"},
		{"alter system", "ALTER SYSTEM SET work_mem = '1GB'", dialect.Refuse, "ALTER SYSTEM"},
		{"tablespace", "CREATE TABLESPACE t LOCATION '/x'", dialect.Refuse, "TABLESPACE"},
		{"set tablespace", "ALTER TABLE t SET TABLESPACE x", dialect.Refuse, "TABLESPACE"},
		{"copy to file", "COPY t TO '/tmp/t'", dialect.Refuse, "file"},
		{"copy program", "COPY t FROM PROGRAM 'curl x'", dialect.Refuse, "PROGRAM"},
		{"copy from stdin", "COPY public.t (a, b) FROM stdin", dialect.Refuse, "--schema-only"},
		{"load", "LOAD 'plugin'", dialect.Refuse, "LOAD"},
		{"import foreign schema", "IMPORT FOREIGN SCHEMA s FROM SERVER x INTO public", dialect.Refuse, "another server"},
		{"subscription", "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p", dialect.Refuse, "SUBSCRIPTION"},
		{"read file", "SELECT pg_catalog.pg_read_file('/etc/passwd')", dialect.Refuse, "pg_read_file"},
		{"table function", "CREATE VIEW v AS SELECT * FROM pg_catalog.pg_ls_dir('/tmp') d", dialect.Refuse, "pg_ls_dir"},
		{"lo_import in default", "CREATE TABLE t (a oid DEFAULT lo_import('/etc/passwd'))", dialect.Refuse, "lo_import"},
		{"dblink in function", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT dblink_exec('dbname=x', 'DROP TABLE t') $$", dialect.Refuse, "dblink_exec"},
		{"copy in do block", "DO $$ BEGIN EXECUTE 'COPY t TO ''/tmp/x'''; END $$", dialect.Refuse, "COPY"},
		{"copy in function body", "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COPY t TO '/tmp/x'; END $$", dialect.Refuse, "COPY"},
		{"language c", "CREATE FUNCTION f() RETURNS int LANGUAGE C AS '/tmp/evil.so', 'f'", dialect.Refuse, "shared library"},
		{"language c after parameter", "CREATE FUNCTION f(language text) RETURNS int AS 'evil', 'f' LANGUAGE c", dialect.Refuse, "shared library"},
		{"untrusted do", "DO LANGUAGE plpython3u $$ import os $$", dialect.Refuse, "plpython3u"},
		{"connect", `\connect other`, dialect.Refuse, `\connect`},
		{"shell", `\! id`, dialect.Refuse, `\!`},
		{"include after restrict", "\\restrict k\n\\i other.sql\nSELECT 1", dialect.Refuse, `\i`},
		{"meta mid-statement", "CREATE TABLE t (id int)\n\\c other", dialect.Refuse, `\c`},

		{"owner to", "ALTER TABLE public.t OWNER TO postgres", dialect.Skip, "OWNER TO"},
		{"function owner", "ALTER FUNCTION public.f(integer) OWNER TO \"Some Role\"", dialect.Skip, "OWNER TO"},
		{"grant", "GRANT SELECT ON TABLE public.t TO reader", dialect.Skip, "GRANT"},
		{"revoke", "REVOKE ALL ON SCHEMA public FROM PUBLIC", dialect.Skip, "REVOKE"},
		{"default privileges", "ALTER DEFAULT PRIVILEGES FOR ROLE a GRANT SELECT ON TABLES TO b", dialect.Skip, "ALTER DEFAULT PRIVILEGES"},
		{"create role", "CREATE ROLE app LOGIN PASSWORD 'x'", dialect.Skip, "CREATE ROLE"},
		{"alter user", "ALTER USER app SET search_path = x", dialect.Skip, "ALTER USER"},
		{"drop group", "DROP GROUP g", dialect.Skip, "DROP GROUP"},
		{"user mapping", "CREATE USER MAPPING FOR app SERVER s OPTIONS (password 'x')", dialect.Skip, "USER MAPPING"},
		{"reassign owned", "REASSIGN OWNED BY a TO b", dialect.Skip, "REASSIGN OWNED"},
		{"set role", "SET ROLE app", dialect.Skip, "SET ROLE"},
		{"set session authorization", "SET SESSION AUTHORIZATION app", dialect.Skip, "SET ROLE"},
		{"comment on role", "COMMENT ON ROLE app IS 'x'", dialect.Skip, "COMMENT ON ROLE"},
		{"only restrict", `\unrestrict k`, dialect.Skip, ""},

		{"set", "SET statement_timeout = 0", dialect.Allow, ""},
		{"set default_tablespace", "SET default_tablespace = ''", dialect.Allow, ""},
		{"set_config", "SELECT pg_catalog.set_config('search_path', '', false)", dialect.Allow, ""},
		{"restrict then set", "\\restrict k\n\nSET x = 1", dialect.Allow, ""},
		{"rename column owner", "ALTER TABLE t RENAME COLUMN owner TO proprietor", dialect.Allow, ""},
		{"rename owner", "ALTER TABLE t RENAME owner TO proprietor", dialect.Allow, ""},
		{"table named dblink", "CREATE TABLE public.dblink (id int)", dialect.Allow, ""},
		{"comment text", "COMMENT ON TABLE t IS 'create database nightly; COPY to ''/tmp'''", dialect.Allow, ""},
		{"do block", "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$", dialect.Allow, ""},
		{"plperl function", "CREATE FUNCTION f() RETURNS int LANGUAGE plperl AS $$ return 1 $$", dialect.Allow, ""},
		{"variables named copy and load", "DO $$ DECLARE copy int; load int; BEGIN copy := 1; load := 2; SELECT 1 AS copy FROM t; END $$", dialect.Allow, ""},
		{"copy word in column", "CREATE TABLE t (copy int, load int)", dialect.Allow, ""},
		{"create table", "CREATE TABLE public.t (id integer NOT NULL)", dialect.Allow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := classify(tt.stmt)
			if v.Action != tt.want {
				t.Fatalf("classify(%q) = %+v, want action %d", tt.stmt, v, tt.want)
			}
			switch tt.want {
			case dialect.Skip:
				if v.Kind != tt.kind {
					t.Errorf("kind %q, want %q", v.Kind, tt.kind)
				}
			case dialect.Refuse:
				if !strings.Contains(v.Kind, tt.kind) {
					t.Errorf("reason %q, want it to mention %q", v.Kind, tt.kind)
				}
			}
		})
	}
}

func TestClassifyRestrictKeepsStatement(t *testing.T) {
	v := classify("\\restrict AbC\n\n-- a comment\nSET statement_timeout = 0")
	if v.Action != dialect.Allow || v.SQL != "SET statement_timeout = 0" || v.Lines != 3 {
		t.Errorf("got %+v, want the SET statement 3 lines down", v)
	}
}
