package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// migrationFlags are shared by the commands that read the migrations dir.
type migrationFlags struct {
	dir          string
	allowChanged bool
}

func (f *migrationFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "dir", "", "migrations directory (default: retort.toml's dir, else migrations)")
}

func (env *Env) migrationsDir(f *migrationFlags) string {
	if f.dir != "" {
		return env.path(f.dir)
	}
	return env.path(env.cfg.Dir)
}

// existingDir returns the migrations directory, which must exist.
func (env *Env) existingDir(f *migrationFlags) (string, error) {
	dir := env.migrationsDir(f)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("migrations directory %s not found (run 'retort init', or pass --dir)", dir)
	}
	return dir, nil
}

func (env *Env) graph(f *migrationFlags) (*migrate.Graph, error) {
	dir, err := env.existingDir(f)
	if err != nil {
		return nil, err
	}
	return retort.LoadGraph(os.DirFS(dir))
}

// migrator opens the database and its migrator.
func (env *Env) migrator(ctx context.Context, f *migrationFlags) (*retort.Migrator, error) {
	dir, err := env.existingDir(f)
	if err != nil {
		return nil, err
	}
	u := env.databaseURL()
	if u == "" {
		return nil, usageError("no database: pass --url, set RETORT_DATABASE_URL or DATABASE_URL, or add url to retort.toml")
	}
	opts := env.options()
	if f.allowChanged {
		opts = append(opts, retort.WithAllowChanged())
	}
	opts = append(opts, retort.WithProgress(func(e migrate.Event) {
		verb := e.Direction.String() + "grade"
		if e.Skipped {
			fmt.Fprintf(env.Stdout, "%s %s %s (already applied by another process)\n", verb, e.Revision, e.Message)
			return
		}
		fmt.Fprintf(env.Stdout, "%s %s %s (%s)\n", verb, e.Revision, e.Message, e.Duration.Round(time.Millisecond))
	}))
	if t, err := retort.ParseURL(u); err == nil && t.Path != "" && !strings.HasPrefix(t.Path, "/") {
		u = "sqlite:" + env.path(t.Path)
	}
	return retort.OpenMigrator(ctx, u, os.DirFS(dir), opts...)
}

// loadDir replays a migrations directory (dir:// source) into a scratch
// database and returns the schema at its heads.
func (env *Env) loadDir(ctx context.Context, s source, d dialect.Dialect) (*schema.Schema, *retort.Database, error) {
	if st, err := os.Stat(env.path(s.loc)); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("migrations directory %s not found", s.loc)
	}
	g, err := retort.LoadGraph(os.DirFS(env.path(s.loc)))
	if err != nil {
		return nil, nil, err
	}
	sch, err := retort.ReplaySchema(ctx, d, g, "heads")
	return sch, nil, err
}

// retortSQL prints a schema as the engine's CREATE statements.
func retortSQL(d dialect.Dialect, s *schema.Schema) (string, error) {
	p, ok := d.(interface{ SQL(*schema.Schema) string })
	if !ok {
		return "", fmt.Errorf("%s: cannot print a schema as SQL", d.Name())
	}
	return p.SQL(s), nil
}

func (env *Env) upgradeCommand() *cobra.Command {
	var mf migrationFlags
	var sqlRange string
	cmd := &cobra.Command{
		Use:   "upgrade [TARGET]",
		Short: "Apply migrations up to TARGET (head, heads, a revision, +N)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "head"
			if len(args) == 1 {
				target = args[0]
			}
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, target, migrate.Up)
			}
			ctx := cmd.Context()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Upgrade(ctx, target)
			if err != nil {
				return err
			}
			if len(res) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to upgrade: the database is at", target+".")
			}
			return nil
		},
	}
	mf.register(cmd)
	cmd.Flags().BoolVar(&mf.allowChanged, "allow-changed", false, "run although applied migration files changed")
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "base"
	return cmd
}

func (env *Env) downgradeCommand() *cobra.Command {
	var mf migrationFlags
	var sqlRange string
	cmd := &cobra.Command{
		Use:   "downgrade TARGET",
		Short: "Revert migrations down to TARGET (a revision, -N, base)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("sql") {
				return env.offline(cmd.Context(), &mf, sqlRange, args[0], migrate.Down)
			}
			ctx := cmd.Context()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Downgrade(ctx, args[0])
			if err != nil {
				return err
			}
			if len(res) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to downgrade.")
			}
			return nil
		},
	}
	mf.register(cmd)
	cmd.Flags().BoolVar(&mf.allowChanged, "allow-changed", false, "run although applied migration files changed")
	cmd.Flags().StringVar(&sqlRange, "sql", "", "print the SQL instead of running it; optional FROM revision (--sql=FROM)")
	cmd.Flags().Lookup("sql").NoOptDefVal = "heads"
	return cmd
}

