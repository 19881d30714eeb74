package gormschema

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite" // also registers the "sqlite" database/sql driver retort uses
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/testdb"
	"github.com/retortdb/retort/schema"
)

// The models of the tests: notes belong to users; v2 adds ON DELETE
// CASCADE to the foreign key, as the seed scenario does.

type User struct {
	ID        uint
	Email     string `gorm:"size:200;uniqueIndex"`
	Name      string `gorm:"size:100;not null"`
	CreatedAt time.Time
}

type Note struct {
	ID     uint
	Body   string
	Title  string `gorm:"size:200;index"`
	UserID uint
	User   User `gorm:"constraint:OnDelete:CASCADE,OnUpdate:SET NULL"`
}

// Tag has GORM's soft-delete fields (an index on deleted_at) and a
// composite unique index.
type Tag struct {
	gorm.Model
	NoteID uint   `gorm:"uniqueIndex:tags_note_label"`
	Label  string `gorm:"size:50;uniqueIndex:tags_note_label"`
	Note   Note
}

type noteV1 struct {
	ID     uint
	Body   string
	UserID uint
	User   User
}

func (noteV1) TableName() string { return "notes" }

type noteV2 struct {
	ID     uint
	Body   string
	UserID uint
	User   User `gorm:"constraint:OnDelete:CASCADE"`
}

func (noteV2) TableName() string { return "notes" }

