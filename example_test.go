package retort_test

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/sqlite"
)

//go:embed testdata/example_migrations/*.sql
var exampleMigrations embed.FS

// An application migrates its database at start-up from migrations
// embedded in its binary. Starting again finds nothing to do.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "retort-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	migrations, err := fs.Sub(exampleMigrations, "testdata/example_migrations")
	if err != nil {
		log.Fatal(err)
	}
	m, err := retort.NewMigrator(db, sqlite.New(), migrations)
	if err != nil {
		log.Fatal(err)
	}
	for start := 1; start <= 2; start++ {
		ran, err := m.Upgrade(ctx, "head")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("start %d: %d migration(s) applied\n", start, len(ran))
		for _, r := range ran {
			fmt.Printf("  %s %s\n", r.Revision, r.Message)
		}
	}
	current, err := m.Current(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current:", current)
	// Output:
	// start 1: 2 migration(s) applied
	//   20260101090000 create users
	//   20260102090000 create notes
	// start 2: 0 migration(s) applied
	// current: [20260102090000]
}
