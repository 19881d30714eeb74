package postgres

import (
	"testing"

	"github.com/retortdb/retort/schema"
)

func TestNarrows(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"character varying(200)", "character varying(10)", true},
		{"character varying(10)", "character varying(200)", false},
		{"character varying(10)", "text", false},
		{"character varying(10)", "character varying", false},
		{"text", "character varying(10)", true},
		{"text", "character varying", false},
		{"character(10)", "character(5)", true},
		{"character(5)", "character(10)", false},
		{"character(5)", "character varying(5)", false},
		{"character varying(5)", "character(5)", true},
		{"character", "character varying(1)", false},
		{"text", "integer", true},
		{"integer", "text", false},
		{"jsonb", "text", false},
		{"json", "jsonb", true},
		{"smallint", "integer", false},
		{"integer", "bigint", false},
		{"bigint", "integer", true},
		{"integer", "smallint", true},
		{"serial", "bigint", false},
		{"bigint", "serial", true},
		{"integer", "numeric", false},
		{"integer", "numeric(10,0)", false},
		{"integer", "numeric(12,3)", true},
		{"bigint", "numeric(19,0)", false},
		{"integer", "real", true},
		{"smallint", "real", false},
		{"integer", "double precision", false},
		{"bigint", "double precision", true},
		{"numeric(10,2)", "numeric(4,1)", true},
		{"numeric(4,1)", "numeric(10,2)", false},
		{"numeric(10,2)", "numeric(10,3)", true},
		{"numeric(10,2)", "numeric(11,3)", false},
		{"numeric(10,2)", "numeric", false},
		{"numeric", "numeric(10,2)", true},
		{"numeric(10,2)", "integer", true},
		{"numeric(10,2)", "double precision", true},
		{"double precision", "real", true},
		{"real", "double precision", false},
		{"timestamp(6) without time zone", "timestamp(0) without time zone", true},
		{"timestamp without time zone", "timestamp(3) without time zone", true},
		{"timestamp(3) without time zone", "timestamp without time zone", false},
		{"timestamp without time zone", "timestamp with time zone", true},
		{"timestamp with time zone", "timestamp without time zone", true},
		{"timestamp with time zone", "date", true},
		{"date", "timestamp without time zone", false},
		{"time(2) without time zone", "time(1) without time zone", true},
		{"integer[]", "bigint[]", false},
		{"bigint[]", "integer[]", true},
		{"integer[]", "text", false},
		{"integer", "integer[]", true},
		{"bit(4)", "bit varying(4)", false},
		{"bit varying(8)", "bit varying(4)", true},
		{"uuid", "text", false},
		{"text", "uuid", true},
		{"boolean", "integer", true},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			if got := narrows(&schema.Column{Name: "c", Type: tt.from}, &schema.Column{Name: "c", Type: tt.to}); got != tt.want {
				t.Errorf("narrows = %t, want %t", got, tt.want)
			}
		})
	}
}
