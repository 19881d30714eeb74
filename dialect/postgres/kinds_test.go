package postgres_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSQLLoadsWithPsql: what inspect --format sql writes (Dialect.SQL)
// for the desired schema of every plan case loads with psql (its own
// statement splitting, DO blocks and dollar quotes included) into an
// empty database, and that database inspects equal to the schema.
func TestSQLLoadsWithPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed")
	}
	for _, c := range readPlanCases(t) {
		if c.To == "" || !strings.HasPrefix(c.Name, "pg_") && c.Name != "create_everything" && c.Name != "comments" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			db, url, d := newDB(t)
			want := loadSchema(t, d, "to.sql", c.To)
			file := filepath.Join(t.TempDir(), "schema.sql")
			if err := os.WriteFile(file, []byte(d.SQL(want)), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file, url).CombinedOutput()
			if err != nil {
				t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, d.SQL(want))
			}
			if diff := cmp.Diff(want, inspect(t, d, db)); diff != "" {
				t.Errorf("loaded with psql, the script gives another schema (-want +got):\n%s", diff)
			}
		})
	}
}
