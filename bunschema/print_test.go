package bunschema

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
	"github.com/uptrace/bun"
)

// Notes belong to users; given children first, to check the ordering.
type Note struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Body          string `bun:",notnull"`
	Title         string `bun:"type:varchar(200)"`
	UserID        int64
	User          *User `bun:"rel:belongs-to,join:user_id=id,on_delete:CASCADE,on_update:SET NULL"`
}

type User struct {
	bun.BaseModel `bun:"table:users"`
	ID            int64  `bun:",pk,autoincrement"`
	Email         string `bun:"type:varchar(200),unique"`
	Name          string `bun:"type:varchar(100),notnull"`
}

func engines(t *testing.T) map[string]dialect.Dialect {
	t.Helper()
	out := map[string]dialect.Dialect{}
	d, err := retort.NewDialect("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = d
	for name, env := range map[string]string{"postgres": testdb.PostgresEnv, "mysql": testdb.MySQLEnv} {
		u := os.Getenv(env)
		if u == "" {
			t.Logf("%s not set: %s not checked", env, name)
			continue
		}
		d, err := retort.DialectFor(u)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = d
	}
	return out
}

// TestPrint loads what Print writes for each engine into that engine (a
// scratch database, through retort) and checks what bun's tags asked for.
func TestPrint(t *testing.T) {
	ctx := context.Background()
	for name, d := range engines(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Print(&buf, name, (*Note)(nil), (*User)(nil),
				Index{Model: (*Note)(nil), Name: "notes_title_idx", Columns: []string{"title"}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := retort.LoadSQL(ctx, d, "bunschema", buf.String())
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			users, ok := s.Table("users")
			if !ok {
				t.Fatalf("no table users in\n%s", buf.String())
			}
			notes, ok := s.Table("notes")
			if !ok {
				t.Fatalf("no table notes in\n%s", buf.String())
			}
			if users.PrimaryKey == nil || !slices.Equal(users.PrimaryKey.Columns, []string{"id"}) {
				t.Errorf("users primary key = %+v, want (id)", users.PrimaryKey)
			}
			if c, ok := notes.Column("body"); !ok || !c.NotNull {
				t.Errorf("notes.body = %+v, want NOT NULL", c)
			}
			if ix := findIndex(users, "email"); ix == nil || !ix.Unique {
				t.Errorf("users: unique email = %+v", ix)
			}
			if ix := findIndex(notes, "title"); ix == nil || ix.Unique || ix.Name != "notes_title_idx" {
				t.Errorf("notes: plain index notes_title_idx on title = %+v", ix)
			}
			if len(notes.ForeignKeys) != 1 {
				t.Fatalf("notes foreign keys = %+v, want one", notes.ForeignKeys)
			}
			fk := notes.ForeignKeys[0]
			if !slices.Equal(fk.Columns, []string{"user_id"}) || fk.RefTable != "users" ||
				fk.OnDelete != schema.Cascade || fk.OnUpdate != schema.SetNull {
				t.Errorf("notes foreign key = %+v, want (user_id) → users ON DELETE CASCADE ON UPDATE SET NULL", fk)
			}
		})
	}
}

func findIndex(t *schema.Table, col string) *schema.Index {
	for _, ix := range t.Indexes {
		if len(ix.Parts) == 1 && ix.Parts[0].Column == col {
			return ix
		}
	}
	return nil
}

type badJoin struct {
	ID   int64 `bun:",pk"`
	User *User `bun:"rel:belongs-to,join:nope=id"`
}

func TestPrintErrors(t *testing.T) {
	tests := []struct {
		name, dialect string
		models        []any
		want          string
	}{
		{"unknown dialect", "oracle", []any{(*User)(nil)}, `unknown dialect "oracle"`},
		{"no models", "sqlite", nil, "no models"},
		{"not a struct pointer", "sqlite", []any{User{}}, "want a pointer to a struct"},
		{"bad relation is an error, not a panic", "postgres", []any{(*badJoin)(nil)}, "must have column nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Print(&bytes.Buffer{}, tt.dialect, tt.models...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
