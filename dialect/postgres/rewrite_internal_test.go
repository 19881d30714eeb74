package postgres

import "testing"

func TestTypeChangeRewrites(t *testing.T) {
	tests := []struct {
		from, to string
		rewrites bool
	}{
		{"character varying(10)", "character varying(40)", false},
		{"character varying(40)", "character varying(10)", true},
		{"character varying(10)", "character varying", false},
		{"character varying(10)", "text", false},
		{"text", "character varying", false},
		{"text", "character varying(10)", true},
		{"numeric(6,2)", "numeric(10,2)", false},
		{"numeric(6,2)", "numeric(10,3)", true},
		{"numeric(6,2)", "numeric", false},
		{"numeric", "numeric(10,2)", true},
		{"timestamp(3) without time zone", "timestamp(6) without time zone", false},
		{"timestamp(3) with time zone", "timestamp without time zone", true},
		{"cidr", "inet", false},
		{"integer", "bigint", true},
		{"integer", "text", true},
		{"bit varying(4)", "bit varying(8)", false},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			if got := TypeChangeRewrites(tt.from, tt.to); got != tt.rewrites {
				t.Errorf("TypeChangeRewrites(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.rewrites)
			}
		})
	}
}
