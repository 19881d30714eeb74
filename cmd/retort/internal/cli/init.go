package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

func (env *Env) initCommand() *cobra.Command {
	var dialectName string
	cmd := &cobra.Command{
		Use:   "init [--dialect sqlite|postgres|mysql]",
		Short: "Create retort.toml, migrations/ and schema.sql",
		Long: `Create retort.toml, migrations/ and schema.sql in the current directory;
files that exist are kept. The dialect is --dialect (aliases sqlite3,
postgresql, mariadb), else that of --url, else sqlite; --url, when given,
becomes retort.toml's url.`,
		Args: cobra.NoArgs,
		Example: `  retort init
  retort init --dialect postgres
  retort init --url "postgres://app@localhost:5432/app?sslmode=disable"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			urls := map[string]string{
				"sqlite":   "sqlite:app.db",
				"postgres": "postgres://postgres@127.0.0.1:5432/app?sslmode=disable",
				"mysql":    "mysql://root@127.0.0.1:3306/app",
			}
			name, err := retort.DialectName(dialectName)
			if err != nil {
				return usageError("--dialect: " + err.Error())
			}
			// A guessed server URL is left commented out: as the
			// configuration's url it would beat $DATABASE_URL.
			urlLine := fmt.Sprintf("url = %q", urls[name])
			if name != "sqlite" {
				urlLine = "# " + urlLine + "   # or set $DATABASE_URL / $RETORT_DATABASE_URL"
			}
			if env.url != "" {
				t, err := retort.ParseURL(env.url)
				if err != nil {
					return err
				}
				if cmd.Flags().Changed("dialect") && t.Dialect != name {
					return usageError(fmt.Sprintf("--dialect %s but --url is a %s database", dialectName, t.Dialect))
				}
				name, urlLine = t.Dialect, fmt.Sprintf("url = %q", env.url)
			}
			files := []struct{ path, content string }{
				{"retort.toml", fmt.Sprintf(`# retort configuration. --url and $RETORT_DATABASE_URL override url;
# $DATABASE_URL is used only when url is not set.
dialect = %q
%s
schema = "schema.sql"     # the schema you want, as SQL
dir = "migrations"        # versioned migrations
# exclude = ["audit_*"]   # tables retort never touches (besides other tools' version tables)
%s`, name, urlLine, schemasLine(name))},
				{"schema.sql", "-- The schema you want. Edit it, then run: retort revision --autogenerate -m \"what changed\"\n"},
			}
			type result struct {
				Path    string `json:"path"`
				Created bool   `json:"created"`
			}
			var out []result
			for _, f := range files {
				p := env.path(f.path)
				if _, err := os.Stat(p); err == nil {
					out = append(out, result{f.path, false})
					continue
				} else if !errors.Is(err, os.ErrNotExist) {
					return err
				}
				if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
					return err
				}
				out = append(out, result{f.path, true})
			}
			dir := env.path("migrations")
			st, err := os.Stat(dir)
			switch {
			case err == nil && st.IsDir():
				out = append(out, result{"migrations/", false})
			case err == nil:
				return fmt.Errorf("%s exists and is not a directory", dir)
			default:
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				out = append(out, result{"migrations/", true})
			}
			if env.asJSON {
				return env.printJSON(map[string]any{"dialect": name, "files": out})
			}
			for _, r := range out {
				if r.Created {
					fmt.Fprintf(env.Stdout, "Created %s\n", r.Path)
				} else {
					fmt.Fprintf(env.Stdout, "Kept %s (exists)\n", r.Path)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dialectName, "dialect", "sqlite", "sqlite, postgres or mysql (aliases sqlite3, postgresql, mariadb)")
	return cmd
}

// schemasLine is the commented schemas setting that init writes for
// PostgreSQL, the one engine that manages several schemas.
func schemasLine(dialect string) string {
	if dialect != "postgres" {
		return ""
	}
	return "# schemas = [\"app\", \"audit\"]  # several schemas to manage; the first holds the version table (default: the connection's one)\n"
}
