package diff

import (
	"strings"
	"testing"

	"github.com/retortdb/retort/schema"
)

func hintCol(table, from, to string, line int) schema.Rename {
	return schema.Rename{Kind: schema.RenameColumn, Table: table, From: from, To: to, File: "schema.sql", Line: line}
}

func hintTable(from, to string, line int) schema.Rename {
	return schema.Rename{Kind: schema.RenameTable, Table: to, From: from, To: to, File: "schema.sql", Line: line}
}

// TestRenameHintStates: what a hint does against each state of the live
// database (from): old present and new absent → rename; old absent and new
// present → nothing (done already, the hint may stay); both present → an
// error naming file and line; both absent → the object is created, with a
// warning.
func TestRenameHintStates(t *testing.T) {
	desired := &schema.Schema{Tables: []*schema.Table{table("t", col("id", "int"), col("b", "int"))}}
	desired.Renames = []schema.Rename{hintCol("t", "a", "b", 3)}
	tests := []struct {
		name    string
		from    *schema.Schema
		want    []string // Describe of Compare
		err     string
		warning string
	}{
		{
			name: "old present, new absent: rename",
			from: &schema.Schema{Tables: []*schema.Table{table("t", col("id", "int"), col("a", "int"))}},
			want: []string{"t: column a renamed to b"},
		},
		{
			name: "old absent, new present: done already",
			from: &schema.Schema{Tables: []*schema.Table{table("t", col("id", "int"), col("b", "int"))}},
		},
		{
			name: "both present: the user decides",
			from: &schema.Schema{Tables: []*schema.Table{table("t", col("id", "int"), col("a", "int"), col("b", "int"))}},
			err:  "schema.sql:3: rename hint: both column t.a and column t.b exist",
		},
		{
			name:    "both absent: created, with a warning",
			from:    &schema.Schema{Tables: []*schema.Table{table("t", col("id", "int"))}},
			want:    []string{"t: column b added (int)"},
			warning: "schema.sql:3: rename hint matched nothing: neither column t.a nor b exists, column t.b is created",
		},
		{
			name: "case rules: A matches a (SQLite)",
			from: &schema.Schema{Tables: []*schema.Table{table("T", col("id", "int"), col("A", "int"))}},
			want: []string{"t: column A renamed to b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := CheckRenames(tt.from, desired)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("CheckRenames: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(warnings, "\n"); got != tt.warning {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
			got := Describe(Compare(tt.from, desired, Renames(desired.Renames...)))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRenameFollowers: after a table and a column rename, the keys and
// indexes that name them are not changes, and the reverse hints plan the
// reverse renames.
func TestRenameFollowers(t *testing.T) {
	from := &schema.Schema{Tables: []*schema.Table{
		table("authors", col("id", "int"), col("name", "text"), pk("id"), unique("authors_name_key", "name")),
		table("posts", col("id", "int"), col("author", "int"), pk("id"), fk("author", "authors", "id")),
		table("comments", col("id", "int"), col("post", "int"), fk("post", "posts", "id")),
	}}
	to := &schema.Schema{Tables: []*schema.Table{
		table("authors", col("id", "int"), col("full_name", "text"), pk("id"), unique("authors_name_key", "full_name")),
		table("articles", col("id", "int"), col("author", "int"), pk("id"), fk("author", "authors", "id")),
		table("comments", col("id", "int"), col("post", "int"), fk("post", "articles", "id")),
	}}
	to.Renames = []schema.Rename{hintCol("authors", "name", "full_name", 2), hintTable("posts", "articles", 5)}
	got := Describe(Compare(from, to, Renames(to.Renames...)))
	want := []string{"articles: table renamed from posts", "authors: column name renamed to full_name"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	back := Describe(Compare(to, from, Renames(ReverseRenames(to.Renames)...)))
	want = []string{"posts: table renamed from articles", "authors: column full_name renamed to name"}
	if strings.Join(back, "\n") != strings.Join(want, "\n") {
		t.Errorf("reverse Compare = %q, want %q", back, want)
	}
	// Without hints: drops and adds.
	if plain := Describe(Compare(from, to)); len(plain) < 3 {
		t.Errorf("without hints: %q", plain)
	}
}

// TestGuessRenames: one column dropped and one of the same type added in a
// table, or a table dropped while one with the same columns is added, is a
// guess; a not-renamed-from hint rules it out; other types are not.
func TestGuessRenames(t *testing.T) {
	from := &schema.Schema{Tables: []*schema.Table{
		table("people", col("id", "int"), col("name", "text"), col("age", "int")),
		table("tags", col("id", "int"), col("label", "text")),
	}}
	to := &schema.Schema{Tables: []*schema.Table{
		table("people", col("id", "int"), col("full_name", "TEXT"), col("born", "date")),
		table("labels", col("id", "int"), col("label", "text")),
	}}
	got := GuessRenames(Compare(from, to), to)
	if len(got) != 1 || got[0] != (Guess{Kind: schema.RenameTable, Table: "labels", From: "tags", To: "labels"}) {
		t.Fatalf("two columns dropped and added: %+v, want the table only", got)
	}
	to.Tables[0] = table("people", col("id", "int"), col("full_name", "TEXT"), col("age", "int"))
	got = GuessRenames(Compare(from, to), to)
	if len(got) != 2 || got[0] != (Guess{Kind: schema.RenameColumn, Table: "people", From: "name", To: "full_name"}) || got[0].Hint() != "-- retort:renamed-from name" {
		t.Fatalf("GuessRenames = %+v", got)
	}
	to.Renames = []schema.Rename{{Kind: schema.RenameColumn, Table: "people", From: "name", To: "full_name", Not: true},
		{Kind: schema.RenameTable, Table: "labels", From: "tags", To: "labels", Not: true}}
	if got = GuessRenames(Compare(from, to), to); len(got) != 0 {
		t.Errorf("with not-renamed-from hints: %+v", got)
	}
	to.Renames = nil
	to.Tables[0] = table("people", col("id", "int"), col("full_name", "int"), col("age", "int"))
	if got = GuessRenames(Compare(from, to), to); len(got) != 1 {
		t.Errorf("another type is not a guess: %+v", got)
	}
}
