package models_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/examples/braindump-gorm/models"
	"github.com/retortdb/retort/gormschema"
	"github.com/retortdb/retort/migrate"
)

// TestMigrationsMatchModels is what 'retort check' does in CI, through the
// library: the schema the migrations build must be the one GORM makes for
// the models. Change a tag without 'retort revision --autogenerate' and it
// fails, naming the change.
func TestMigrationsMatchModels(t *testing.T) {
	ctx := context.Background()
	d, err := retort.NewDialect("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	g, err := retort.LoadGraph(os.DirFS("../migrations"), migrate.WithEngine("sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	head, err := retort.ReplaySchema(ctx, d, g, "heads")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gormschema.Print(&buf, "sqlite", &models.User{}, &models.Note{}); err != nil {
		t.Fatal(err)
	}
	desired, err := retort.LoadSQL(ctx, d, "models", buf.String())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := retort.PlanSchemas(ctx, d, head, desired)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Empty() {
		t.Errorf("the migrations' head differs from the models (run 'retort revision --autogenerate'):")
		for _, l := range plan.Summary() {
			t.Errorf("  %s", l)
		}
	}
}
