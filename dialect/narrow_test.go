package dialect_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in   string
		want dialect.TypeName
	}{
		{"integer", dialect.TypeName{Base: "integer"}},
		{"Double  Precision", dialect.TypeName{Base: "double precision"}},
		{"numeric(10,2)", dialect.TypeName{Base: "numeric", Args: []string{"10", "2"}}},
		{"NUMERIC( 10 , 2 )", dialect.TypeName{Base: "numeric", Args: []string{"10", "2"}}},
		{"timestamp(3) without time zone", dialect.TypeName{Base: "timestamp", Args: []string{"3"}, Rest: "without time zone"}},
		{"character varying(200)", dialect.TypeName{Base: "character varying", Args: []string{"200"}}},
		{"int(11) unsigned zerofill", dialect.TypeName{Base: "int", Args: []string{"11"}, Rest: "unsigned zerofill"}},
		{"enum('a','B,c','it''s')", dialect.TypeName{Base: "enum", Args: []string{"'a'", "'B,c'", "'it''s'"}}},
		{"set('x)','y')", dialect.TypeName{Base: "set", Args: []string{"'x)'", "'y'"}}},
		{"varchar(10", dialect.TypeName{Base: "varchar(10"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := dialect.ParseType(tt.in); !cmp.Equal(got, tt.want) {
				t.Errorf("ParseType(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	if n := dialect.ParseType("numeric(10,2)").Arg(1, -1); n != 2 {
		t.Errorf("Arg(1) = %d, want 2", n)
	}
	if n := dialect.ParseType("numeric").Arg(0, -1); n != -1 {
		t.Errorf("Arg(0) of numeric = %d, want the default -1", n)
	}
}

// narrowsInts is a Dialect whose only narrowing is INT → SMALLINT.
type narrowsInts struct{ envelopeOnly }

func (narrowsInts) Narrows(_ *diff.ModifyTable, c *diff.ModifyColumn) bool {
	return c.From.Type == "INT" && c.To.Type == "SMALLINT"
}

func TestDestructiveListsNarrowedColumns(t *testing.T) {
	col := func(name, typ string) *schema.Column { return &schema.Column{Name: name, Type: typ} }
	from := &schema.Table{Name: "t", Columns: []*schema.Column{col("a", "INT"), col("b", "INT"), col("gone", "TEXT")}}
	to := &schema.Table{Name: "t", Columns: []*schema.Column{col("a", "SMALLINT"), col("b", "BIGINT")}}
	changes := []diff.Change{&diff.ModifyTable{From: from, To: to, Changes: []diff.Change{
		&diff.ModifyColumn{From: from.Columns[0], To: to.Columns[0], What: diff.ChangeType},
		&diff.ModifyColumn{From: from.Columns[1], To: to.Columns[1], What: diff.ChangeType},
		&diff.DropColumn{C: from.Columns[2]},
	}}}
	want := []string{"drop column t.gone", "narrow column t.a INT → SMALLINT"}
	if got := dialect.Destructive(narrowsInts{}, changes); !cmp.Equal(got, want) {
		t.Errorf("Destructive = %q, want %q", got, want)
	}
	// An engine that is no Narrower reports only the drops.
	if got := dialect.Destructive(envelopeOnly{}, changes); !cmp.Equal(got, want[:1]) {
		t.Errorf("Destructive without Narrower = %q, want %q", got, want[:1])
	}
}
