package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/schema"
)

// Literal helpers. A table is built from parts: columns, keys, indexes and
// checks, in any order.

func table(name string, parts ...any) *schema.Table {
	t := &schema.Table{Name: name}
	for _, p := range parts {
		switch p := p.(type) {
		case *schema.Column:
			t.Columns = append(t.Columns, p)
		case *schema.PrimaryKey:
			t.PrimaryKey = p
		case *schema.ForeignKey:
			t.ForeignKeys = append(t.ForeignKeys, p)
		case *schema.Index:
			t.Indexes = append(t.Indexes, p)
		case *schema.Check:
			t.Checks = append(t.Checks, p)
		default:
			panic(fmt.Sprintf("table: unexpected %T", p))
		}
	}
	return t
}

func col(name, typ string) *schema.Column { return &schema.Column{Name: name, Type: typ} }

func pk(cols ...string) *schema.PrimaryKey { return &schema.PrimaryKey{Columns: cols} }

// fk returns an unnamed key "cols → ref(refCols)"; cols and refCols are
// comma-separated.
func fk(cols, ref, refCols string) *schema.ForeignKey {
	return &schema.ForeignKey{Columns: strings.Split(cols, ","), RefTable: ref, RefColumns: strings.Split(refCols, ",")}
}

func with(k *schema.ForeignKey, f func(*schema.ForeignKey)) *schema.ForeignKey {
	c := *k
	f(&c)
	return &c
}

func unique(name string, cols ...string) *schema.Index {
	ix := &schema.Index{Name: name, Unique: true, Constraint: true}
	for _, c := range cols {
		ix.Parts = append(ix.Parts, schema.IndexPart{Column: c})
	}
	return ix
}

func index(name string, cols ...string) *schema.Index {
	ix := &schema.Index{Name: name}
	for _, c := range cols {
		ix.Parts = append(ix.Parts, schema.IndexPart{Column: c})
	}
	return ix
}

func check(name, expr string) *schema.Check { return &schema.Check{Name: name, Expr: expr} }

func view(name, def string) *schema.View { return &schema.View{Name: name, Def: def} }

func matview(name, def string, ixs ...*schema.Index) *schema.View {
	return &schema.View{Name: name, Def: def, Indexes: ixs}
}

func trigger(name, on, def string) *schema.Trigger {
	return &schema.Trigger{Name: name, Table: on, Def: def}
}

func users() *schema.Table {
	return table("users", col("id", "INTEGER"), col("name", "TEXT"), pk("id"))
}

func notes(k *schema.ForeignKey) *schema.Table {
	return table("notes", col("id", "INTEGER"), col("author_id", "INTEGER"), pk("id"), k)
}

// summary renders changes as one short line each, nested changes indented,
// so that cases can state order and kind at a glance.
func summary(changes []Change) []string {
	var out []string
	for _, c := range changes {
		switch c := c.(type) {
		case *AddTable:
			out = append(out, "add table "+c.T.Name)
		case *DropTable:
			out = append(out, "drop table "+c.T.Name)
		case *AddView:
			out = append(out, "add view "+c.V.Name)
		case *DropView:
			out = append(out, "drop view "+c.V.Name)
		case *AddViewIndex:
			out = append(out, "add index "+c.I.Name+" on view "+c.V.Name)
		case *DropViewIndex:
			out = append(out, "drop index "+c.I.Name+" on view "+c.V.Name)
		case *AddTrigger:
			out = append(out, "add trigger "+c.T.Name)
		case *DropTrigger:
			out = append(out, "drop trigger "+c.T.Name)
		case *ModifyTable:
			out = append(out, "modify table "+c.To.Name)
			for _, tc := range c.Changes {
				out = append(out, "  "+tableChange(tc))
			}
		default:
			out = append(out, fmt.Sprintf("%T", c))
		}
	}
	return out
}

func tableChange(c Change) string {
	switch c := c.(type) {
	case *AddColumn:
		return "add column " + c.C.Name
	case *DropColumn:
		return "drop column " + c.C.Name
	case *ModifyColumn:
		return fmt.Sprintf("modify column %s %s", c.To.Name, columnBits(c.What))
	case *AddIndex:
		return "add index " + indexLabel(c.I)
	case *DropIndex:
		return "drop index " + indexLabel(c.I)
	case *AddForeignKey:
		return "add fk " + fkLabel(c.FK)
	case *DropForeignKey:
		return "drop fk " + fkLabel(c.FK)
	case *ModifyForeignKey:
		return fmt.Sprintf("modify fk %s %s", fkLabel(c.To), fkBits(c.What))
	case *AddCheck:
		return "add check " + checkLabel(c.C)
	case *DropCheck:
		return "drop check " + checkLabel(c.C)
	case *ValidateCheck:
		return "validate check " + checkLabel(c.C)
	case *ModifyPrimaryKey:
		return "modify primary key " + pkLabel(c.To)
	case *ModifyTableOptions:
		return "modify table options"
	}
	return fmt.Sprintf("%T", c)
}

