package postgres_test

import (
	"context"
	"database/sql"
	"flag"
	"path/filepath"
	"testing"

	"github.com/retortdb/retort/dialect/dialecttest"
	"github.com/retortdb/retort/dialect/postgres"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// planCase is a golden schema-pair case: see dialecttest.Case.
type planCase = dialecttest.Case

func readPlanCases(t *testing.T) []*planCase {
	return dialecttest.Cases(t, filepath.Join("testdata", "plan"))
}

// TestConverge runs the conformance harness (dialecttest.Converge) over
// every case on the server: rows kept, the printed plan replayed, the
// reverse plan applied, and the stored schemas and plans checked against
// the live engine.
func TestConverge(t *testing.T) {
	url := testdb.Postgres(t) // skips without RETORT_TEST_POSTGRES_URL
	dialecttest.Converge(t, postgres.New(postgres.WithScratchServer(url)), open,
		dialecttest.Update(*update), dialecttest.Health(health), dialecttest.Offline(postgres.New()),
		dialecttest.Printed(printed))
}

// TestPlanOffline plans every case from its stored schemas, without a
// server (dialecttest.Plans).
func TestPlanOffline(t *testing.T) {
	dialecttest.Plans(t, postgres.New(), dialecttest.Update(*update))
}

// open is the harness's Opener: a new database on the test server.
func open(t testing.TB) *sql.DB {
	db, err := sql.Open("pgx", testdb.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// health is PostgreSQL's part of the harness's health check: no index
// left INVALID (a failed CREATE INDEX CONCURRENTLY) and no constraint left
// NOT VALID that the schema does not declare so (the inspection compares
// those).
func health(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT 'index ' || i.indexrelid::regclass::text || ' is INVALID'
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// printed makes the script SQL() prints for a desired schema with foreign
// keys to other schemas loadable: it holds the current schema only, so the
// others come from the case's to.sql, whose current schema is emptied.
func printed(c *dialecttest.Case, s *schema.Schema, script string) string {
	if !otherSchemas(s) {
		return script
	}
	return c.To + ";\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n" + script
}

// otherSchemas reports whether s has a foreign key to another schema.
func otherSchemas(s *schema.Schema) bool {
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefSchema != "" {
				return true
			}
		}
	}
	return false
}
