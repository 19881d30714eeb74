package diff

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/schema"
)

// in puts t in schema sch and qualifies the targets of its foreign keys
// that name no schema with sch, as the PostgreSQL inspector does when
// several schemas are managed.
func in(sch string, t *schema.Table) *schema.Table {
	t.Schema = sch
	for _, k := range t.ForeignKeys {
		if k.RefSchema == "" {
			k.RefSchema = sch
		}
	}
	return t
}

func refIn(sch string, k *schema.ForeignKey) *schema.ForeignKey {
	k.RefSchema = sch
	return k
}

func TestCompareSchemas(t *testing.T) {
	// Two tables named log, one in app and one in audit, with keys across.
	both := func() *schema.Schema {
		return &schema.Schema{Schemas: []string{"app", "audit"}, Case: schema.ExactCase, Tables: []*schema.Table{
			in("app", table("log", col("id", "integer"), col("line", "text"), pk("id"))),
			in("app", table("orders", col("id", "integer"), col("actor", "integer"), pk("id"),
				refIn("audit", fk("actor", "actors", "id")))),
			in("audit", table("actors", col("id", "integer"), pk("id"))),
			in("audit", table("log", col("id", "bigint"), col("order_id", "integer"), pk("id"),
				refIn("app", fk("order_id", "orders", "id")))),
		}}
	}
	tests := []struct {
		name string
		from *schema.Schema
		to   *schema.Schema
		want []string
	}{
		{
			name: "same name in two schemas is two tables",
			from: both(), to: both(),
		},
		{
			name: "from empty: schema first, parents before children across schemas",
			from: &schema.Schema{Schemas: []string{"app"}, Case: schema.ExactCase}, to: both(),
			want: []string{"schema audit: created", "audit.actors: new table", "app.log: new table", "app.orders: new table", "audit.log: new table"},
		},
		{
			name: "a column of audit.log changes, app.log stays",
			from: both(),
			to: func() *schema.Schema {
				s := both()
				s.Tables[3].Columns = append(s.Tables[3].Columns, col("note", "text"))
				return s
			}(),
			want: []string{"audit.log: column note added (text)"},
		},
		{
			name: "a key moving to the same-named table of another schema",
			from: both(),
			to: func() *schema.Schema {
				s := both()
				s.Tables[1].ForeignKeys[0].RefSchema = "app"
				s.Tables[1].ForeignKeys[0].RefTable = "log"
				return s
			}(),
			want: []string{"app.orders: foreign key (actor) → actors(id) dropped", "app.orders: foreign key (actor) → log(id) added"},
		},
		{
			name: "to empty: tables children first, then the schema",
			from: both(), to: &schema.Schema{Schemas: []string{"app"}, Case: schema.ExactCase},
			want: []string{"audit.log: table dropped", "app.orders: table dropped", "app.log: table dropped", "audit.actors: table dropped", "schema audit: dropped"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(Compare(tt.from, tt.to))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
