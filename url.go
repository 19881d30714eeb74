package retort

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/retortdb/retort/internal/sqltok"
)

// Target is a parsed database URL.
type Target struct {
	// Dialect is "sqlite", "postgres" or "mysql".
	Dialect string
	// DSN is what the database/sql driver is opened with.
	DSN string
	// Path is the file of a SQLite database ("" for :memory:).
	Path string
	// Query is the parameter part of a SQLite URL, after its "?" ("" for
	// none), as given: a caller that rewrites Path keeps it.
	Query string
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
//	sqlite:app.db?mode=ro  (parameters: see sqliteParams)
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
		query := ""
		if q := strings.IndexByte(path, '?'); q >= 0 {
			path, query = path[:q], path[q+1:]
		}
		if path == "" {
			return nil, &URLError{URL: red, Msg: "no database file (use sqlite:path/app.db or sqlite::memory:)"}
		}
		params, err := sqliteParams(query)
		if err != nil {
			return nil, &URLError{URL: red, Msg: err.Error()}
		}
		if path == ":memory:" && query == "" {
			return &Target{Dialect: "sqlite", DSN: ":memory:", Redacted: red}, nil
		}
		dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params
		t := &Target{Dialect: "sqlite", DSN: dsn, Path: path, Query: query, Redacted: red}
		if path == ":memory:" || slices.Contains(strings.Split(query, "&"), "mode=memory") {
			t.Path = "" // no file: one connection holds the whole database
		}
		return t, nil
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
		if hint := encodingHint(raw); hint != "" {
			return nil, &URLError{URL: red, Msg: "malformed mysql url" + hint}
		}
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

// sqliteDefaults are the connection settings retort gives every SQLite
// database unless the URL sets them itself: wait 10 s for another writer,
// enforce foreign keys, take the write lock when a transaction begins.
var sqliteDefaults = []struct{ key, value, setting string }{
	{"_pragma", "busy_timeout(10000)", "busy_timeout"},
	{"_pragma", "foreign_keys(1)", "foreign_keys"},
	{"_txlock", "immediate", "txlock"},
}

// sqliteParamNames are the URL parameters a SQLite URL may carry: SQLite's
// own URI parameters (https://www.sqlite.org/uri.html) and those of the
// modernc.org/sqlite driver. Each maps to the setting it makes, so that a
// URL's own value replaces retort's default for it.
var sqliteParamNames = map[string]string{
	// SQLite
	"mode": "", "cache": "", "immutable": "", "nolock": "", "psow": "", "vfs": "", "modeof": "",
	// modernc.org/sqlite
	"_pragma": "", "_txlock": "txlock",
	"_busy_timeout": "busy_timeout", "_timeout": "busy_timeout",
	"_foreign_keys": "foreign_keys", "_fk": "foreign_keys",
	"_journal_mode": "", "_journal": "", "_synchronous": "", "_sync": "",
	"_auto_vacuum": "", "_vacuum": "", "_query_only": "",
	"_time_format": "", "_time_integer_format": "", "_timezone": "",
	"_inttotime": "", "_texttotime": "", "_dqs": "", "_defensive": "", "_error_rc": "",
}

// sqliteParamValues are the values SQLite accepts for the parameters whose
// values it checks loosely or not at all.
var sqliteParamValues = map[string][]string{
	"mode":      {"ro", "rw", "rwc", "memory"},
	"cache":     {"shared", "private"},
	"immutable": {"0", "1", "true", "false", "yes", "no", "on", "off"},
	"nolock":    {"0", "1", "true", "false", "yes", "no", "on", "off"},
	"psow":      {"0", "1", "true", "false", "yes", "no", "on", "off"},
}

// sqliteParams checks the parameters of a SQLite URL and returns the DSN
// query retort opens the database with: retort's defaults (sqliteDefaults)
// for what the URL does not set, then the URL's parameters. An unknown
// parameter is an error naming it and the accepted ones, as is a value
// SQLite would ignore and a _pragma that holds more than one statement.
func sqliteParams(query string) (string, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("malformed parameters: %v", err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := map[string]bool{} // settings the URL makes itself
	var user []string
	for _, k := range keys {
		setting, ok := sqliteParamNames[k]
		if !ok {
			return "", fmt.Errorf("unknown SQLite parameter %q; accepted: %s", k, strings.Join(sortedKeys(sqliteParamNames), ", "))
		}
		for _, v := range q[k] {
			if allowed := sqliteParamValues[k]; allowed != nil && !slices.Contains(allowed, strings.ToLower(v)) {
				return "", fmt.Errorf("SQLite parameter %s=%q: want one of %s", k, v, strings.Join(allowed, ", "))
			}
			if k == "_pragma" {
				name, err := pragmaName(v)
				if err != nil {
					return "", err
				}
				setting = name
			}
			if setting != "" {
				set[setting] = true
			}
			user = append(user, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	var out []string
	for _, d := range sqliteDefaults {
		if !set[d.setting] {
			out = append(out, d.key+"="+d.value)
		}
	}
	return strings.Join(append(out, user...), "&"), nil
}

// pragmaName returns the name of the pragma a _pragma value sets
// ("busy_timeout" for "busy_timeout(5000)"), refusing a value that holds
// more than one statement: the driver runs it as SQL text.
func pragmaName(v string) (string, error) {
	var name string
	for _, t := range sqltok.Tokenize(v, sqltok.Options{}) {
		switch {
		case t.Kind == sqltok.Punct && strings.Contains(t.Text, ";"):
			return "", fmt.Errorf("SQLite parameter _pragma=%q holds more than one statement", v)
		case name == "" && t.Kind == sqltok.Word:
			name = strings.ToLower(t.Text)
		}
	}
	if name == "" {
		return "", fmt.Errorf("SQLite parameter _pragma=%q names no pragma", v)
	}
	return name, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
