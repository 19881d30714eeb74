// Command schema prints the braindump models as SQL for the engine in
// $RETORT_DIALECT: the CREATE statements GORM's AutoMigrate makes for them.
// retort runs it (retort.toml: schema_cmd) to autogenerate and check
// migrations.
package main

import (
	"github.com/retortdb/retort/examples/braindump-gorm/models"
	"github.com/retortdb/retort/gormschema"
)

func main() { gormschema.Main(&models.User{}, &models.Note{}) }
