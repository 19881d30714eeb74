package sqlite

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

func TestScreenStmt(t *testing.T) {
	tests := []struct {
		name, stmt string
		want       dialect.Action
		reason     string
	}{
		{"attach", "ATTACH DATABASE 'x.db' AS x", dialect.Refuse, "ATTACH"},
		{"attach uri", "ATTACH 'file:x.db?mode=rwc' AS x", dialect.Refuse, "ATTACH"},
		{"detach", "DETACH x", dialect.Refuse, "DETACH"},
		{"vacuum into", "VACUUM INTO '/tmp/copy.db'", dialect.Refuse, "VACUUM INTO"},
		{"vacuum schema into", "VACUUM main INTO '/tmp/copy.db'", dialect.Refuse, "VACUUM INTO"},
		{"load_extension", "SELECT load_extension('evil')", dialect.Refuse, "load_extension"},
		{"load_extension in trigger", "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT load_extension('x'); END", dialect.Refuse, "load_extension"},
		{"writefile", "SELECT writefile('/tmp/x', 'y')", dialect.Refuse, "writefile"},
		{"fsdir", "CREATE TABLE t AS SELECT name FROM fsdir('/')", dialect.Refuse, "fsdir"},
		{"csv vtab", "CREATE VIRTUAL TABLE c USING csv(filename='/etc/passwd')", dialect.Refuse, "csv"},
		{"temp_store_directory", "PRAGMA temp_store_directory = '/tmp'", dialect.Refuse, "temp_store_directory"},
		{"qualified pragma", "PRAGMA main.hard_heap_limit = 1", dialect.Refuse, "hard_heap_limit"},
		{"dot command", ".shell id", dialect.Refuse, ".shell"},
		{"backslash command", `\! id`, dialect.Refuse, `\!`},

		{"vacuum", "VACUUM", dialect.Allow, ""},
		{"pragma", "PRAGMA foreign_keys = ON", dialect.Allow, ""},
		{"table named readfile", "CREATE TABLE readfile (id int)", dialect.Allow, ""},
		{"fts5", "CREATE VIRTUAL TABLE f USING fts5(body)", dialect.Allow, ""},
		{"string mentioning attach", "CREATE TABLE t (a TEXT DEFAULT 'ATTACH x')", dialect.Allow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := screenStmt(tt.stmt)
			if v.Action != tt.want || !strings.Contains(v.Kind, tt.reason) {
				t.Errorf("screenStmt(%q) = %+v, want action %d mentioning %q", tt.stmt, v, tt.want, tt.reason)
			}
		})
	}
}
