package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
)

// ScratchPrefix starts the name of every scratch database and schema.
const ScratchPrefix = "retort_scratch_"

func scratchName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return ScratchPrefix + hex.EncodeToString(b)
}

// Scratch creates a private database retort_scratch_<random> on the
// scratch server (WithScratchServer) and returns a pool connected to it;
// drop closes the pool and drops the database (WITH (FORCE)), with a
// context of its own so that it also runs after ctx was cancelled by an
// interrupt. The scratch connection's search_path starts with the schema
// the engine manages (WithSchema, or the first schema of the server URL's
// search_path), created when it is not public, so that objects land in a
// schema of the same name as on the target.
//
// When the user may not create databases (SQLSTATE 42501), Scratch falls
// back to a schema retort_scratch_<random> in the server's database, with
// the pool's search_path set to it, and refuses (before sending it) any
// statement executed on the pool that names another schema of that
// database, or that changes schemas, roles or settings: loading a desired
// schema must never touch the user's tables. drop then drops the schema
// with CASCADE.
func (d *Dialect) Scratch(ctx context.Context) (*sql.DB, func() error, error) {
	if d.server == "" {
		return nil, nil, errors.New("postgres: no server for scratch databases: give a PostgreSQL --dev-url (retort.WithDevURL)")
	}
	u, err := url.Parse(d.server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, nil, errors.New("postgres: the scratch server must be a postgres:// URL")
	}
	admin, err := sql.Open(d.driver, d.server)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: open scratch server: %w (is github.com/jackc/pgx/v5/stdlib imported?)", err)
	}
	admin.SetMaxOpenConns(1)
	if err := d.firstContact(ctx, func(ctx context.Context) error { return admin.PingContext(ctx) }); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("postgres: connect to scratch server: %w", err)
	}
	name := scratchName()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+quote(name)); err != nil {
		if SQLState(err) == "42501" { // insufficient_privilege
			d.logger.Warn("postgres: no CREATEDB privilege; loading into a temporary schema instead (SQL that names another schema is refused, so pg_dump output cannot load: give a --dev-url where retort may create databases)", "schema", name)
			return d.scratchSchema(ctx, admin, u, name)
		}
		admin.Close()
		return nil, nil, fmt.Errorf("postgres: create scratch database: %w", err)
	}
	dropDB := func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)")
		if err != nil && SQLState(err) == "42601" { // before PostgreSQL 13: no FORCE
			_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name))
		}
		if err != nil {
			return fmt.Errorf("postgres: drop scratch database %s: %w", name, err)
		}
		return nil
	}
	su := *u
	su.Path = "/" + name
	q := su.Query()
	// Nobody needs a scratch database to survive a crash: commits need not
	// wait for the disk, which makes loading a schema statement by
	// statement several times faster.
	q.Set("synchronous_commit", "off")
	schema := d.scratchSchemaName(u)
	if schema != "" {
		q.Set("search_path", quote(schema)) // quoted: "My App" is one schema
	}
	// pgx reads a + in the query as itself: spaces are written %20.
	su.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	db, err := sql.Open(d.driver, su.String())
	if err == nil {
		err = db.PingContext(ctx)
		if err == nil && schema != "" && schema != "public" {
			_, err = db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quote(schema))
		}
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, nil, errors.Join(fmt.Errorf("postgres: open scratch database: %w", err), dropDB())
	}
	var once sync.Once
	var dropErr error
	return db, func() error {
		once.Do(func() {
			db.Close()
			dropErr = dropDB()
		})
		return dropErr
	}, nil
}

// scratchSchemaName returns the schema scratch databases work in: the one
// set by WithSchema, else the first of the server URL's search_path, else
// "" (the scratch database's default, public).
func (d *Dialect) scratchSchemaName(u *url.URL) string {
	if d.schema != "" {
		return d.schema
	}
	sp := u.Query().Get("search_path")
	if sp == "" {
		return ""
	}
	first := strings.TrimSpace(strings.Split(sp, ",")[0])
	if strings.HasPrefix(first, `"`) {
		return sqltok.Unquote(first)
	}
	if strings.HasPrefix(first, "$") {
		return ""
	}
	return strings.ToLower(first)
}