func columnBits(w ColumnChange) string {
	var out []string
	for bit, name := range map[ColumnChange]string{
		ChangeType: "type", ChangeNull: "null", ChangeDefault: "default", ChangeCollation: "collation",
		ChangeGenerated: "generated", ChangeAutoIncrement: "autoincrement", ChangeComment: "comment", ChangePosition: "position",
	} {
		if w&bit != 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "+")
}

func fkBits(w FKChange) string {
	var out []string
	for bit, name := range map[FKChange]string{
		ChangeOnDelete: "on_delete", ChangeOnUpdate: "on_update", ChangeDeferrable: "deferrable",
		ChangeMatch: "match", ChangeName: "name",
	} {
		if w&bit != 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "+")
}

func schemaOf(parts ...any) *schema.Schema {
	s := &schema.Schema{}
	for _, p := range parts {
		switch p := p.(type) {
		case *schema.Table:
			s.Tables = append(s.Tables, p)
		case *schema.View:
			s.Views = append(s.Views, p)
		case *schema.Trigger:
			s.Triggers = append(s.Triggers, p)
		default:
			panic(fmt.Sprintf("schemaOf: unexpected %T", p))
		}
	}
	return s
}

func TestCompare(t *testing.T) {
	cascade := func(k *schema.ForeignKey) { k.OnDelete = schema.Cascade }
	for _, tt := range []struct {
		name     string
		from, to *schema.Schema
		opts     []Option
		want     []string
	}{
		// Identical schemas.
		{
			name: "same schema gives nothing",
			from: schemaOf(users(), notes(fk("author_id", "users", "id")), view("v", "CREATE VIEW v AS SELECT 1")),
			to:   schemaOf(users(), notes(fk("author_id", "users", "id")), view("v", "create view v as select 1")),
		},

		// Order.
		{
			name: "new tables: parents before children whatever their names",
			from: schemaOf(),
			to: schemaOf(
				table("a_child", col("id", "INT"), col("p", "INT"), fk("p", "z_parent", "id")),
				table("m_grandchild", col("c", "INT"), fk("c", "a_child", "id")),
				table("z_parent", col("id", "INT")),
			),
			want: []string{"add table z_parent", "add table a_child", "add table m_grandchild"},
		},
		{
			name: "dropped tables: children before parents",
			from: schemaOf(
				table("z_parent", col("id", "INT")),
				table("a_child", col("id", "INT"), col("p", "INT"), fk("p", "z_parent", "id")),
				table("m_grandchild", col("c", "INT"), fk("c", "a_child", "id")),
			),
			to:   schemaOf(),
			want: []string{"drop table m_grandchild", "drop table a_child", "drop table z_parent"},
		},
		{
			name: "cycles and self references terminate, in name order",
			from: schemaOf(),
			to: schemaOf(
				table("b", col("a_id", "INT"), fk("a_id", "a", "id")),
				table("a", col("b_id", "INT"), col("parent", "INT"), fk("b_id", "b", "id"), fk("parent", "a", "id")),
			),
			want: []string{"add table b", "add table a"},
		},
		{
			name: "indexes of a kept materialized view: dropped first, added last; a redefined view brings its own",
			from: schemaOf(users(),
				matview("m", "CREATE MATERIALIZED VIEW m AS SELECT id FROM users", index("m_old", "id"), index("m_same", "id")),
				matview("r", "CREATE MATERIALIZED VIEW r AS SELECT id FROM users", index("r_id", "id"))),
			to: schemaOf(users(),
				matview("m", "CREATE MATERIALIZED VIEW m AS SELECT id FROM users", index("m_same", "id"), index("m_new", "id")),
				matview("r", "CREATE MATERIALIZED VIEW r AS SELECT id, name FROM users", index("r_id", "id"))),
			want: []string{"drop view r", "drop index m_old on view m", "add view r", "add index m_new on view m"},
		},
		{
			name: "triggers then views dropped first; tables added, modified, dropped; views then triggers created last",
			from: schemaOf(
				users(), table("old", col("id", "INT")),
				view("v", "CREATE VIEW v AS SELECT id FROM users"),
				trigger("tr", "users", "CREATE TRIGGER tr AFTER INSERT ON users BEGIN SELECT 1; END"),
			),
			to: schemaOf(
				table("users", col("id", "INTEGER"), col("name", "TEXT"), col("email", "TEXT"), pk("id")),
				table("new", col("id", "INT")),
				view("v", "CREATE VIEW v AS SELECT id, name FROM users"),
				trigger("tr", "users", "CREATE TRIGGER tr AFTER INSERT ON users BEGIN SELECT 2; END"),
			),
			want: []string{
				"drop trigger tr", "drop view v",
				"add table new",
				"modify table users", "  add column email",
				"drop table old",
				"add view v", "add trigger tr",
			},
		},
		{
			name: "views: dropped in reverse, created in schema order",
			from: schemaOf(users(), view("a", "CREATE VIEW a AS SELECT 1"), view("b", "CREATE VIEW b AS SELECT 2")),
			to:   schemaOf(users(), view("a", "CREATE VIEW a AS SELECT 10"), view("b", "CREATE VIEW b AS SELECT 20")),
			want: []string{"drop view b", "drop view a", "add view a", "add view b"},
		},
		{
			name: "a view reading a redefined view is redefined with it",
			from: schemaOf(users(),
				view("active", "CREATE VIEW active AS SELECT id FROM users WHERE name <> ''"),
				view("active_ids", "CREATE VIEW active_ids AS SELECT id FROM active"),
				view("other", "CREATE VIEW other AS SELECT 1"),
			),
			to: schemaOf(users(),
				view("active", "CREATE VIEW active AS SELECT id FROM users WHERE name IS NOT NULL"),
				view("active_ids", "CREATE VIEW active_ids AS SELECT id FROM active"),
				view("other", "CREATE VIEW other AS SELECT 1"),
			),
			want: []string{"drop view active_ids", "drop view active", "add view active", "add view active_ids"},
		},
		{
			name: "a trigger on a redefined view is dropped with it and created after it",
			from: schemaOf(users(),
				view("v", "CREATE VIEW v AS SELECT id FROM users"),
				trigger("v_ins", "v", "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN SELECT 1; END"),
			),
			to: schemaOf(users(),
				view("v", "CREATE VIEW v AS SELECT id, name FROM users"),
				trigger("v_ins", "v", "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN SELECT 1; END"),
			),
			want: []string{"drop trigger v_ins", "drop view v", "add view v", "add trigger v_ins"},
		},
		{
			name: "inside a table: drops, columns, key, options, adds, then modifications",
			from: schemaOf(table("t", col("a", "INT"), col("b", "INT"), pk("a"), index("t_b", "b"), check("c1", "a > 0"), fk("b", "p", "id"))),
			to: schemaOf(table("t", col("a", "INT"), col("c", "INT"), pk("a", "c"), index("t_c", "c"), check("c1", "a > 0"),
				with(fk("c", "p", "id"), cascade))),
			want: []string{
				"modify table t",
				"  drop fk (b) → p(id)", "  drop index t_b",
				"  drop column b", "  add column c",
				"  modify primary key (a, c)",
				"  add fk (c) → p(id)", "  add index t_c",
			},
		},

		// Foreign keys.
		{
			name: "fk identity is columns and target: a new target column is a drop and an add",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(fk("author_id", "users", "name"))),
			want: []string{"modify table notes", "  drop fk (author_id) → users(id)", "  add fk (author_id) → users(name)"},
		},
		{
			name: "fk identity ignores case",
			from: schemaOf(users(), notes(fk("Author_ID", "Users", "ID"))),
			to:   schemaOf(users(), notes(fk("author_id", "users", "id"))),
		},
		{
			name: "fk ON DELETE",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), cascade))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) on_delete"},
		},
		{
			name: "fk ON UPDATE",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.OnUpdate = schema.SetNull }))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) on_update"},
		},
		{
			name: "fk DEFERRABLE",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Deferrable = true }))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) deferrable"},
		},
		{
			name: "fk INITIALLY DEFERRED",
			from: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Deferrable = true }))),
			to: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) {
				k.Deferrable, k.InitiallyDeferred = true, true
			}))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) deferrable"},
		},
		{
			name: "fk MATCH FULL",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Match = "FULL" }))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) match"},
		},
		{
			name: "fk MATCH SIMPLE and NONE are the default",
			from: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Match = "simple" }))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Match = "NONE" }))),
		},
		{
			name: "fk renamed",
			from: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Name = "a" }))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Name = "b" }))),
			want: []string{"modify table notes", "  modify fk b name"},
		},
		{
			name: "fk named on one side only is the same key",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.Name = "notes_author_id_fkey" }))),
		},
		{
			name: "fk several properties at once",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) {
				k.OnDelete, k.OnUpdate, k.Deferrable, k.Match = schema.SetDefault, schema.Cascade, true, "PARTIAL"
			}))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) deferrable+match+on_delete+on_update"},
		},
		{
			name: "fk explicit NO ACTION equals the zero value",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to: schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) {
				k.OnDelete, _ = schema.ParseAction("NO ACTION")
				k.OnUpdate, _ = schema.ParseAction("no_action")
			}))),
		},
		{
			name: "fk RESTRICT differs from NO ACTION",
			from: schemaOf(users(), notes(fk("author_id", "users", "id"))),
			to:   schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.OnDelete = schema.Restrict }))),
			want: []string{"modify table notes", "  modify fk (author_id) → users(id) on_delete"},
		},
		{
			name: "composite fk: column order is part of the identity",
			from: schemaOf(table("c", col("a", "INT"), col("b", "INT"), fk("a,b", "p", "x,y"))),
			to:   schemaOf(table("c", col("a", "INT"), col("b", "INT"), fk("b,a", "p", "y,x"))),
			want: []string{"modify table c", "  drop fk (a, b) → p(x, y)", "  add fk (b, a) → p(y, x)"},
		},
		{
			name: "two keys on the same columns to different tables",
			from: schemaOf(table("c", col("a", "INT"), fk("a", "p", "id"), fk("a", "q", "id"))),
			to:   schemaOf(table("c", col("a", "INT"), fk("a", "q", "id"), with(fk("a", "p", "id"), cascade))),
			want: []string{"modify table c", "  modify fk (a) → p(id) on_delete"},
		},

		// Checks.
		{
			name: "named check matched by name: a new expression is a drop and an add",
			from: schemaOf(table("t", col("a", "INT"), check("a_pos", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), check("a_pos", "a >= 1"))),
			want: []string{"modify table t", "  drop check a_pos", "  add check a_pos"},
		},
		{
			name: "unnamed checks matched by expression, layout ignored",
			from: schemaOf(table("t", col("a", "INT"), check("", "a>0"), check("", "a < 10"))),
			to:   schemaOf(table("t", col("a", "INT"), check("", "a < 10"), check("", "A > 0"))),
		},
		{
			name: "unnamed check with a new expression is a drop and an add",
			from: schemaOf(table("t", col("a", "INT"), check("", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), check("", "a > 1"))),
			want: []string{"modify table t", "  drop check (a > 0)", "  add check (a > 1)"},
		},
		{
			name: "named and unnamed check with the same expression match",
			from: schemaOf(table("t", col("a", "INT"), check("", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), check("t_a_check", "a > 0"))),
		},
		{
			name: "renamed check with the same expression",
			from: schemaOf(table("t", col("a", "INT"), check("old", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), check("new", "a > 0"))),
			want: []string{"modify table t", "  drop check old", "  add check new"},
		},
		{
			name: "check becoming NO INHERIT is a drop and an add",
			from: schemaOf(table("t", col("a", "INT"), check("a_pos", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), &schema.Check{Name: "a_pos", Expr: "a > 0", NoInherit: true})),
			want: []string{"modify table t", "  drop check a_pos", "  add check a_pos"},
		},
		{
			name: "NOT VALID check desired validated is validated",
			from: schemaOf(table("t", col("a", "INT"), &schema.Check{Name: "a_pos", Expr: "a > 0", NotValid: true})),
			to:   schemaOf(table("t", col("a", "INT"), check("a_pos", "a > 0"))),
			want: []string{"modify table t", "  validate check a_pos"},
		},
		{
			name: "validated check desired NOT VALID is no change",
			from: schemaOf(table("t", col("a", "INT"), check("a_pos", "a > 0"))),
			to:   schemaOf(table("t", col("a", "INT"), &schema.Check{Name: "a_pos", Expr: "a > 0", NotValid: true})),
		},
		{
			name: "index storage parameters are part of the index",
			from: schemaOf(table("t", col("a", "INT"), index("t_a", "a"))),
			to: schemaOf(table("t", col("a", "INT"),
				&schema.Index{Name: "t_a", Parts: []schema.IndexPart{{Column: "a"}}, StorageParams: []string{"fillfactor=70"}})),
			want: []string{"modify table t", "  drop index t_a", "  add index t_a"},
		},
		{
			name: "a primary key's INCLUDE is part of it",
			from: schemaOf(table("t", col("a", "INT"), col("b", "INT"), pk("a"))),
			to:   schemaOf(table("t", col("a", "INT"), col("b", "INT"), &schema.PrimaryKey{Columns: []string{"a"}, Include: []string{"b"}})),
			want: []string{"modify table t", "  modify primary key (a) INCLUDE (b)"},
		},

		// UNIQUE constraints and indexes.
		{
			name: "unnamed unique constraint matched by columns",
			from: schemaOf(table("t", col("a", "INT"), col("b", "INT"), unique("", "a", "b"))),
			to:   schemaOf(table("t", col("a", "INT"), col("b", "INT"), unique("t_a_b_key", "a", "b"))),
		},
		{
			name: "unique constraint on other columns",
			from: schemaOf(table("t", col("a", "INT"), col("b", "INT"), unique("", "a"))),
			to:   schemaOf(table("t", col("a", "INT"), col("b", "INT"), unique("", "a", "b"))),
			want: []string{"modify table t", "  drop index (a)", "  add index (a, b)"},
		},
		{
			name: "unique constraint and unique index are different things",
			from: schemaOf(table("t", col("a", "INT"), unique("t_a_key", "a"))),
			to:   schemaOf(table("t", col("a", "INT"), &schema.Index{Name: "t_a_key", Unique: true, Parts: []schema.IndexPart{{Column: "a"}}})),
			want: []string{"modify table t", "  drop index t_a_key", "  add index t_a_key"},
		},
		{
			name: "index redefined under its name",
			from: schemaOf(table("t", col("a", "INT"), index("t_a", "a"))),
			to:   schemaOf(table("t", col("a", "INT"), &schema.Index{Name: "t_a", Parts: []schema.IndexPart{{Column: "a", Desc: true}}})),
			want: []string{"modify table t", "  drop index t_a", "  add index t_a"},
		},
		{
			name: "index: expression layout and name case ignored",
			from: schemaOf(table("t", col("a", "TEXT"), &schema.Index{Name: "T_Lower", Parts: []schema.IndexPart{{Expr: "lower(a)"}}, Where: "a is not null"})),
			to:   schemaOf(table("t", col("a", "TEXT"), &schema.Index{Name: "t_lower", Parts: []schema.IndexPart{{Expr: "LOWER( a )"}}, Where: "a IS NOT NULL"})),
		},

		// Columns, keys, options.
		{
			name: "column type: case and spacing ignored, size kept",
			from: schemaOf(table("t", col("a", "varchar(100)"), col("b", "NUMERIC(10, 2)"), col("c", "VARCHAR(100)"))),
			to:   schemaOf(table("t", col("a", "VARCHAR(100)"), col("b", "numeric(10,2)"), col("c", "VARCHAR(200)"))),
			want: []string{"modify table t", "  modify column c type"},
		},
		{
			name: "column nullability, default, collation",
			from: schemaOf(table("t", &schema.Column{Name: "a", Type: "TEXT", Default: "(datetime('now'))"}, col("b", "TEXT"))),
			to: schemaOf(table("t", &schema.Column{Name: "a", Type: "TEXT", NotNull: true, Default: "( datetime( 'now' ) )"},
				&schema.Column{Name: "b", Type: "TEXT", Default: "'x'", Collation: "NOCASE"})),
			want: []string{"modify table t", "  modify column a null", "  modify column b collation+default"},
		},
		{
			name: "column generated and autoincrement",
			from: schemaOf(table("t", col("id", "INTEGER"), col("g", "INT"))),
			to: schemaOf(table("t", &schema.Column{Name: "id", Type: "INTEGER", AutoIncrement: true},
				&schema.Column{Name: "g", Type: "INT", Generated: &schema.Generated{Expr: "id * 2"}})),
			want: []string{"modify table t", "  modify column id autoincrement", "  modify column g generated"},
		},
		{
			name: "primary key added and table options",
			from: schemaOf(table("t", col("a", "INT"))),
			to:   schemaOf(&schema.Table{Name: "t", Columns: []*schema.Column{col("a", "INT")}, PrimaryKey: pk("a"), WithoutRowID: true}),
			want: []string{"modify table t", "  modify primary key (a)", "  modify table options"},
		},

		// Tables retort does not own.
		{
			name: "other tools' version tables are never dropped",
			from: schemaOf(users(),
				table("alembic_version", col("version_num", "VARCHAR(32)")),
				table("goose_db_version", col("id", "INTEGER")),
				table("schema_migrations", col("version", "TEXT")),
				table("retort_revisions", col("revision", "TEXT")),
				table("Flyway_Schema_History", col("x", "INT")),
				table("sqlite_sequence", col("name", ""), col("seq", "")),
			),
			to: schemaOf(users()),
		},
		{
			name: "unowned tables are never created or altered",
			from: schemaOf(users(), table("alembic_version", col("version_num", "TEXT"))),
			to:   schemaOf(users(), table("alembic_version", col("version_num", "VARCHAR(32)")), table("goose_db_version", col("id", "INT"))),
		},
		{
			name: "Exclude patterns leave tables and their triggers alone on both sides",
			from: schemaOf(users(), table("tmp_a", col("x", "INT")), table("audit_log", col("x", "INT")),
				trigger("tmp_tr", "tmp_a", "CREATE TRIGGER tmp_tr AFTER INSERT ON tmp_a BEGIN SELECT 1; END")),
			to:   schemaOf(users(), table("TMP_b", col("x", "INT")), table("audit_log", col("x", "INT"), col("y", "INT"))),
			opts: []Option{Exclude("tmp_*"), Exclude("audit_?og")},
		},
		{
			name: "without Exclude the same tables are managed",
			from: schemaOf(users(), table("tmp_a", col("x", "INT"))),
			to:   schemaOf(users(), table("tmp_b", col("x", "INT"))),
			want: []string{"add table tmp_b", "drop table tmp_a"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Compare(tt.from, tt.to, tt.opts...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcluded(t *testing.T) {
	for _, tt := range []struct {
		name     string
		patterns []string
		want     bool
	}{
		{"alembic_version", nil, true},
		{"ALEMBIC_VERSION", nil, true},
		{"goose_db_version", nil, true},
		{"schema_migrations", nil, true},
		{"retort_revisions", nil, true},
		{"sqlite_stat1", nil, true},
		{"users", nil, false},
		{"schema_migrations_backup", nil, false},
		{"tmp_x", []string{"tmp_*"}, true},
		{"TMP_X", []string{"tmp_*"}, true},
		{"xtmp", []string{"tmp_*"}, false},
	} {
		if got := Excluded(tt.name, tt.patterns); got != tt.want {
			t.Errorf("Excluded(%q, %q) = %t, want %t", tt.name, tt.patterns, got, tt.want)
		}
	}
}

// bigSchemas returns two schemas that differ in many ways at once.
func bigSchemas() (from, to *schema.Schema) {
	from = schemaOf(
		users(),
		notes(fk("author_id", "users", "id")),
		table("tags", col("id", "INT"), col("note_id", "INT"), fk("note_id", "notes", "id"), unique("", "note_id")),
		table("gone_child", col("p", "INT"), fk("p", "gone_parent", "id")),
		table("gone_parent", col("id", "INT")),
		view("v1", "CREATE VIEW v1 AS SELECT 1"),
		view("v2", "CREATE VIEW v2 AS SELECT * FROM v1"),
		trigger("t1", "users", "CREATE TRIGGER t1 AFTER INSERT ON users BEGIN SELECT 1; END"),
	)
	to = schemaOf(
		table("users", col("id", "INTEGER"), col("name", "VARCHAR(100)"), pk("id"), check("", "name <> ''")),
		notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) { k.OnDelete = schema.Cascade; k.Deferrable = true })),
		table("tags", col("id", "INT"), col("note_id", "INT"), col("label", "TEXT"), fk("note_id", "notes", "id"), unique("", "note_id", "label")),
		table("new_child", col("p", "INT"), fk("p", "new_parent", "id")),
		table("new_parent", col("id", "INT")),
		view("v1", "CREATE VIEW v1 AS SELECT 2"),
		view("v2", "CREATE VIEW v2 AS SELECT * FROM v1"),
		trigger("t2", "users", "CREATE TRIGGER t2 AFTER INSERT ON users BEGIN SELECT 2; END"),
	)
	return from, to
}