// engines returns the retort dialects to load the printed SQL with:
// SQLite always, the servers when their URLs are set.
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
// scratch database, through retort) and checks what GORM's tags asked for.
func TestPrint(t *testing.T) {
	ctx := context.Background()
	for name, d := range engines(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Print(&buf, name, &User{}, &Note{}, &Tag{}); err != nil {
				t.Fatal(err)
			}
			s, err := retort.LoadSQL(ctx, d, "gormschema", buf.String())
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
			if c, ok := users.Column("name"); !ok || !c.NotNull {
				t.Errorf("users.name = %+v, want NOT NULL", c)
			}
			if ix := findIndex(users, "email"); ix == nil || !ix.Unique {
				t.Errorf("users: unique index on email = %+v", ix)
			}
			if ix := findIndex(notes, "title"); ix == nil || ix.Unique {
				t.Errorf("notes: plain index on title = %+v", ix)
			}
			if len(notes.ForeignKeys) != 1 {
				t.Fatalf("notes foreign keys = %+v, want one", notes.ForeignKeys)
			}
			fk := notes.ForeignKeys[0]
			if !slices.Equal(fk.Columns, []string{"user_id"}) || fk.RefTable != "users" ||
				fk.OnDelete != schema.Cascade || fk.OnUpdate != schema.SetNull {
				t.Errorf("notes foreign key = %+v, want (user_id) → users ON DELETE CASCADE ON UPDATE SET NULL", fk)
			}
			tags, ok := s.Table("tags")
			if !ok {
				t.Fatalf("no table tags in\n%s", buf.String())
			}
			if ix := findIndex(tags, "deleted_at"); ix == nil || ix.Unique {
				t.Errorf("tags: plain index on deleted_at = %+v", ix)
			}
			ix, ok := tags.Index("tags_note_label")
			if !ok || !ix.Unique || len(ix.Parts) != 2 || ix.Parts[0].Column != "note_id" || ix.Parts[1].Column != "label" {
				t.Errorf("tags: unique index tags_note_label (note_id, label) = %+v", ix)
			}
			if len(tags.ForeignKeys) != 1 || tags.ForeignKeys[0].RefTable != "notes" {
				t.Errorf("tags foreign keys = %+v, want one to notes", tags.ForeignKeys)
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

func TestPrintErrors(t *testing.T) {
	if err := Print(&bytes.Buffer{}, "oracle", &User{}); err == nil || !strings.Contains(err.Error(), `unknown dialect "oracle"`) {
		t.Errorf("unknown dialect: %v", err)
	}
	if err := Print(&bytes.Buffer{}, "sqlite"); err == nil || !strings.Contains(err.Error(), "no models") {
		t.Errorf("no models: %v", err)
	}
}

// TestAutoMigrateLeavesForeignKey is the point of the package, on each
// engine: GORM's AutoMigrate, told that notes now cascade, keeps the old
// foreign key (it finds one by that name and stops); retort, given what
// gormschema prints for the same models, recreates it — a rebuild on
// SQLite, NOT VALID then VALIDATE on PostgreSQL — keeping every row.
func TestAutoMigrateLeavesForeignKey(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		engine string
		url    func(t *testing.T) string
		open   func(dsn string) gorm.Dialector
		want   []string // in the plan's SQL
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "app.db") },
			func(dsn string) gorm.Dialector { return sqlite.Open(dsn + "?_pragma=foreign_keys(1)") },
			[]string{`CREATE TABLE "_retort_new_notes"`, "ON DELETE CASCADE"}},
		{"postgres", func(t *testing.T) string { return testdb.Postgres(t) }, postgres.Open,
			[]string{"ON DELETE CASCADE NOT VALID", `VALIDATE CONSTRAINT "fk_notes_user"`}},
		{"mysql", func(t *testing.T) string { return testdb.MySQL(t) }, mysql.Open,
			[]string{"ON DELETE CASCADE"}},
	}
	for _, tt := range tests {
		t.Run(tt.engine, func(t *testing.T) {
			u := tt.url(t)
			target, err := retort.ParseURL(u)
			if err != nil {
				t.Fatal(err)
			}
			dsn := target.DSN
			if tt.engine == "sqlite" {
				dsn = target.Path
			}
			gdb, err := gorm.Open(tt.open(dsn), &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			if err := gdb.AutoMigrate(&User{}, &noteV1{}); err != nil {
				t.Fatal(err)
			}
			must(t, gdb.Create(&[]User{{ID: 1, Email: "ada@example.com", Name: "ada"}, {ID: 2, Email: "bob@example.com", Name: "bob"}}).Error)
			must(t, gdb.Create(&[]noteV1{{ID: 1, Body: "a", UserID: 1}, {ID: 2, Body: "b", UserID: 1}, {ID: 3, Body: "c", UserID: 2}}).Error)
			if err := gdb.AutoMigrate(&User{}, &noteV2{}); err != nil {
				t.Fatal(err)
			}
			sqlDB, _ := gdb.DB()
			sqlDB.Close()

			db, err := retort.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := onDelete(t, db); got != schema.NoAction {
				t.Fatalf("after GORM's AutoMigrate: ON DELETE %v; this test expects GORM to leave the old foreign key", got)
			}

			var buf bytes.Buffer
			if err := Print(&buf, tt.engine, &User{}, &noteV2{}); err != nil {
				t.Fatal(err)
			}
			desired, err := db.LoadSQL(ctx, "gormschema", buf.String())
			if err != nil {
				t.Fatal(err)
			}
			plan, err := db.Plan(ctx, desired)
			if err != nil {
				t.Fatal(err)
			}
			if want := "fk_notes_user ON DELETE NO ACTION → CASCADE"; !strings.Contains(strings.Join(plan.Summary(), "\n"), want) {
				t.Fatalf("plan %q does not say %q", plan.Summary(), want)
			}
			for _, want := range tt.want {
				if !strings.Contains(plan.Script(), want) {
					t.Errorf("plan's SQL lacks %q:\n%s", want, plan.Script())
				}
			}
			if err := db.Apply(ctx, plan); err != nil {
				t.Fatal(err)
			}
			if got := onDelete(t, db); got != schema.Cascade {
				t.Fatalf("after retort: ON DELETE %v, want CASCADE", got)
			}
			if n := count(t, db); n != 3 {
				t.Fatalf("notes after retort: %d rows, want 3", n)
			}
			// The new key works: deleting ada deletes her two notes.
			conn, err := db.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.engine == "sqlite" {
				_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
				must(t, err)
			}
			_, err = conn.ExecContext(ctx, "DELETE FROM users WHERE id = 1")
			must(t, err)
			conn.Close()
			if n := count(t, db); n != 1 {
				t.Fatalf("notes after deleting ada: %d rows, want 1", n)
			}
			if plan, err := db.Plan(ctx, desired); err != nil || !plan.Empty() {
				t.Fatalf("second plan: %v, %v; want none", plan.Summary(), err)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *retort.Database) int {
	t.Helper()
	var n int
	if err := db.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM notes").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func onDelete(t *testing.T, db *retort.Database) schema.Action {
	t.Helper()
	s, err := db.Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	notes, ok := s.Table("notes")
	if !ok || len(notes.ForeignKeys) != 1 {
		t.Fatalf("notes: %+v", notes)
	}
	return notes.ForeignKeys[0].OnDelete
}
