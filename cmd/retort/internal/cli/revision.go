package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// writeMigration writes f into the migrations directory and prints its path.
func (env *Env) writeMigration(mf *migrationFlags, f *migrate.File) error {
	dir := env.migrationsDir(mf)
	name := f.Revision + "_" + migrate.Slug(f.Message) + ".sql"
	path := dir + string(os.PathSeparator) + name
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists", path)
	}
	if err := os.WriteFile(path, migrate.Format(f), 0o644); err != nil {
		return err
	}
	rel := name
	if mf.dir != "" {
		rel = strings.TrimSuffix(mf.dir, "/") + "/" + name
	} else {
		rel = strings.TrimSuffix(env.cfg.Dir, "/") + "/" + name
	}
	if env.asJSON {
		return env.printJSON(map[string]string{"created": rel, "revision": f.Revision})
	}
	fmt.Fprintf(env.Stdout, "Created %s\n", rel)
	return nil
}

func (env *Env) revisionTime(revID string) (time.Time, error) {
	if revID == "" {
		if env.Now != nil {
			return env.Now(), nil
		}
		return time.Now(), nil
	}
	t, err := time.Parse("20060102150405", revID)
	if err != nil {
		return time.Time{}, usageError(fmt.Sprintf("--rev-id %q: want YYYYMMDDHHMMSS", revID))
	}
	return t, nil
}

func (env *Env) revisionCommand() *cobra.Command {
	var mf migrationFlags
	var message, schemaPath, revID, goProgram string
	var auto, assumeRenames, noRenameGuess bool
	cmd := &cobra.Command{
		Use:     "revision -m MSG [--autogenerate]",
		Aliases: []string{"new"},
		Short:   "Create a migration (with --autogenerate: from schema.sql vs the migrations' head)",
		Args:    cobra.NoArgs,
		Example: `  retort revision -m "add notes" --autogenerate   # write the SQL from schema.sql
  retort revision -m "backfill slugs"               # an empty migration to fill in
  retort new -m "seed data" --rev-id 20261125100000
  retort revision -m "backfill slugs" --go braindump # a Go migration's placeholder`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if message == "" {
				return usageError("revision needs -m MSG")
			}
			ctx := cmd.Context()
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			now, err := env.revisionTime(revID)
			if err != nil {
				return err
			}
			if !auto {
				heads := g.Heads()
				if len(heads) > 1 {
					return &migrate.MultipleHeadsError{Heads: heads}
				}
				rev := now.UTC().Format("20060102150405")
				for _, taken := g.Get(rev); taken; _, taken = g.Get(rev) {
					if revID != "" {
						return fmt.Errorf("revision %s already exists", rev)
					}
					// Two revisions in the same second: take the next free one.
					now = now.Add(time.Second)
					rev = now.UTC().Format("20060102150405")
				}
				f := migrate.NewFile(rev, heads, message, migrate.Section{}, migrate.Section{})
				if goProgram != "" {
					return env.writeGoPlaceholder(&mf, f, goProgram)
				}
				return env.writeMigration(&mf, f)
			}
			d, err := env.engine()
			if err != nil {
				return err
			}
			name, data, err := env.desiredSQL(ctx, schemaPath, d.Name())
			if err != nil {
				return err
			}
			schemaPath = name
			desired, err := retort.LoadSQL(ctx, d, schemaPath, data)
			if err != nil {
				return err
			}
			// The migration written leaves them out.
			env.warnUnmanaged(schemaPath, desired.Unmanaged)
			opts := env.planOptions()
			if assumeRenames {
				opts = append(opts, retort.WithAssumeRenames())
			}
			if noRenameGuess {
				opts = append(opts, retort.WithoutRenameGuess())
			}
			f, err := retort.Autogenerate(ctx, d, g, desired, message, now, opts...)
			if err != nil {
				return locateGuesses(err, schemaPath, string(data), d.Name())
			}
			if f == nil && env.asJSON {
				return env.printJSON(map[string]any{"created": nil})
			}
			if f == nil {
				fmt.Fprintf(env.Stdout, "No changes: the migrations' head already matches %s; no file written.\n", schemaPath)
				return nil
			}
			return env.writeMigration(&mf, f)
		},
	}
	mf.register(cmd)
	cmd.Flags().StringVarP(&message, "message", "m", "", "what the migration does")
	cmd.Flags().BoolVar(&auto, "autogenerate", false, "write the SQL that turns the migrations' head into the schema file")
	cmd.Flags().StringVar(&schemaPath, "schema", "", "desired schema file (default: retort.toml's schema_cmd or schema, else schema.sql)")
	cmd.Flags().StringVar(&revID, "rev-id", "", "revision id to use instead of the current time (YYYYMMDDHHMMSS)")
	cmd.Flags().BoolVar(&assumeRenames, "assume-renames", false, "write a dropped and an added column (or table) that look like a rename as a rename")
	cmd.Flags().BoolVar(&noRenameGuess, "no-rename-guess", false, "write a dropped and an added column (or table) that look like a rename as a drop and an add")
	cmd.Flags().StringVar(&goProgram, "go", "", "write the placeholder of a Go migration that PROGRAM registers and runs (retort.WithGoMigrations)")
	cmd.MarkFlagsMutuallyExclusive("assume-renames", "no-rename-guess")
	cmd.MarkFlagsMutuallyExclusive("autogenerate", "go")
	return cmd
}

func (env *Env) mergeCommand() *cobra.Command {
	var mf migrationFlags
	var message, revID string
	cmd := &cobra.Command{
		Use:     "merge -m MSG",
		Short:   "Create a migration that joins every head",
		Args:    cobra.NoArgs,
		Example: `  retort merge -m "merge the notes and tags branches"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if message == "" {
				return usageError("merge needs -m MSG")
			}
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			now, err := env.revisionTime(revID)
			if err != nil {
				return err
			}
			f, err := retort.Merge(g, message, now)
			if err != nil {
				return err
			}
			return env.writeMigration(&mf, f)
		},
	}
	mf.register(cmd)
	cmd.Flags().StringVarP(&message, "message", "m", "", "what the merge joins")
	cmd.Flags().StringVar(&revID, "rev-id", "", "revision id to use instead of the current time (YYYYMMDDHHMMSS)")
	return cmd
}

// writeGoPlaceholder writes f as the placeholder of a Go migration, version
// 1, run by program, and says how to register its code.
func (env *Env) writeGoPlaceholder(mf *migrationFlags, f *migrate.File, program string) error {
	f.Go = &migrate.GoPlaceholder{Version: "1", Program: program}
	if _, err := migrate.Parse(f.Name, migrate.Format(f)); err != nil {
		return usageError(fmt.Sprintf("--go %q: want a program name without spaces", program))
	}
	if err := env.writeMigration(mf, f); err != nil {
		return err
	}
	if !env.asJSON && !env.quiet {
		fmt.Fprintf(env.Stderr, "Register its code in %s: retort.WithGoMigrations(migrate.GoMigration{Revision: %q, Version: \"1\", Up: …, Down: …})\n",
			program, f.Revision)
	}
	return nil
}