func TestCompareDeterministic(t *testing.T) {
	from, to := bigSchemas()
	first := Compare(from, to)
	if len(first) == 0 {
		t.Fatal("no changes: the test compares nothing")
	}
	for i := range 20 {
		if again := Compare(from, to); !cmp.Equal(summary(first), summary(again)) {
			t.Fatalf("run %d differs (-first +again):\n%s", i, cmp.Diff(summary(first), summary(again)))
		}
	}
	// The order of the tables in the input does not matter.
	rev := func(s *schema.Schema) *schema.Schema {
		c := *s
		c.Tables = slices.Clone(s.Tables)
		slices.Reverse(c.Tables)
		return &c
	}
	if again := Compare(rev(from), rev(to)); !cmp.Equal(summary(first), summary(again)) {
		t.Errorf("reversed input order changes the result (-first +again):\n%s", cmp.Diff(summary(first), summary(again)))
	}
	// Comparing a schema with itself gives nothing.
	if same := Compare(to, to); len(same) > 0 {
		t.Errorf("Compare(to, to) = %q", summary(same))
	}
}

func TestDescribe(t *testing.T) {
	named := func(k *schema.ForeignKey) { k.Name = "notes_author_id_fkey" }
	from := schemaOf(users(), notes(with(fk("author_id", "users", "id"), named)))
	to := schemaOf(users(), notes(with(fk("author_id", "users", "id"), func(k *schema.ForeignKey) {
		named(k)
		k.OnDelete = schema.Cascade
	})))
	got := Describe(Compare(from, to))
	want := []string{"notes: foreign key notes_author_id_fkey ON DELETE NO ACTION → CASCADE"}
	if !cmp.Equal(got, want) {
		t.Errorf("Describe (-want +got):\n%s", cmp.Diff(want, got))
	}

	bigFrom, bigTo := bigSchemas()
	got = Describe(Compare(bigFrom, bigTo))
	want = []string{
		"trigger t1 on users: dropped",
		"view v2: dropped",
		"view v1: dropped",
		"new_parent: new table",
		"new_child: new table",
		"notes: foreign key (author_id) → users(id) ON DELETE NO ACTION → CASCADE, NOT DEFERRABLE → DEFERRABLE",
		"tags: unique constraint (note_id) dropped",
		"tags: column label added (TEXT)",
		"tags: unique constraint (note_id, label) added",
		"users: column name type TEXT → VARCHAR(100)",
		"users: check (name <> '') added",
		"gone_child: table dropped",
		"gone_parent: table dropped",
		"view v1: created",
		"view v2: created",
		"trigger t2 on users: created",
	}
	if !cmp.Equal(got, want) {
		t.Errorf("Describe (-want +got):\n%s", cmp.Diff(want, got))
	}
}

