package retort_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
)

// TestLongStatementErrors checks that an error about a 10 MB statement
// quotes a few hundred bytes of it, with an ellipsis and its length, and
// still names the exact file and line: when a schema file fails to load,
// when a migration statement fails, and when a plan step fails.
func TestLongStatementErrors(t *testing.T) {
	const size = 10 << 20
	big := strings.Repeat("x", size)
	check := func(t *testing.T, err error, where string, wantLength bool) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		if len(msg) > 2000 {
			t.Fatalf("error of %d bytes: %.300s …", len(msg), msg)
		}
		if !strings.Contains(msg, where) {
			t.Errorf("error does not name %s: %s", where, msg)
		}
		if wantLength && !regexp.MustCompile(`… \(\d{8} bytes\)`).MatchString(msg) {
			t.Errorf("error does not give the statement's length after an ellipsis: %s", msg)
		}
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			u := e.url(t)
			db, err := retort.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			t.Run("load", func(t *testing.T) {
				// SQLite's message repeats the whole unknown name.
				_, err := db.LoadSQL(ctx, "schema.sql", "CREATE TABLE t (a INT);\n\nSELECT "+big+";\n")
				check(t, err, "schema.sql:3:", false)
			})
			t.Run("migration", func(t *testing.T) {
				fsys := fstest.MapFS{"20260101000001_big.sql": &fstest.MapFile{Data: []byte(
					migrationFile("20260101000001", "base", "big", "CREATE TABLE t (a INT);\nINSERT INTO nosuch VALUES ('"+big+"');", ""))}}
				m := openMigrator(t, u, fsys)
				_, err := m.Upgrade(ctx, "head")
				check(t, err, "20260101000001_big.sql:7:", true)
			})
			t.Run("plan step", func(t *testing.T) {
				conn, err := db.DB().Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				plan := &dialect.Plan{Steps: []dialect.Step{{SQL: fmt.Sprintf("INSERT INTO nosuch VALUES ('%s')", big)}}}
				err = dialect.Apply(ctx, db.Dialect(), conn, plan)
				check(t, err, "statement 1 failed", true)
			})
		})
	}
}