// offline prints the SQL of an upgrade or downgrade without a database.
// The range is FROM or FROM:TO (TO then overrides the target argument).
func (env *Env) offline(ctx context.Context, mf *migrationFlags, rng, target string, dir migrate.Direction) error {
	from := rng
	if f, t, ok := strings.Cut(rng, ":"); ok {
		from, target = f, t
	}
	if dir == migrate.Down && from == "heads" {
		from = ""
	}
	g, err := env.graph(mf)
	if err != nil {
		return err
	}
	d, err := env.engine()
	if err != nil {
		return err
	}
	return retort.Script(env.Stdout, d, g, from, target, dir)
}

func (env *Env) currentCommand() *cobra.Command {
	var mf migrationFlags
	cmd := &cobra.Command{
		Use:   "current",
		Short: "Print the revision(s) the database is at",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			cur, err := m.Current(ctx)
			if err != nil {
				return err
			}
			heads := map[string]bool{}
			for _, h := range m.Graph().Heads() {
				heads[h] = true
			}
			if env.asJSON {
				type rev struct {
					Revision string `json:"revision"`
					Message  string `json:"message"`
					Head     bool   `json:"head"`
				}
				out := []rev{}
				for _, r := range cur {
					f, _ := m.Graph().Get(r)
					out = append(out, rev{r, f.Message, heads[r]})
				}
				return env.printJSON(out)
			}
			if len(cur) == 0 {
				fmt.Fprintln(env.Stdout, "base (no revision applied)")
			}
			for _, r := range cur {
				f, _ := m.Graph().Get(r)
				mark := ""
				if heads[r] {
					mark = " (head)"
				}
				fmt.Fprintf(env.Stdout, "%s%s %s\n", r, mark, f.Message)
			}
			return nil
		},
	}
	mf.register(cmd)
	return cmd
}

func (env *Env) historyCommand() *cobra.Command {
	var mf migrationFlags
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the revisions, oldest first, with what is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			applied := map[string]migrate.Record{}
			if env.databaseURL() != "" {
				m, err := env.migrator(ctx, &mf)
				if err != nil {
					return err
				}
				defer m.Close()
				recs, err := m.History(ctx)
				if err != nil {
					return err
				}
				for _, r := range recs {
					applied[r.Revision] = r
				}
			}
			type entry struct {
				Revision  string   `json:"revision"`
				Parents   []string `json:"parents"`
				Message   string   `json:"message"`
				File      string   `json:"file"`
				Applied   bool     `json:"applied"`
				AppliedAt string   `json:"applied_at,omitempty"`
				// Partial is "done/total" statements of a partly applied migration.
				Partial string `json:"partial,omitempty"`
			}
			var out []entry
			for _, rev := range g.Revisions() {
				f, _ := g.Get(rev)
				e := entry{Revision: rev, Parents: f.Parents, Message: f.Message, File: f.Name}
				if r, ok := applied[rev]; ok && r.Complete() {
					e.Applied = true
					e.AppliedAt = r.AppliedAt.UTC().Format(time.RFC3339)
				} else if ok {
					e.Partial = fmt.Sprintf("%d/%d", r.Progress, len(f.Up.Statements()))
				}
				out = append(out, e)
			}
			if env.asJSON {
				if out == nil {
					out = []entry{}
				}
				return env.printJSON(out)
			}
			for _, e := range out {
				parents := strings.Join(e.Parents, ",")
				if parents == "" {
					parents = "base"
				}
				state := "pending"
				switch {
				case e.Applied:
					state = "applied"
				case e.Partial != "":
					state = "partial " + e.Partial
				}
				fmt.Fprintf(env.Stdout, "%s -> %s  %-7s  %s\n", parents, e.Revision, state, e.Message)
			}
			return nil
		},
	}
	mf.register(cmd)
	return cmd
}

func (env *Env) headsCommand() *cobra.Command {
	var mf migrationFlags
	cmd := &cobra.Command{
		Use:   "heads",
		Short: "Print the head revisions of the migrations directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			for _, h := range g.Heads() {
				f, _ := g.Get(h)
				fmt.Fprintf(env.Stdout, "%s (head) %s\n", h, f.Message)
			}
			return nil
		},
	}
	mf.register(cmd)
	return cmd
}

func (env *Env) stampCommand() *cobra.Command {
	var mf migrationFlags
	cmd := &cobra.Command{
		Use:   "stamp REV",
		Short: "Record REV (and its ancestors) as applied without running anything",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			mf.allowChanged = true
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Stamp(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Stamped %s.\n", args[0])
			return nil
		},
	}
	mf.register(cmd)
	return cmd
}

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
	fmt.Fprintf(env.Stdout, "Created %s\n", rel)
	return nil
}

