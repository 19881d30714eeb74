package retort

import (
	"strings"
	"testing"
)

func TestWithSchemas(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		schemas []string
		wantErr string
	}{
		{name: "postgres takes several", url: "postgres://u@localhost/db", schemas: []string{"app", "audit"}},
		{name: "sqlite refuses", url: "sqlite::memory:", schemas: []string{"app", "audit"}, wantErr: "only PostgreSQL manages several schemas; a sqlite database"},
		{name: "mysql refuses", url: "mysql://root@localhost:3306/db", schemas: []string{"app"}, wantErr: "only PostgreSQL manages several schemas; a mysql database"},
		{name: "empty name", url: "postgres://u@localhost/db", schemas: []string{"app", ""}, wantErr: "empty schema name"},
		{name: "named twice", url: "postgres://u@localhost/db", schemas: []string{"app", "app"}, wantErr: `schema "app" named twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DialectFor(tt.url, WithSchemas(tt.schemas...))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("DialectFor: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("DialectFor: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestFirstSchemaPath(t *testing.T) {
	tests := []struct{ name, first, dsn, want string }{
		{name: "set when missing", dsn: "postgres://u@h/db?sslmode=disable", want: "search_path=%22app%22"},
		{name: "kept when given", dsn: "postgres://u@h/db?search_path=elsewhere", want: "search_path=elsewhere"},
		// pgx takes a + in the query literally: a space must be %20.
		{name: "space", first: "My App", dsn: "postgres://u@h/db", want: "search_path=%22My%20App%22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := tt.first
			if first == "" {
				first = "app"
			}
			if got := firstSchemaPath(tt.dsn, first); !strings.Contains(got, tt.want) {
				t.Errorf("firstSchemaPath(%s) = %s, want %s in it", tt.dsn, got, tt.want)
			}
		})
	}
}