func TestDestructive(t *testing.T) {
	from := schemaOf(users(), table("old", col("id", "INT")), table("t", col("a", "INT"), col("b", "INT")))
	to := schemaOf(users(), table("t", col("a", "INT"), col("c", "INT")))
	changes := Compare(from, to)
	want := []string{"drop column t.b", "drop table old"}
	if got := Destructive(changes); !cmp.Equal(got, want) {
		t.Errorf("Destructive (-want +got):\n%s", cmp.Diff(want, got))
	}
	var flagged []string
	for _, c := range changes {
		if IsDestructive(c) {
			flagged = append(flagged, summary([]Change{c})[0])
		}
	}
	if want := []string{"modify table t", "drop table old"}; !cmp.Equal(flagged, want) {
		t.Errorf("IsDestructive flags %q, want %q", flagged, want)
	}
	if IsDestructive(&AddColumn{C: col("x", "INT")}) {
		t.Error("IsDestructive(AddColumn) = true")
	}
}

// The engines' case rules (docs/case-rules.md), by name.
var caseRules = map[string]schema.CaseRules{
	"sqlite":   {},
	"postgres": schema.ExactCase,
	"mysql0": {Tables: schema.FoldExact, Triggers: schema.FoldExact, Columns: schema.FoldUnicode,
		Indexes: schema.FoldUnicode, Constraints: schema.FoldUnicode},
	"mysql1": {Tables: schema.FoldUnicode, Triggers: schema.FoldUnicode, Columns: schema.FoldUnicode,
		Indexes: schema.FoldUnicode, Constraints: schema.FoldUnicode},
}

