package retort

import (
	"fmt"
	"net/url"
	"strings"
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
		if hint := encodingHint(raw); hint != "" {
			return nil, &URLError{URL: red, Msg: "malformed postgres url" + hint}
		}
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
		return &Target{Dialect: "postgres", DSN: raw, Redacted: red}, nil
	case "mysql", "mariadb":
		if hint := encodingHint(raw); hint != "" {
			return nil, &URLError{URL: red, Msg: "malformed mysql url" + hint}
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, &URLError{URL: red, Msg: "malformed mysql url (want mysql://user:pass@host:3306/db)"}
		}
		return &Target{Dialect: "mysql", DSN: mysqlDSN(u), Redacted: red}, nil
	}
	return nil, &URLError{URL: red, Msg: fmt.Sprintf("unknown scheme %q: want sqlite:, postgres:// or mysql://", scheme)}
}

// DialectName returns the engine name ("sqlite", "postgres" or "mysql")
// for name or one of its aliases: "sqlite3", "postgresql", "pg", "mariadb",
// in any case.
func DialectName(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sqlite", "sqlite3":
		return "sqlite", nil
	case "postgres", "postgresql", "pg":
		return "postgres", nil
	case "mysql", "mariadb":
		return "mysql", nil
	}
	return "", fmt.Errorf("unknown dialect %q: want sqlite, postgres or mysql (aliases sqlite3, postgresql, mariadb)", name)
}

// encodingHint explains a server URL whose user info holds a character
// that URLs reserve: a '#' starts the fragment, so the host parsed is
// nonsense ("no such host"). It never repeats the password.
func encodingHint(raw string) string {
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 || !strings.Contains(rest[:at], "#") {
		return ""
	}
	return "; a password containing '#', '?', '/' or '@' must be percent-encoded in a URL ('#' is %23, '?' %3F, '/' %2F, '@' %40)"
}

// Redact returns raw with the password of its user info, if any, replaced
// by "xxxxx". Text that does not parse as a URL is returned with everything
// between "://" and "@" hidden.
func Redact(raw string) string {
	if encodingHint(raw) != "" {
		i := strings.Index(raw, "://")
		return raw[:i+3] + "xxxxx" + raw[i+3+strings.LastIndex(raw[i+3:], "@"):]
	}
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
