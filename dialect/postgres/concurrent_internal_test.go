package postgres

import "testing"

// TestCreateConcurrentlyTarget checks which index name and table
// PrepareNoTx looks up for a statement, and that it leaves other statements
// alone.
func TestCreateConcurrentlyTarget(t *testing.T) {
	tests := []struct {
		stmt        string
		name, table string // "" when the statement is not a CREATE INDEX CONCURRENTLY
	}{
		{`CREATE UNIQUE INDEX CONCURRENTLY "items_code_idx" ON "items" ("code")`, "items_code_idx", `"items"`},
		{"-- a note\n-- retort: destructive\ncreate index concurrently Ix ON s.t (a)", "ix", "s.t"},
		{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "a""b" ON ONLY "s" . "T" (x)`, `a"b`, `"s" . "T"`},
		{`CREATE INDEX "i" ON "t" (x)`, "", ""},
		{`DROP INDEX CONCURRENTLY IF EXISTS "i"`, "", ""},
		{`CREATE INDEX CONCURRENTLY ON "t" (x)`, "", ""}, // no name: PostgreSQL picks a fresh one
	}
	for _, tt := range tests {
		m := createConcurrently.FindStringSubmatch(stripComments(tt.stmt))
		var name, table string
		if m != nil {
			name, table = unquoteIdent(m[1]), m[2]
		}
		if name != tt.name || table != tt.table {
			t.Errorf("%q: got name %q table %q, want %q %q", tt.stmt, name, table, tt.name, tt.table)
		}
	}
}
