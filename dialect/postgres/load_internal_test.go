package postgres

import "testing"

func TestCreateManagedIfNotExists(t *testing.T) {
	for _, tt := range []struct {
		name, stmt, want string
	}{
		{"the managed schema", "CREATE SCHEMA app", "CREATE SCHEMA IF NOT EXISTS app"},
		{"with an owner", "CREATE SCHEMA app AUTHORIZATION bob", "CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION bob"},
		{"quoted", `create schema "app"`, `create schema IF NOT EXISTS "app"`},
		{"quoted in another case is another schema", `CREATE SCHEMA "App"`, `CREATE SCHEMA "App"`},
		{"another schema", "CREATE SCHEMA audit", "CREATE SCHEMA audit"},
		{"already IF NOT EXISTS", "CREATE SCHEMA IF NOT EXISTS app", "CREATE SCHEMA IF NOT EXISTS app"},
		{"with schema elements", "CREATE SCHEMA app CREATE TABLE t (id int)", "CREATE SCHEMA app CREATE TABLE t (id int)"},
		{"not a schema", "CREATE TABLE app (id int)", "CREATE TABLE app (id int)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := createManagedIfNotExists(tt.stmt, "app"); got != tt.want {
				t.Errorf("createManagedIfNotExists(%q) = %q, want %q", tt.stmt, got, tt.want)
			}
		})
	}
}
