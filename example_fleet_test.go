package retort_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/retortdb/retort"
)

// A service with a SQLite file per tenant migrates them all, two at a
// time, stopping at the first failure; the report says where each is.
func ExampleNewFleet() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "retort-fleet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, tenant := range []string{"acme", "globex", "initech"} {
		if err := os.WriteFile(filepath.Join(dir, tenant+".db"), nil, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	targets, err := retort.GlobTargets("sqlite:*.db", dir)
	if err != nil {
		log.Fatal(err)
	}
	migrations, _ := fs.Sub(exampleMigrations, "testdata/example_migrations")
	fleet, err := retort.NewFleet(targets, migrations, retort.WithParallel(2))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := fleet.Upgrade(ctx, "head")
	if err != nil {
		log.Fatal(err) // a *retort.FleetError names the databases that failed
	}
	for _, r := range rep.Targets {
		fmt.Println(r.Name(), r.Status, len(r.Results), "migrations")
	}
	// Output:
	// sqlite:acme.db done 2 migrations
	// sqlite:globex.db done 2 migrations
	// sqlite:initech.db done 2 migrations
}
