package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ScratchPrefix starts the name of every scratch database.
const ScratchPrefix = "retort_scratch_"

func scratchName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return ScratchPrefix + hex.EncodeToString(b)
}

// dsnParts splits a go-sql-driver DSN, [user[:pass]@][net(addr)]/db[?params],
// at its database name, the way the driver does (the last "/").
func dsnParts(dsn string) (prefix, db, params string, err error) {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return "", "", "", errors.New("mysql: the scratch server must be a DSN such as user:pass@tcp(host:3306)/db")
	}
	prefix, rest := dsn[:slash], dsn[slash+1:]
	db, params, _ = strings.Cut(rest, "?")
	return prefix, db, params, nil
}

// withDatabase returns dsn pointing at database db, with extra parameters
// (a go-sql-driver DSN sets unknown parameters as session variables).
func withDatabase(dsn, db string, extra url.Values) (string, error) {
	prefix, _, params, err := dsnParts(dsn)
	if err != nil {
		return "", err
	}
	q, err := url.ParseQuery(params)
	if err != nil {
		return "", fmt.Errorf("mysql: scratch server DSN parameters: %w", err)
	}
	for k, v := range extra {
		q[k] = v
	}
	out := prefix + "/" + db
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out, nil
}

// Scratch creates a private database retort_scratch_<random> on the
// scratch server (WithScratchServer), with the default character set and
// collation of the server DSN's database so that columns compare equal, and
// returns a pool connected to it. drop closes the pool and drops the
// database, with a context of its own so that it also runs after ctx was
// cancelled by an interrupt; callers must call it on every path.
//
// A user without the CREATE privilege gets an error that says so and
// names --dev-url: MySQL has no per-session schemas to fall back to, and
// the user's own database is never used.
func (d *Dialect) Scratch(ctx context.Context) (*sql.DB, func() error, error) {
	return d.scratch(ctx, nil)
}

func (d *Dialect) scratch(ctx context.Context, extra url.Values) (*sql.DB, func() error, error) {
	if d.server == "" {
		return nil, nil, errors.New("mysql: no server for scratch databases: give a MySQL --dev-url (retort.WithDevURL)")
	}
	admin, err := sql.Open(d.driver, d.server)
	if err != nil {
		return nil, nil, fmt.Errorf("mysql: open scratch server: %w (is github.com/go-sql-driver/mysql imported?)", err)
	}
	admin.SetMaxOpenConns(1)
	var charset, collation string
	if err := d.firstContact(ctx, func(ctx context.Context) error {
		return admin.QueryRowContext(ctx, "SELECT @@character_set_database, @@collation_database").Scan(&charset, &collation)
	}); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("mysql: connect to scratch server: %w", err)
	}
	name := scratchName()
	create := fmt.Sprintf("CREATE DATABASE %s CHARACTER SET %s COLLATE %s", quote(name), charset, collation)
	if _, err := admin.ExecContext(ctx, create); err != nil {
		admin.Close()
		if n := ErrorNumber(err); n == 1044 || n == 1045 || n == 1142 || n == 1227 {
			return nil, nil, fmt.Errorf("mysql: cannot create a scratch database (%w): retort loads desired schemas into a temporary database "+
				"retort_scratch_…, which needs the CREATE and DROP privileges; grant them on `retort\\_scratch\\_%%`.* "+
				"or point --dev-url (retort.WithDevURL) at a server where you have them", err)
		}
		return nil, nil, fmt.Errorf("mysql: create scratch database: %w", err)
	}
	dropDB := func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name)); err != nil {
			return fmt.Errorf("mysql: drop scratch database %s: %w", name, err)
		}
		return nil
	}
	dsn, err := withDatabase(d.server, name, extra)
	if err != nil {
		return nil, nil, errors.Join(err, dropDB())
	}
	db, err := sql.Open(d.driver, dsn)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, nil, errors.Join(fmt.Errorf("mysql: open scratch database: %w", err), dropDB())
	}
	var once sync.Once
	var dropErr error
	drop := func() error {
		once.Do(func() { dropErr = errors.Join(db.Close(), dropDB()) })
		return dropErr
	}
	return db, drop, nil
}
