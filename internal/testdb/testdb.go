// Package testdb gives tests a private database on the PostgreSQL and MySQL
// servers named by RETORT_TEST_POSTGRES_URL and RETORT_TEST_MYSQL_URL. A
// test without the variable is skipped with a message saying how to enable
// it; with it, an unreachable server fails the test loudly. Each call
// creates a new database and drops it when the test ends, so tests can run
// in parallel and repeatedly.
//
// The package imports no driver: tests import github.com/jackc/pgx/v5/stdlib
// (driver "pgx") and github.com/go-sql-driver/mysql (driver "mysql").
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/retortdb/retort"
)

// Env names of the server URLs.
const (
	PostgresEnv = "RETORT_TEST_POSTGRES_URL"
	MySQLEnv    = "RETORT_TEST_MYSQL_URL"
)

// TB is the part of testing.TB that testdb uses, so that testscript's
// environment can provide it too.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

// dropTimeout bounds the drop of a test's database. Dropping a database of
// a thousand tables on a loaded 2-core machine takes tens of seconds, and
// a drop that does not finish fails the test.
const dropTimeout = 3 * time.Minute

// Name returns a fresh database name: prefix_ and 12 hex digits.
func Name(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// Postgres creates a database on the test PostgreSQL server and returns its
// URL (postgres://…/retort_test_…); it is dropped when the test ends.
func Postgres(t TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests need a server: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	name := Name("retort_test")
	admin := open(t, "pgx", base)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("testdb: create database on %s: %v", retort.Redact(base), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// MySQL creates a database on the test MySQL/MariaDB server and returns its
// URL (mysql://…/retort_test_…); it is dropped when the test ends.
func MySQL(t TB) string {
	t.Helper()
	base := os.Getenv(MySQLEnv)
	if base == "" {
		t.Skipf("MySQL tests need a server: set %s (e.g. mysql://root@127.0.0.1:3306/test)", MySQLEnv)
	}
	target, err := retort.ParseURL(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLEnv, err)
	}
	name := Name("retort_test")
	admin := open(t, "mysql", target.DSN)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("testdb: create database on %s: %v", retort.Redact(base), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func open(t TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("testdb: open %s: %v (does the test import the %s driver?)", driver, err, driver)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("testdb: the %s server does not answer (%s): %v", driver, redactDSN(dsn), err)
	}
	return db
}

func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn[:i], ":"); j >= 0 && !strings.Contains(dsn[:i], "://") {
			return dsn[:j] + ":xxxxx" + dsn[i:]
		}
	}
	return retort.Redact(dsn)
}
