package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect/dialecttest"
)

// TestStartUpRunsTheGoBackfill: a database that an older braindump
// migrated, holding notes without slugs, is brought to head at start-up:
// the SQL migration adds the column, the Go migration fills it in, in
// order, once.
func TestStartUpRunsTheGoBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "braindump.db")
	old, err := migrator(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Upgrade(ctx, "20261125103000"); err != nil {
		t.Fatal(err)
	}
	db := old.Database().DB()
	for _, q := range []string{
		`INSERT INTO users (id, email, name) VALUES (1, 'grace@example.com', 'Grace')`,
		`INSERT INTO notes (author_id, title) VALUES (1, 'Compilers, Revisited!'), (1, 'Größe & Maß'), (1, '')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	var out strings.Builder
	if err := run(ctx, path, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"migrated 20261201110000 add notes.slug\nmigrated 20261201120000 backfill note slugs\n",
		"schema at [20261201120000]\n",
		"deleted user 2: 0 of their notes left\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	m, err := migrator(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	got := dialecttest.Rows(t, m.Database().DB(), `SELECT slug FROM notes WHERE author_id = 1 ORDER BY id`)
	if want := []string{"compilers-revisited", "größe-maß", ""}; !slices.Equal(got, want) {
		t.Errorf("slugs %q, want %q", got, want)
	}

	out.Reset()
	if err := run(ctx, path, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "migrated") {
		t.Errorf("second start migrated again:\n%s", out.String())
	}
}

// TestSchemaMatchesMigrations: schema.sql is what the migrations make
// (the Go migration changes no schema), as `retort check` says.
func TestSchemaMatchesMigrations(t *testing.T) {
	ctx := context.Background()
	m, err := migrator(ctx, filepath.Join(t.TempDir(), "braindump.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src, err := os.ReadFile("schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	desired, err := m.Database().LoadSQL(ctx, "schema.sql", string(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	rep, err := m.Check(ctx, desired)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("check found differences: %+v", rep)
	}
}
