package mysql_test

import (
	"context"
	"database/sql"
	"flag"
	"path/filepath"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// offlineServer is the server the stored schemas and want.sql come from
// (the test server, as Inspect detects it); the planner built without a
// connection plans for it. TestConverge fails when the live server plans
// otherwise: update it from the server then.
var offlineServer = mysql.Server{
	MariaDB: true, Major: 10, Minor: 11, Patch: 19, Version: "10.11.19-MariaDB-0+deb12u1",
	DBCollation: "utf8mb4_general_ci",
	SQLMode:     "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
}

// TestConverge runs the conformance harness (dialecttest.Converge) over
// every case on the server: rows kept, the printed plan replayed, the
// reverse plan applied, and the stored schemas and plans checked against
// the live engine.
func TestConverge(t *testing.T) {
	dsn := dsnOf(t, testdb.MySQL(t)) // skips without RETORT_TEST_MYSQL_URL
	dialecttest.Converge(t, mysql.New(mysql.WithScratchServer(dsn)), open,
		dialecttest.Update(*update), dialecttest.Health(health),
		dialecttest.Offline(mysql.New(mysql.WithServer(offlineServer))))
}

// TestPlanOffline plans every case from its stored schemas, without a
// server (dialecttest.Plans).
func TestPlanOffline(t *testing.T) {
	dialecttest.Plans(t, mysql.New(mysql.WithServer(offlineServer)), dialecttest.Update(*update))
}

func dsnOf(t testing.TB, url string) string {
	t.Helper()
	target, err := retort.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return target.DSN
}

// open is the harness's Opener: a new database on the test server.
func open(t testing.TB) *sql.DB {
	db, err := sql.Open("mysql", dsnOf(t, testdb.MySQL(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// health is MySQL's part of the harness's health check: the migration
// left foreign_key_checks on for the session it ran on.
func health(ctx context.Context, conn *sql.Conn) ([]string, error) {
	var on int
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.foreign_key_checks").Scan(&on); err != nil {
		return nil, err
	}
	if on != 1 {
		return []string{"foreign_key_checks is off after the migration"}, nil
	}
	return nil, nil
}
