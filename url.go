package retort

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Target is a parsed database URL.
type Target struct {
	// Dialect is "sqlite", "postgres" or "mysql".
	Dialect string
	// DSN is what the database/sql driver is opened with.
	DSN string
	// Path is the file of a SQLite database ("" for :memory:).
	Path string
	// Redacted is the URL with any password replaced by "xxxxx", safe to print.
	Redacted string
	// Host is the server's host:port (PostgreSQL, MySQL; "" for SQLite).
	Host string
	// ConnectTimeout is the URL's own connect timeout (PostgreSQL
	// connect_timeout=SECONDS, MySQL timeout=DURATION), 0 when it has none.
	ConnectTimeout time.Duration
}

// URLError is a database URL that cannot be used. It never contains the
// URL's password.
type URLError struct {
	URL string // redacted
	Msg string
}

func (e *URLError) Error() string { return fmt.Sprintf("database url %q: %s", e.URL, e.Msg) }

// ParseURL parses a database URL of one of the forms
//
//	sqlite:path/app.db  sqlite:///abs/path.db  sqlite::memory:
//	postgres://user:pass@host:5432/db?sslmode=disable  (also postgresql://)
//	mysql://user:pass@host:3306/db                     (also mariadb://)
func ParseURL(raw string) (*Target, error) {
	red := Redact(raw)
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return nil, &URLError{URL: red, Msg: "no scheme: want sqlite:, postgres:// or mysql://"}
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path := rest
		switch {
		case strings.HasPrefix(path, "//"):
			path = strings.TrimPrefix(path, "//") // sqlite:///abs → /abs ; sqlite://rel → rel
		}
		if q := strings.IndexByte(path, '?'); q >= 0 {
			path = path[:q]
		}
		if path == "" {
			return nil, &URLError{URL: red, Msg: "no database file (use sqlite:path/app.db or sqlite::memory:)"}
		}
		if path == ":memory:" {
			return &Target{Dialect: "sqlite", DSN: ":memory:", Redacted: red}, nil
		}
		dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
		return &Target{Dialect: "sqlite", DSN: dsn, Path: path, Redacted: red}, nil
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return nil, &URLError{URL: red, Msg: "malformed postgres url"}
		}
		// ?schema=app selects the schema retort manages: it becomes the
		// first schema of the search path.
		if q := u.Query(); q.Get("schema") != "" {
			if q.Get("search_path") != "" {
				return nil, &URLError{URL: red, Msg: "give either schema= or search_path=, not both"}
			}
			q.Set("search_path", q.Get("schema"))
			q.Del("schema")
			u.RawQuery = q.Encode()
			raw = u.String()
		}
		t := &Target{Dialect: "postgres", DSN: raw, Redacted: red, Host: hostPort(u, "5432")}
		if v := u.Query().Get("connect_timeout"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, &URLError{URL: red, Msg: fmt.Sprintf("connect_timeout=%s: want a number of seconds", v)}
			}
			t.ConnectTimeout = time.Duration(n) * time.Second
		}
		return t, nil
	case "mysql", "mariadb":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, &URLError{URL: red, Msg: "malformed mysql url (want mysql://user:pass@host:3306/db)"}
		}
		t := &Target{Dialect: "mysql", DSN: mysqlDSN(u), Redacted: red, Host: hostPort(u, "3306")}
		if v := u.Query().Get("timeout"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, &URLError{URL: red, Msg: fmt.Sprintf("timeout=%s: want a duration such as 10s", v)}
			}
			t.ConnectTimeout = d
		}
		return t, nil
	}
	return nil, &URLError{URL: red, Msg: fmt.Sprintf("unknown scheme %q: want sqlite:, postgres:// or mysql://", scheme)}
}

// hostPort returns u's host:port, with the engine's default port when the
// URL has none ("" when the URL names no host, e.g. a Unix socket given in
// the query).
func hostPort(u *url.URL, port string) string {
	if u.Hostname() == "" {
		return ""
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), port)
	}
	return u.Host
}

// Redact returns raw with the password of its user info, if any, replaced
// by "xxxxx". Text that does not parse as a URL is returned with everything
// between "://" and "@" hidden.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err == nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return raw
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		if j := strings.LastIndex(raw, "@"); j > i {
			return raw[:i+3] + "xxxxx" + raw[j:]
		}
	}
	return raw
}

// mysqlDSN turns mysql://user:pass@host:port/db?opts into the DSN of
// github.com/go-sql-driver/mysql: user:pass@tcp(host:port)/db?opts.
func mysqlDSN(u *url.URL) string {
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if p, ok := u.User.Password(); ok {
			b.WriteString(":" + p)
		}
		b.WriteString("@")
	}
	host := u.Host
	if u.Port() == "" {
		host += ":3306"
	}
	b.WriteString("tcp(" + host + ")/")
	b.WriteString(strings.TrimPrefix(u.Path, "/"))
	q := u.Query()
	if q.Get("parseTime") == "" {
		q.Set("parseTime", "true")
	}
	b.WriteString("?" + q.Encode())
	return b.String()
}