// scratchSchema is Scratch's fallback: a schema in the server's database,
// behind a guard that refuses statements naming other schemas.
func (d *Dialect) scratchSchema(ctx context.Context, admin *sql.DB, u *url.URL, name string) (*sql.DB, func() error, error) {
	fail := func(err error) (*sql.DB, func() error, error) {
		admin.Close()
		return nil, nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+quote(name)); err != nil {
		return fail(fmt.Errorf("postgres: cannot create a scratch database (no CREATEDB privilege) nor a scratch schema: %w; give a --dev-url where retort may create databases", err))
	}
	dropSchema := func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quote(name)+" CASCADE"); err != nil {
			return fmt.Errorf("postgres: drop scratch schema %s: %w", name, err)
		}
		return nil
	}
	others := map[string]bool{}
	rows, err := admin.QueryContext(ctx, "SELECT nspname FROM pg_namespace WHERE nspname <> $1", name)
	if err == nil {
		for rows.Next() {
			var n string
			if rows.Scan(&n) == nil {
				others[n] = true
			}
		}
		err = rows.Err()
		rows.Close()
	}
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("postgres: list schemas: %w", err), dropSchema())
	}
	for _, ok := range []string{"pg_catalog", "information_schema"} {
		delete(others, ok)
	}
	su := *u
	q := su.Query()
	q.Set("search_path", name)
	su.RawQuery = q.Encode()
	var connector driver.Connector
	if dc, ok := admin.Driver().(driver.DriverContext); ok {
		connector, err = dc.OpenConnector(su.String())
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("postgres: open scratch schema: %w", err), dropSchema())
		}
	} else {
		connector = dsnConnector{drv: admin.Driver(), dsn: su.String()}
	}
	db := sql.OpenDB(&guardConnector{inner: connector, g: guard{schema: name, others: others}})
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, errors.Join(fmt.Errorf("postgres: open scratch schema: %w", err), dropSchema())
	}
	var once sync.Once
	var dropErr error
	return db, func() error {
		once.Do(func() {
			db.Close()
			dropErr = dropSchema()
		})
		return dropErr
	}, nil
}

type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// SchemaRefusedError is a statement that the scratch schema's guard did
// not send to the server.
type SchemaRefusedError struct {
	Stmt   string
	Reason string
}

func (e *SchemaRefusedError) Error() string {
	return "postgres: refused in the scratch schema (there is no CREATEDB privilege, so schemas load into a temporary schema of your database): " +
		e.Reason + "; give a --dev-url where retort may create databases (pg_dump output, which qualifies every name with its schema " +
		"and sets search_path, loads only into a scratch database)"
}

// guard decides which statements may run in a scratch schema.
type guard struct {
	schema string
	others map[string]bool
}

// refusedLeads are statement beginnings that reach outside a schema of
// the user's database, besides what classify refuses everywhere (other
// databases, the server's configuration and files): other schemas, and
// statements on roles and settings, which a scratch database's screen
// merely skips or allows.
var refusedLeads = [][]string{
	{"CREATE", "SCHEMA"}, {"ALTER", "SCHEMA"}, {"DROP", "SCHEMA"},
	{"CREATE", "ROLE"}, {"ALTER", "ROLE"}, {"DROP", "ROLE"},
	{"CREATE", "USER"}, {"ALTER", "USER"}, {"DROP", "USER"},
	{"SET"}, {"RESET"}, {"GRANT"}, {"REVOKE"},
	{"REASSIGN"}, {"DROP", "OWNED"}, {"ALTER", "DEFAULT", "PRIVILEGES"},
}

