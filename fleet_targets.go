package retort

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/dialect/postgres"
)

// TargetsError is a fleet's list of databases that cannot be used: a line
// of a targets file (File and Line set), a glob or a pattern. It never
// contains a password.
type TargetsError struct {
	File string // "" when the targets did not come from a file
	Line int
	Msg  string
}

func (e *TargetsError) Error() string {
	if e.File == "" {
		return "targets: " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ReadTargets reads a targets file: one database URL per line (the forms
// ParseURL accepts; a SQLite URL may be a glob, see GlobTargets). Blank
// lines and lines whose first non-blank character is '#' are skipped. A URL
// that does not parse, a glob that matches nothing, a database named twice
// and a file that names no database are errors (*TargetsError) naming name
// and the line. Relative SQLite paths are read against dir.
func ReadTargets(name string, r io.Reader, dir string) ([]*Target, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	seen := map[string]int{} // DSN → line
	var out []*Target
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		ts, err := expandLine(text, dir)
		if err != nil {
			return nil, &TargetsError{File: name, Line: line, Msg: err.Error()}
		}
		for _, t := range ts {
			if first, dup := seen[t.DSN]; dup {
				return nil, &TargetsError{File: name, Line: line, Msg: fmt.Sprintf("%s is named twice (first on line %d)", t.Redacted, first)}
			}
			seen[t.DSN] = line
			out = append(out, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, &TargetsError{File: name, Line: 1, Msg: "names no database (one URL per line; # starts a comment)"}
	}
	return out, nil
}

// expandLine parses one URL of a targets list, expanding a SQLite glob.
func expandLine(text, dir string) ([]*Target, error) {
	if isSQLiteGlob(text) {
		return GlobTargets(text, dir)
	}
	t, err := ParseURL(text)
	if err != nil {
		var ue *URLError
		if errors.As(err, &ue) {
			return nil, errors.New(ue.Error())
		}
		return nil, err
	}
	if t.Dialect == "sqlite" && t.Path == "" {
		return nil, fmt.Errorf("%s: an in-memory database cannot be a fleet target", t.Redacted)
	}
	return []*Target{absSQLite(t, dir)}, nil
}

// isSQLiteGlob reports whether raw is a SQLite URL whose path holds a glob
// metacharacter (*, ? before the parameters, or [).
func isSQLiteGlob(raw string) bool {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
	default:
		return false
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(rest, "//"), "?")
	return strings.ContainsAny(path, "*[")
}

// GlobTargets returns one SQLite target per file matching the glob of the
// SQLite URL pattern (e.g. "sqlite:tenants/*.db"; path.Match syntax, the
// URL's parameters kept for each), sorted by path. A relative pattern is
// read against dir ("" for the working directory). A pattern that matches
// no file is an error.
func GlobTargets(pattern, dir string) ([]*Target, error) {
	scheme, rest, _ := strings.Cut(pattern, ":")
	if s := strings.ToLower(scheme); s != "sqlite" && s != "sqlite3" && s != "file" {
		return nil, fmt.Errorf("glob %q: only a SQLite URL (sqlite:dir/*.db) is a glob", pattern)
	}
	glob, query, _ := strings.Cut(strings.TrimPrefix(rest, "//"), "?")
	if glob == "" {
		return nil, fmt.Errorf("glob %q: no path", pattern)
	}
	rel := ""
	if !filepath.IsAbs(glob) && dir != "" {
		rel, glob = dir, filepath.Join(dir, glob)
	}
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("glob %q matches no file", pattern)
	}
	slices.Sort(files)
	out := make([]*Target, 0, len(files))
	for _, f := range files {
		u := "sqlite:" + f
		if query != "" {
			u += "?" + query
		}
		t, err := ParseURL(u)
		if err != nil {
			return nil, err
		}
		if r, err := filepath.Rel(rel, f); rel != "" && err == nil {
			// Named as the pattern was written: relative.
			t.Redacted = "sqlite:" + r
			if query != "" {
				t.Redacted += "?" + query
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// absSQLite returns t with a relative SQLite path read against dir.
func absSQLite(t *Target, dir string) *Target {
	if t.Dialect != "sqlite" || t.Path == "" || filepath.IsAbs(t.Path) || dir == "" {
		return t
	}
	u := "sqlite:" + filepath.Join(dir, t.Path)
	if t.Query != "" {
		u += "?" + t.Query
	}
	abs, err := ParseURL(u)
	if err != nil {
		return t
	}
	abs.Redacted = t.Redacted
	return abs
}

// SchemaTargets returns one target per schema of the PostgreSQL database
// at rawURL whose name matches the SQL LIKE pattern (e.g. "tenant_%"),
// sorted by name: each is the same database with that schema alone on its
// search_path, so that it is the schema managed and holds its own version
// table. System and scratch schemas are never matched. No match is an
// error.
func SchemaTargets(ctx context.Context, rawURL, pattern string, opts ...Option) ([]*Target, error) {
	return patternTargets(ctx, rawURL, pattern, opts, patternKind{
		dialect: "postgres", name: "schema", match: postgres.MatchSchemas, target: schemaTarget,
		refuse: "a schema pattern needs a PostgreSQL database, not %s (MySQL: match databases with a database pattern)",
	})
}

// DatabaseTargets returns one target per database of the MySQL/MariaDB
// server at rawURL whose name matches the SQL LIKE pattern (e.g.
// "tenant\_%"), sorted by name. System and scratch databases are never
// matched. No match is an error.
func DatabaseTargets(ctx context.Context, rawURL, pattern string, opts ...Option) ([]*Target, error) {
	return patternTargets(ctx, rawURL, pattern, opts, patternKind{
		dialect: "mysql", name: "database", match: mysql.MatchDatabases, target: databaseTarget,
		refuse: "a database pattern needs a MySQL/MariaDB server, not %s (PostgreSQL: match schemas with a schema pattern)",
	})
}

// patternKind is what SchemaTargets and DatabaseTargets differ in.
type patternKind struct {
	dialect, name, refuse string
	match                 func(context.Context, dialect.Querier, string) ([]string, error)
	target                func(base *Target, name string) (*Target, error)
}

// patternTargets connects to rawURL and returns a target for each name k
// matches for pattern, refusing another engine, an empty pattern and no
// match.
func patternTargets(ctx context.Context, rawURL, pattern string, opts []Option, k patternKind) ([]*Target, error) {
	base, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if base.Dialect != k.dialect {
		return nil, &TargetsError{Msg: fmt.Sprintf(k.refuse, base.Redacted)}
	}
	if strings.TrimSpace(pattern) == "" {
		return nil, &TargetsError{Msg: "empty " + k.name + " pattern"}
	}
	cfg, err := newConfig("WithDatabaseOptions", opts)
	if err != nil {
		return nil, err
	}
	db, err := openTarget(ctx, base, rawURL, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	names, err := k.match(ctx, db.DB(), pattern)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, &TargetsError{Msg: fmt.Sprintf("no %s of %s matches %q", k.name, base.Redacted, pattern)}
	}
	out := make([]*Target, 0, len(names))
	for _, n := range names {
		t, err := k.target(base, n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// schemaTarget returns base (a PostgreSQL target) working in schema name.
func schemaTarget(base *Target, name string) (*Target, error) {
	u, err := url.Parse(base.DSN)
	if err != nil {
		return nil, &URLError{URL: base.Redacted, Msg: "malformed postgres url"}
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	t := *base
	t.DSN = firstSchemaPath(u.String(), name)
	if r, err := url.Parse(base.Redacted); err == nil {
		rq := r.Query()
		rq.Del("search_path")
		rq.Set("schema", name)
		r.RawQuery = rq.Encode()
		t.Redacted = r.String()
	}
	return &t, nil
}

// databaseTarget returns base (a MySQL target) on database name: its
// driver DSN user:pass@tcp(host)/db?params with db replaced.
func databaseTarget(base *Target, name string) (*Target, error) {
	slash := strings.Index(base.DSN, ")/")
	r, err := url.Parse(base.Redacted)
	if slash < 0 || err != nil {
		return nil, &URLError{URL: base.Redacted, Msg: "malformed mysql url"}
	}
	t := *base
	rest := base.DSN[slash+2:]
	params := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		params = rest[i:]
	}
	t.DSN = base.DSN[:slash+2] + name + params
	r.Path, r.RawPath = "/"+name, ""
	t.Redacted = r.String()
	return &t, nil
}