func TestCompareCaseRules(t *testing.T) {
	named := func(c *schema.Check, n string) *schema.Check { c.Name = n; return c }
	for _, tt := range []struct {
		name     string
		from, to func() *schema.Schema
		// Under the rule sets in differ, the names are different names
		// and Compare gives want; under those in same, they are one name
		// and Compare gives nothing.
		differ, same []string
		want         []string
	}{
		{
			name: "tables differing in case are two tables: a change to one stays on it",
			from: func() *schema.Schema {
				return schemaOf(table("Users", col("id", "INT"), col("name", "TEXT")), table("users", col("id", "INT")))
			},
			to: func() *schema.Schema {
				return schemaOf(table("Users", col("id", "INT"), col("name", "TEXT")), table("users", col("id", "INT"), col("x", "INT")))
			},
			differ: []string{"postgres", "mysql0"},
			want:   []string{"modify table users", "  add column x"},
		},
		{
			name:   "a table respelled in case",
			from:   func() *schema.Schema { return schemaOf(table("users", col("id", "INT"))) },
			to:     func() *schema.Schema { return schemaOf(table("Users", col("id", "INT"))) },
			differ: []string{"postgres", "mysql0"},
			same:   []string{"sqlite", "mysql1"},
			want:   []string{"add table Users", "drop table users"},
		},
		{
			name:   "columns differing in case are two columns",
			from:   func() *schema.Schema { return schemaOf(table("t", col("Name", "TEXT"), col("name", "TEXT"))) },
			to:     func() *schema.Schema { return schemaOf(table("t", col("name", "TEXT"))) },
			differ: []string{"postgres"},
			want:   []string{"modify table t", "  drop column Name"},
		},
		{
			name:   "a column respelled in case",
			from:   func() *schema.Schema { return schemaOf(table("t", col("Name", "TEXT"))) },
			to:     func() *schema.Schema { return schemaOf(table("t", col("name", "TEXT"))) },
			differ: []string{"postgres"},
			same:   []string{"sqlite", "mysql0", "mysql1"},
			want:   []string{"modify table t", "  drop column Name", "  add column name"},
		},
		{
			name: "a check respelled in case",
			from: func() *schema.Schema {
				return schemaOf(table("t", col("p", "INT"), named(check("", "p > 0"), "Price_Check")))
			},
			to: func() *schema.Schema {
				return schemaOf(table("t", col("p", "INT"), named(check("", "p > 0"), "price_check")))
			},
			differ: []string{"postgres"},
			same:   []string{"sqlite", "mysql0", "mysql1"},
			want:   []string{"modify table t", "  drop check Price_Check", "  add check price_check"},
		},
		{
			name:   "an index respelled in case",
			from:   func() *schema.Schema { return schemaOf(table("t", col("a", "INT"), index("Ix_A", "a"))) },
			to:     func() *schema.Schema { return schemaOf(table("t", col("a", "INT"), index("ix_a", "a"))) },
			differ: []string{"postgres"},
			same:   []string{"sqlite", "mysql0", "mysql1"},
			want:   []string{"modify table t", "  drop index Ix_A", "  add index ix_a"},
		},
		{
			name: "a foreign key moved to the table of the other case",
			from: func() *schema.Schema {
				return schemaOf(table("Users", col("id", "INT")), table("users", col("id", "INT")),
					table("c", col("u", "INT"), fk("u", "users", "id")))
			},
			to: func() *schema.Schema {
				return schemaOf(table("Users", col("id", "INT")), table("users", col("id", "INT")),
					table("c", col("u", "INT"), fk("u", "Users", "id")))
			},
			differ: []string{"postgres", "mysql0"},
			want:   []string{"modify table c", "  drop fk (u) → users(id)", "  add fk (u) → Users(id)"},
		},
		{
			name: "foreign key columns respelled in case",
			from: func() *schema.Schema {
				return schemaOf(table("p", col("id", "INT")), table("c", col("u", "INT"), fk("u", "p", "id")))
			},
			to: func() *schema.Schema {
				return schemaOf(table("p", col("ID", "INT")), table("c", col("U", "INT"), fk("U", "p", "ID")))
			},
			same: []string{"sqlite", "mysql0", "mysql1"},
		},
		{
			name: "new tables differing in case: the referenced one first",
			from: func() *schema.Schema { return schemaOf() },
			to: func() *schema.Schema {
				return schemaOf(table("Users", col("u", "INT"), fk("u", "users", "id")), table("users", col("id", "INT")))
			},
			differ: []string{"postgres", "mysql0"},
			want:   []string{"add table users", "add table Users"},
		},
		{
			name: "views and triggers respelled in case",
			from: func() *schema.Schema {
				return schemaOf(table("t", col("a", "INT")), view("V", "CREATE VIEW V AS SELECT 1"), trigger("Tr", "t", "CREATE TRIGGER x"))
			},
			to: func() *schema.Schema {
				return schemaOf(table("t", col("a", "INT")), view("v", "CREATE VIEW V AS SELECT 1"), trigger("tr", "t", "CREATE TRIGGER x"))
			},
			differ: []string{"postgres", "mysql0"},
			same:   []string{"sqlite", "mysql1"},
			want:   []string{"drop trigger Tr", "drop view V", "add view v", "add trigger tr"},
		},
	} {
		check := func(t *testing.T, rn string, want []string) {
			r := caseRules[rn]
			// The rules travel on the schemas, as an inspector sets them.
			from, to := tt.from(), tt.to()
			from.SetCase(r)
			to.SetCase(r)
			if diff := cmp.Diff(want, summary(Compare(from, to))); diff != "" {
				t.Errorf("rules on the schemas (-want +got):\n%s", diff)
			}
			// Or as an option, with schemas built by hand.
			if diff := cmp.Diff(want, summary(Compare(tt.from(), tt.to(), Case(r)))); diff != "" {
				t.Errorf("rules as an option (-want +got):\n%s", diff)
			}
		}
		for _, rn := range tt.differ {
			t.Run(tt.name+"/"+rn, func(t *testing.T) { check(t, rn, tt.want) })
		}
		for _, rn := range tt.same {
			t.Run(tt.name+"/"+rn, func(t *testing.T) { check(t, rn, nil) })
		}
	}
}

