package mysql

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

func TestClassify(t *testing.T) {
	others := map[string]bool{"other": true, "mysql": true}
	tests := []struct {
		name, stmt string
		want       dialect.Action
		kind       string // Skip: the kind; Refuse: part of the reason
	}{
		{"use", "USE other", dialect.Refuse, "USE"},
		{"drop database", "DROP DATABASE other", dialect.Refuse, "DROP DATABASE"},
		{"create schema", "CREATE SCHEMA IF NOT EXISTS x", dialect.Refuse, "CREATE SCHEMA"},
		{"executable comment", "/*!40000 DROP DATABASE IF EXISTS `other` */", dialect.Refuse, "DROP DATABASE"},
		{"qualified", "CREATE TABLE `other`.t (id int)", dialect.Refuse, "names database other"},
		{"qualified in trigger", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO other.log VALUES (1)", dialect.Refuse, "other"},
		{"outfile", "SELECT * FROM t INTO OUTFILE '/tmp/x'", dialect.Refuse, "OUTFILE"},
		{"dumpfile", "SELECT 1 INTO DUMPFILE '/tmp/x'", dialect.Refuse, "DUMPFILE"},
		{"load data", "LOAD DATA LOCAL INFILE 'x' INTO TABLE t", dialect.Refuse, "LOAD DATA"},
		{"load_file", "CREATE TABLE t (b blob DEFAULT (LOAD_FILE('/etc/passwd')))", dialect.Refuse, "LOAD_FILE"},
		{"set global", "SET GLOBAL general_log = 1", dialect.Refuse, "GLOBAL"},
		{"set persist", "SET PERSIST max_connections = 1", dialect.Refuse, "PERSIST"},
		{"set @@global", "SET @@GLOBAL.general_log_file = '/tmp/x'", dialect.Refuse, "GLOBAL"},
		{"install plugin", "INSTALL PLUGIN x SONAME 'x.so'", dialect.Refuse, "INSTALL"},
		{"flush", "FLUSH TABLES", dialect.Refuse, "FLUSH"},
		{"kill", "KILL 12", dialect.Refuse, "KILL"},
		{"change master", "CHANGE MASTER TO MASTER_HOST = 'x'", dialect.Refuse, "CHANGE"},
		{"start replica", "START REPLICA", dialect.Refuse, "START REPLICA"},
		{"create server", "CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'x')", dialect.Refuse, "SERVER"},
		{"tablespace", "CREATE TABLESPACE ts ADD DATAFILE 'ts.ibd'", dialect.Refuse, "TABLESPACE"},
		{"data directory", "CREATE TABLE t (id int) DATA DIRECTORY = '/tmp'", dialect.Refuse, "DATA DIRECTORY"},
		{"federated", "CREATE TABLE t (id int) ENGINE=FEDERATED CONNECTION='mysql://u@h/db/t'", dialect.Refuse, "CONNECTION"},
		{"udf", "CREATE FUNCTION f RETURNS STRING SONAME 'evil.so'", dialect.Refuse, "SONAME"},
		{"connect engine", "CREATE TABLE t (id int) ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='/etc/passwd'", dialect.Refuse, "FILE_NAME"},
		{"event body", "CREATE EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP DO DROP DATABASE x", dialect.Refuse, "routine body"},
		{"procedure body", "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; SET GLOBAL general_log = 1; END", dialect.Refuse, "GLOBAL"},
		{"prepare", "PREPARE s FROM @sql", dialect.Refuse, "PREPARE"},
		{"client command", `\. other.sql`, dialect.Refuse, `\.`},

		{"grant", "GRANT SELECT ON t TO 'u'@'%'", dialect.Skip, "GRANT"},
		{"revoke", "REVOKE ALL ON t FROM 'u'@'%'", dialect.Skip, "REVOKE"},
		{"create user", "CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'pw'", dialect.Skip, "CREATE USER"},
		{"rename user", "RENAME USER 'a'@'%' TO 'b'@'%'", dialect.Skip, "RENAME USER"},
		{"create role", "CREATE ROLE r", dialect.Skip, "CREATE ROLE"},
		{"set password", "SET PASSWORD FOR 'u'@'%' = 'x'", dialect.Skip, "SET PASSWORD"},
		{"set default role", "SET DEFAULT ROLE r TO 'u'@'%'", dialect.Skip, "SET ROLE"},
		{"gtid_purged", "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'x:1-5'", dialect.Skip, "SET GTID_PURGED"},

		{"set names", "/*!40101 SET NAMES utf8mb4 */", dialect.Allow, ""},
		{"set session", "SET SESSION sql_mode = 'ANSI'", dialect.Allow, ""},
		{"save variable", "SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS", dialect.Allow, ""},
		{"sql_log_bin", "SET @@SESSION.SQL_LOG_BIN= 0", dialect.Allow, ""},
		{"table.column", "CREATE VIEW v AS SELECT t.id FROM t", dialect.Allow, ""},
		{"create table", "CREATE TABLE t (id int PRIMARY KEY, data text)", dialect.Allow, ""},
		{"procedure", "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END", dialect.Allow, ""},
		{"set then global word", "CREATE PROCEDURE p() BEGIN SET @a = 1; SELECT global FROM t; END", dialect.Allow, ""},
		{"definer view", "CREATE DEFINER=`root`@`localhost` VIEW v AS SELECT 1", dialect.Allow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := classify(tt.stmt, others)
			if v.Action != tt.want {
				t.Fatalf("classify(%q) = %+v, want action %d", tt.stmt, v, tt.want)
			}
			if tt.want == dialect.Skip && v.Kind != tt.kind || tt.want == dialect.Refuse && !strings.Contains(v.Kind, tt.kind) {
				t.Errorf("classify(%q) kind %q, want %q", tt.stmt, v.Kind, tt.kind)
			}
		})
	}
}