func revisionTime(revID string) (time.Time, error) {
	if revID == "" {
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
	var message, schemaPath, revID string
	var auto bool
	cmd := &cobra.Command{
		Use:   "revision -m MSG [--autogenerate]",
		Short: "Create a migration (with --autogenerate: from schema.sql vs the migrations' head)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if message == "" {
				return usageError("revision needs -m MSG")
			}
			ctx := cmd.Context()
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			now, err := revisionTime(revID)
			if err != nil {
				return err
			}
			if !auto {
				heads := g.Heads()
				if len(heads) > 1 {
					return &migrate.MultipleHeadsError{Heads: heads}
				}
				rev := now.UTC().Format("20060102150405")
				if _, taken := g.Get(rev); taken {
					return fmt.Errorf("revision %s already exists", rev)
				}
				return env.writeMigration(&mf, migrate.NewFile(rev, heads, message, migrate.Section{}, migrate.Section{}))
			}
			d, err := env.engine()
			if err != nil {
				return err
			}
			if schemaPath == "" {
				schemaPath = env.cfg.Schema
			}
			data, err := os.ReadFile(env.path(schemaPath))
			if err != nil {
				return fmt.Errorf("read schema: %w", err)
			}
			desired, err := retort.LoadSQL(ctx, d, schemaPath, string(data))
			if err != nil {
				return err
			}
			f, err := retort.Autogenerate(ctx, d, g, desired, message, now, retort.WithExclude(env.cfg.Exclude...))
			if err != nil {
				return err
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
	cmd.Flags().StringVar(&schemaPath, "schema", "", "desired schema file (default: retort.toml's schema, else schema.sql)")
	cmd.Flags().StringVar(&revID, "rev-id", "", "revision id to use instead of the current time (YYYYMMDDHHMMSS)")
	return cmd
}

func (env *Env) mergeCommand() *cobra.Command {
	var mf migrationFlags
	var message, revID string
	cmd := &cobra.Command{
		Use:   "merge -m MSG",
		Short: "Create a migration that joins every head",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if message == "" {
				return usageError("merge needs -m MSG")
			}
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			now, err := revisionTime(revID)
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

func (env *Env) checkCommand() *cobra.Command {
	var mf migrationFlags
	var schemaPath string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Exit 1 when the migrations' head or the database differs from schema.sql",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if schemaPath == "" {
				schemaPath = env.cfg.Schema
			}
			data, err := os.ReadFile(env.path(schemaPath))
			if err != nil {
				return fmt.Errorf("read schema: %w", err)
			}
			var rep *retort.CheckReport
			if env.databaseURL() != "" {
				m, err := env.migrator(ctx, &mf)
				if err != nil {
					return err
				}
				defer m.Close()
				desired, err := m.Database().LoadSQL(ctx, schemaPath, string(data))
				if err != nil {
					return err
				}
				if rep, err = m.Check(ctx, desired); err != nil {
					return err
				}
			} else {
				g, err := env.graph(&mf)
				if err != nil {
					return err
				}
				d, err := env.engine()
				if err != nil {
					return err
				}
				desired, err := retort.LoadSQL(ctx, d, schemaPath, string(data))
				if err != nil {
					return err
				}
				head, err := retort.ReplaySchema(ctx, d, g, "heads")
				if err != nil {
					return err
				}
				plan, err := retort.PlanSchemas(ctx, d, head, desired, env.options()...)
				if err != nil {
					return err
				}
				rep = &retort.CheckReport{Migrations: plan.Summary()}
			}
			if env.asJSON {
				if err := env.printJSON(map[string]any{"ok": rep.OK(), "report": rep}); err != nil {
					return err
				}
				if !rep.OK() {
					return &findingsError{}
				}
				return nil
			}
			if rep.OK() {
				fmt.Fprintf(env.Stdout, "OK: migrations and database match %s.\n", schemaPath)
				return nil
			}
			if len(rep.Migrations) > 0 {
				fmt.Fprintf(env.Stdout, "The migrations' head differs from %s (run 'retort revision --autogenerate'):\n", schemaPath)
				for _, l := range rep.Migrations {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			if len(rep.Pending) > 0 {
				fmt.Fprintln(env.Stdout, "The database is not at head; pending migrations (run 'retort upgrade'):")
				for _, l := range rep.Pending {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			if len(rep.Database) > 0 {
				fmt.Fprintf(env.Stdout, "The database differs from %s (changed outside migrations?):\n", schemaPath)
				for _, l := range rep.Database {
					fmt.Fprintf(env.Stdout, "  %s\n", l)
				}
			}
			return &findingsError{}
		},
	}
	mf.register(cmd)
	cmd.Flags().StringVar(&schemaPath, "schema", "", "desired schema file (default: retort.toml's schema, else schema.sql)")
	return cmd
}
