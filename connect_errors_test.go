package retort_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/testdb"
)

// TestConnectErrorKeepsDriverError: a connection refused by the server
// (unknown role, wrong password) is a *retort.ConnectError whose text has
// no password, with the driver's own error in the chain for errors.As.
func TestConnectErrorKeepsDriverError(t *testing.T) {
	const password = "s3cr3t-h14api"
	tests := []struct {
		name   string
		env    string
		user   string
		native func(error) bool
	}{
		{"postgres", testdb.PostgresEnv, "no_such_role_h14api",
			func(err error) bool { var e *pgconn.PgError; return errors.As(err, &e) && e.Code == "28000" }},
		{"mysql", testdb.MySQLEnv, "root",
			func(err error) bool { var e *mysql.MySQLError; return errors.As(err, &e) && e.Number == 1045 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := os.Getenv(tt.env)
			if base == "" {
				t.Skipf("set %s", tt.env)
			}
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(tt.user, password)
			db, err := retort.Open(context.Background(), u.String())
			if err == nil {
				db.Close()
				t.Fatal("Open with a wrong user or password succeeded")
			}
			var ce *retort.ConnectError
			if !errors.As(err, &ce) {
				t.Errorf("got %T %v, want a *retort.ConnectError", err, err)
			}
			if !tt.native(err) {
				t.Errorf("the driver's error is not in the chain: %v", err)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
