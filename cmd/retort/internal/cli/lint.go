package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
)

// lintFlags are retort lint's own flags.
type lintFlags struct {
	latest  int
	gitBase string
	format  string
}

func (env *Env) lintCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	var lf lintFlags
	cmd := &cobra.Command{
		Use:   "lint [--dir migrations]",
		Short: "Analyze pending migrations (all of them without a database); exit 1 on unacknowledged errors",
		Long: `Analyze migrations before they run. Each finding has a code, a severity
(error, warning, info) and a hint; docs/lint.md lists the rules. The
migrations are replayed in a scratch database to see what each one does to
the schema; with a database (--url) only pending migrations are analyzed, and
the rows that would make a migration fail (duplicates, NULLs, orphans, rows a
new CHECK rejects) are counted.

Exit 1 only on findings of severity error that no "-- retort:nolint CODE"
comment (on the statement, or in the file's header) and, for destructive
ones, no "-- retort: destructive" mark acknowledges; 0 otherwise; 2 when the
lint could not run. An unreachable database skips the counts with a warning.`,
		Args: cobra.NoArgs,
		Example: `  retort lint                       # pending migrations of the configured database
  retort lint --git-base origin/main --format github   # in CI: the files a pull request adds
  retort lint --latest 1 --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, env.fleetLint())
			}
			return env.runLint(ctx, &mf, &lf)
		},
	}
	mf.register(cmd)
	mf.registerAllowChanged(cmd)
	ff.register(cmd, false)
	cmd.Flags().IntVar(&lf.latest, "latest", 0, "analyze only the latest N migrations (of those selected)")
	cmd.Flags().StringVar(&lf.gitBase, "git-base", "", "analyze only the migration files added since git ref REF")
	cmd.Flags().StringVar(&lf.format, "format", "text", "output format: text or github (GitHub Actions annotations); --json gives JSON")
	return cmd
}

func (env *Env) runLint(ctx context.Context, mf *migrationFlags, lf *lintFlags) error {
	if lf.format != "text" && lf.format != "github" {
		return usageError(fmt.Sprintf("--format %q: want text or github", lf.format))
	}
	if lf.latest < 0 {
		return usageError("--latest must be 1 or more")
	}
	g, err := env.graph(mf)
	if err != nil {
		return err
	}
	files, db, err := env.lintFiles(ctx, mf, g)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	if files, err = env.selectFiles(ctx, mf, lf, g, files); err != nil {
		return err
	}
	d, err := env.lintDialect(db)
	if err != nil {
		return err
	}
	passes, err := retort.LintPasses(ctx, d, g, files)
	if err != nil {
		env.warnf("the migrations could not be replayed in a scratch database, so the rules that read their effect on the schema were skipped: %v", err)
	}
	diags := lint.Run(passes, lint.Analyzers()...)
	if db != nil {
		notes, err := lint.Measure(ctx, db.DB(), d.Quote, diags)
		if err != nil {
			env.warnf("rows not counted: %v", err)
		}
		for _, n := range notes {
			env.warnf("%s", n)
		}
	}
	if err := env.printLint(mf, lf, diags, len(files)); err != nil {
		return err
	}
	if lint.Failing(diags) {
		return &findingsError{}
	}
	return nil
}

func (env *Env) warnf(format string, args ...any) {
	fmt.Fprintf(env.Stderr, "retort: warning: "+format+"\n", args...)
}

// lintFiles returns the migrations to analyze: the pending ones of the
// configured database, which it returns open, else all of them. A database
// that cannot be reached is a warning: every migration is analyzed,
// without the row counts.
func (env *Env) lintFiles(ctx context.Context, mf *migrationFlags, g *migrate.Graph) ([]*migrate.File, *retort.Database, error) {
	if env.databaseURL() != "" {
		m, err := env.migrator(ctx, mf)
		var ce *retort.ConnectError
		switch {
		case errors.As(err, &ce):
			env.warnf("%v; analyzing every migration, without counting rows", err)
		case err != nil:
			return nil, nil, err
		default:
			files, err := m.Pending(ctx)
			if err != nil {
				m.Close()
				return nil, nil, err
			}
			return files, m.Database(), nil
		}
	}
	var files []*migrate.File
	for _, rev := range g.Revisions() {
		f, _ := g.Get(rev)
		files = append(files, f)
	}
	return files, nil, nil
}

// selectFiles narrows files to those --git-base and --latest select.
func (env *Env) selectFiles(ctx context.Context, mf *migrationFlags, lf *lintFlags, g *migrate.Graph, files []*migrate.File) ([]*migrate.File, error) {
	if lf.gitBase != "" {
		dir, err := env.existingDir(mf)
		if err != nil {
			return nil, err
		}
		added, err := gitAdded(ctx, dir, lf.gitBase)
		if err != nil {
			return nil, err
		}
		files = slices.DeleteFunc(files, func(f *migrate.File) bool { return !added[f.Name] })
	}
	if lf.latest > 0 && len(files) > lf.latest {
		files = files[len(files)-lf.latest:]
	}
	return files, nil
}

// lintDialect returns the engine to replay the migrations with: the
// database's, else the configured one (its scratch databases go to
// --dev-url's server).
func (env *Env) lintDialect(db *retort.Database) (dialect.Dialect, error) {
	if db != nil {
		return db.Dialect(), nil
	}
	if u := env.devURLValue(); u != "" {
		return retort.DialectFor(u, env.engineOptions()...)
	}
	return retort.NewDialect(env.dialectHint(), env.engineOptions()...)
}

// printLint writes the findings in the chosen format.
func (env *Env) printLint(mf *migrationFlags, lf *lintFlags, diags []lint.Diagnostic, files int) error {
	switch {
	case env.asJSON:
		if diags == nil {
			diags = []lint.Diagnostic{}
		}
		return env.printJSON(diags)
	case lf.format == "github":
		dir := env.migrationsDir(mf)
		for _, d := range diags {
			writeAnnotation(env.Stdout, env.relPath(filepath.Join(dir, d.File)), d)
		}
	default:
		for _, d := range diags {
			fmt.Fprintln(env.Stdout, d.String())
		}
	}
	if len(diags) == 0 {
		fmt.Fprintf(env.Stdout, "No findings in %d migration(s).\n", files)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s in %d migration(s).\n", lintSummary(diags), files)
	return nil
}

// lintSummary counts findings by severity: "3 finding(s): 1 error(s), 2
// warning(s) (1 acknowledged)".
func lintSummary(diags []lint.Diagnostic) string {
	count := map[lint.Severity]int{}
	acked := 0
	for _, d := range diags {
		count[d.Severity]++
		if d.Acknowledged != "" {
			acked++
		}
	}
	var parts []string
	for _, s := range []lint.Severity{lint.Error, lint.Warning, lint.Info} {
		if count[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s(s)", count[s], s))
		}
	}
	out := fmt.Sprintf("%d finding(s): %s", len(diags), strings.Join(parts, ", "))
	if acked > 0 {
		out += fmt.Sprintf(" (%d acknowledged)", acked)
	}
	return out
}

// relPath returns p relative to the working directory when it is below it.
func (env *Env) relPath(p string) string {
	if rel, err := filepath.Rel(env.Dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

// writeAnnotation writes d as a GitHub Actions workflow command:
// "::error file=…,line=…,title=RT101::message". Acknowledged findings
// and infos are notices, warnings warnings.
func writeAnnotation(w io.Writer, path string, d lint.Diagnostic) {
	level := "notice"
	switch {
	case d.Acknowledged != "":
	case d.Severity == lint.Error:
		level = "error"
	case d.Severity == lint.Warning:
		level = "warning"
	}
	msg := d.Message + "\nhint: " + d.Hint
	if d.Acknowledged != "" {
		msg += "\nacknowledged: " + d.Acknowledged
	}
	fmt.Fprintf(w, "::%s file=%s,line=%d,title=%s::%s\n", level, escapeProperty(path), d.Line,
		escapeProperty(d.Code+" "+d.Severity.String()), escapeData(msg))
}

// escapeData escapes a workflow command's message as the Actions runner
// reads it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
