package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func (env *Env) initCommand() *cobra.Command {
	var dialectName string
	cmd := &cobra.Command{
		Use:   "init [--dialect sqlite|postgres|mysql]",
		Short: "Create retort.toml, migrations/ and schema.sql",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			urls := map[string]string{
				"sqlite":   "sqlite:app.db",
				"postgres": "postgres://postgres@127.0.0.1:5432/app?sslmode=disable",
				"mysql":    "mysql://root@127.0.0.1:3306/app",
			}
			url, ok := urls[dialectName]
			if !ok {
				return usageError(fmt.Sprintf("--dialect %q: want sqlite, postgres or mysql", dialectName))
			}
			files := []struct{ path, content string }{
				{"retort.toml", fmt.Sprintf(`# retort configuration. --url, $RETORT_DATABASE_URL and $DATABASE_URL override url.
dialect = %q
url = %q
schema = "schema.sql"     # the schema you want, as SQL
dir = "migrations"        # versioned migrations
# exclude = ["audit_*"]   # tables retort never touches (besides other tools' version tables)
`, dialectName, url)},
				{"schema.sql", "-- The schema you want. Edit it, then run: retort revision --autogenerate -m \"what changed\"\n"},
			}
			for _, f := range files {
				p := env.path(f.path)
				if _, err := os.Stat(p); err == nil {
					fmt.Fprintf(env.Stdout, "Kept %s (exists)\n", f.path)
					continue
				} else if !errors.Is(err, os.ErrNotExist) {
					return err
				}
				if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "Created %s\n", f.path)
			}
			dir := env.path("migrations")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Created %s%c\n", filepath.Base(dir), os.PathSeparator)
			return nil
		},
	}
	cmd.Flags().StringVar(&dialectName, "dialect", "sqlite", "sqlite, postgres or mysql")
	return cmd
}
