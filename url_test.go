package retort

import (
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, raw, dialect, dsn, path string
	}{
		{name: "sqlite relative", raw: "sqlite:path/app.db", dialect: "sqlite", path: "path/app.db",
			dsn: "file:path/app.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"},
		{name: "sqlite absolute", raw: "sqlite:///abs/path.db", dialect: "sqlite", path: "/abs/path.db",
			dsn: "file:/abs/path.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"},
		{name: "sqlite memory", raw: "sqlite::memory:", dialect: "sqlite", dsn: ":memory:"},
		{name: "sqlite path with space", raw: "sqlite:my dir/app.db", dialect: "sqlite", path: "my dir/app.db",
			dsn: "file:my%20dir/app.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"},
		{name: "sqlite read-only", raw: "sqlite:app.db?mode=ro", dialect: "sqlite", path: "app.db",
			dsn: "file:app.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate&mode=ro"},
		{name: "sqlite parameters kept", raw: "sqlite:app.db?cache=shared&immutable=1&_journal_mode=WAL", dialect: "sqlite", path: "app.db",
			dsn: "file:app.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate&_journal_mode=WAL&cache=shared&immutable=1"},
		{name: "sqlite own settings replace the defaults", raw: "sqlite:app.db?_pragma=foreign_keys(0)&_timeout=50&_txlock=deferred", dialect: "sqlite", path: "app.db",
			dsn: "file:app.db?_pragma=foreign_keys%280%29&_timeout=50&_txlock=deferred"},
		{name: "sqlite shared memory", raw: "sqlite::memory:?cache=shared", dialect: "sqlite",
			dsn: "file::memory:?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate&cache=shared"},
		{name: "postgres", raw: "postgres://u:p@h:5432/db?sslmode=disable", dialect: "postgres", dsn: "postgres://u:p@h:5432/db?sslmode=disable"},
		{name: "postgresql", raw: "postgresql://h/db", dialect: "postgres", dsn: "postgresql://h/db"},
		{name: "postgres schema", raw: "postgres://h/db?schema=app&sslmode=disable", dialect: "postgres", dsn: "postgres://h/db?search_path=app&sslmode=disable"},
		{name: "mysql", raw: "mysql://root:pw@127.0.0.1:3306/test", dialect: "mysql", dsn: "root:pw@tcp(127.0.0.1:3306)/test?parseTime=true"},
		{name: "mariadb default port", raw: "mariadb://root@db/app", dialect: "mysql", dsn: "root@tcp(db:3306)/app?parseTime=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseURL(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.Dialect != tt.dialect || got.DSN != tt.dsn || got.Path != tt.path {
				t.Errorf("ParseURL(%q) = %+v, want dialect %s dsn %s path %q", tt.raw, got, tt.dialect, tt.dsn, tt.path)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"no scheme", "app.db", "no scheme"},
		{"unknown scheme", "oracle://scott:tiger@db/orcl", `unknown scheme "oracle"`},
		{"sqlite without file", "sqlite:", "no database file"},
		{"mysql without host", "mysql:///db", "malformed mysql url"},
		{"sqlite unknown parameter", "sqlite:app.db?mdoe=ro", `unknown SQLite parameter "mdoe"; accepted: _auto_vacuum, `},
		{"sqlite bad mode", "sqlite:app.db?mode=readonly", `SQLite parameter mode="readonly": want one of ro, rw, rwc, memory`},
		{"sqlite pragma with two statements", "sqlite:app.db?_pragma=foreign_keys(1)%3BATTACH%20'x.db'%20AS%20x", "holds more than one statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseURL(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseURL(%q) error = %v, want %q", tt.raw, err, tt.want)
			}
			if strings.Contains(err.Error(), "tiger") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://admin:hunter2@db:5432/app", "postgres://admin:xxxxx@db:5432/app"},
		{"mysql://root@db/app", "mysql://root@db/app"},
		{"sqlite:app.db", "sqlite:app.db"},
		{"postgres://admin:hun%zzter@db/app", "postgres://xxxxx@db/app"}, // does not parse
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseURLPasswordWithHash(t *testing.T) {
	for _, raw := range []string{"postgres://admin:s3#cret@db:5432/app", "mysql://root:a#b@db/app", "mariadb://root:#x@db/app"} {
		_, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), "percent-encoded") || !strings.Contains(err.Error(), "%23") {
			t.Errorf("ParseURL(%q) = %v, want a hint to percent-encode", raw, err)
		}
		if err != nil && (strings.Contains(err.Error(), "cret") || strings.Contains(err.Error(), "a#b") || strings.Contains(err.Error(), "#x")) {
			t.Errorf("ParseURL(%q): error %q shows the password", raw, err)
		}
	}
	if _, err := ParseURL("postgres://admin:s3%23cret@db:5432/app"); err != nil {
		t.Errorf("the encoded form: %v", err)
	}
}

func TestDialectName(t *testing.T) {
	for in, want := range map[string]string{"sqlite": "sqlite", "SQLite3": "sqlite", "postgresql": "postgres", "postgres": "postgres",
		"pg": "postgres", "mariadb": "mysql", "MySQL": "mysql"} {
		if got, err := DialectName(in); got != want || err != nil {
			t.Errorf("DialectName(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := DialectName("oracle"); err == nil {
		t.Error("DialectName(oracle) succeeded")
	}
}

func TestParseURLHostAndConnectTimeout(t *testing.T) {
	tests := []struct {
		name, raw, host string
		timeout         time.Duration
	}{
		{"postgres default port", "postgres://u:p@db/app", "db:5432", 0},
		{"postgres connect_timeout", "postgres://u:p@db:6000/app?connect_timeout=3", "db:6000", 3 * time.Second},
		{"mysql timeout", "mysql://root@127.0.0.1/app?timeout=1500ms", "127.0.0.1:3306", 1500 * time.Millisecond},
		{"sqlite", "sqlite:app.db", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseURL(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.Host != tt.host || got.ConnectTimeout != tt.timeout {
				t.Errorf("ParseURL(%q): host %q timeout %v, want %q %v", tt.raw, got.Host, got.ConnectTimeout, tt.host, tt.timeout)
			}
		})
	}
	for _, raw := range []string{"postgres://db/app?connect_timeout=soon", "mysql://db/app?timeout=10"} {
		if _, err := ParseURL(raw); err == nil {
			t.Errorf("ParseURL(%q): no error for a malformed timeout", raw)
		}
	}
}