func TestFold(t *testing.T) {
	for _, tt := range []struct {
		f    schema.Fold
		a, b string
		want bool
	}{
		{schema.FoldExact, "Users", "users", false},
		{schema.FoldExact, "users", "users", true},
		{schema.FoldASCII, "Users", "users", true},
		{schema.FoldASCII, "Ärger", "ärger", false}, // SQLite folds ASCII letters only
		{schema.FoldUnicode, "Ärger", "ärger", true},
		{schema.FoldUnicode, "Users", "users", true},
	} {
		if got := tt.f.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Fold(%d).Equal(%q, %q) = %v, want %v", tt.f, tt.a, tt.b, got, tt.want)
		}
		if got := tt.f.Key(tt.a) == tt.f.Key(tt.b); got != tt.want {
			t.Errorf("Fold(%d).Key(%q) == Key(%q) is %v, want %v", tt.f, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestColumnOrder(t *testing.T) {
	table := func(cols ...string) *schema.Schema {
		tb := &schema.Table{Name: "t"}
		for _, c := range cols {
			tb.Columns = append(tb.Columns, &schema.Column{Name: c, Type: "int"})
		}
		return &schema.Schema{Tables: []*schema.Table{tb}}
	}
	moved := func(changes []Change) []string {
		var out []string
		for _, c := range changes {
			mt, ok := c.(*ModifyTable)
			if !ok {
				continue
			}
			for _, tc := range mt.Changes {
				if mc, ok := tc.(*ModifyColumn); ok && mc.What&ChangePosition != 0 {
					out = append(out, mc.To.Name)
				}
			}
		}
		return out
	}
	tests := []struct {
		name     string
		from, to []string
		want     []string
	}{
		{"same order", []string{"a", "b", "c"}, []string{"a", "b", "c"}, nil},
		{"one moves first", []string{"a", "b", "c"}, []string{"c", "a", "b"}, []string{"c"}},
		{"one moves last", []string{"a", "b", "c"}, []string{"b", "c", "a"}, []string{"a"}},
		{"added and dropped columns are no moves", []string{"a", "x", "b"}, []string{"a", "y", "b"}, nil},
		{"case does not matter", []string{"A", "b"}, []string{"a", "B"}, nil},
		{"two swapped pairs", []string{"a", "b", "c", "d"}, []string{"b", "a", "d", "c"}, []string{"a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := table(tt.from...), table(tt.to...)
			if got := moved(Compare(from, to, ColumnOrder())); !slices.Equal(got, tt.want) {
				t.Errorf("moved = %v, want %v", got, tt.want)
			}
			if got := moved(Compare(from, to)); got != nil {
				t.Errorf("without ColumnOrder, moved = %v", got)
			}
		})
	}
}