// check returns an error if stmt names another schema or reaches outside
// the scratch schema. String and dollar-quoted bodies (functions, DO
// blocks, EXECUTE) are checked too.
func (g guard) check(stmt string) error {
	if v := classify(stmt); v.Action == dialect.Refuse {
		return &SchemaRefusedError{Stmt: stmt, Reason: v.Kind}
	}
	toks := sqltok.Significant(sqltok.Tokenize(stmt, sqltok.Options{DollarQuotes: true}))
	if timeoutSetting(toks) {
		return nil
	}
	for _, lead := range refusedLeads {
		if len(toks) < len(lead) {
			continue
		}
		match := true
		for i, w := range lead {
			if !toks[i].Is(w) {
				match = false
				break
			}
		}
		if match {
			return &SchemaRefusedError{Stmt: stmt, Reason: strings.Join(lead, " ") + " statements"}
		}
	}
	return g.checkTokens(stmt, toks, 0)
}

func (g guard) checkTokens(stmt string, toks []sqltok.Token, depth int) error {
	for i, t := range toks {
		switch t.Kind {
		case sqltok.Word, sqltok.QuotedIdent:
			name, _ := t.Ident()
			if t.Kind == sqltok.Word {
				name = strings.ToLower(name)
				if name == "set_config" {
					return &SchemaRefusedError{Stmt: stmt, Reason: "set_config()"}
				}
			}
			if i+2 < len(toks) && toks[i+1].Kind == sqltok.Punct && toks[i+1].Text == "." && g.others[name] {
				return &SchemaRefusedError{Stmt: stmt, Reason: fmt.Sprintf("it names schema %s", quote(name))}
			}
		case sqltok.String:
			if depth > 3 {
				continue
			}
			body := stringBody(t.Text)
			inner := sqltok.Significant(sqltok.Tokenize(body, sqltok.Options{DollarQuotes: true}))
			if err := g.checkTokens(stmt, inner, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// timeoutSetting reports whether toks is SET [LOCAL|SESSION] of a timeout,
// as the migration envelope runs, or of check_function_bodies, as a plan
// that creates routines runs.
func timeoutSetting(toks []sqltok.Token) bool {
	if len(toks) < 2 || !toks[0].Is("SET") {
		return false
	}
	i := 1
	if toks[i].Is("LOCAL") || toks[i].Is("SESSION") {
		i++
	}
	if i >= len(toks) {
		return false
	}
	switch strings.ToLower(toks[i].Text) {
	case "lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout":
		return true
	case "check_function_bodies": // the plans and SQL() of routines set it
		return true
	}
	return false
}

// stringBody returns the contents of a string token: 'x', E'x' or $tag$x$tag$.
func stringBody(s string) string {
	if strings.HasPrefix(s, "$") {
		if i := strings.Index(s[1:], "$"); i >= 0 {
			tag := s[:i+2]
			return strings.TrimSuffix(strings.TrimPrefix(s, tag), tag)
		}
		return s
	}
	if i := strings.IndexByte(s, '\''); i >= 0 && len(s) >= i+2 {
		return strings.ReplaceAll(s[i+1:len(s)-1], "''", "'")
	}
	return s
}

// guardConnector hands out connections whose statements pass the guard.
type guardConnector struct {
	inner driver.Connector
	g     guard
}

func (c *guardConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &guardConn{Conn: conn, g: c.g}, nil
}

func (c *guardConnector) Driver() driver.Driver { return c.inner.Driver() }

// guardConn checks every statement executed on it (queries are the
// engine's own catalog reads and pass unchecked) and forwards the
// driver's optional interfaces.
type guardConn struct {
	driver.Conn
	g guard
}

func (c *guardConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.g.check(query); err != nil {
		return nil, err
	}
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *guardConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *guardConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.g.check(query); err != nil {
		return nil, err
	}
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //lint:ignore SA1019 fallback for drivers without BeginTx
}

func (c *guardConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *guardConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *guardConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *guardConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
