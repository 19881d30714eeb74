package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort/migrate"
)

func (env *Env) currentCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "current",
		Short: "Print the revision(s) the database is at",
		Args:  cobra.NoArgs,
		Example: `  retort current
  retort current --url sqlite:app.db --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, fleetCurrent("current"))
			}
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			recs, err := m.History(ctx)
			if err != nil {
				return err
			}
			cur, err := m.Current(ctx)
			if err != nil {
				return err
			}
			heads := map[string]bool{}
			for _, h := range m.Graph().Heads() {
				heads[h] = true
			}
			messages := map[string]string{}
			for _, r := range recs {
				messages[r.Revision] = r.Message
			}
			type rev struct {
				Revision     string `json:"revision"`
				Message      string `json:"message"`
				Head         bool   `json:"head"`
				InMigrations bool   `json:"in_migrations"`
			}
			out := []rev{}
			for _, r := range cur {
				e := rev{Revision: r, Message: messages[r], Head: heads[r]}
				if f, ok := m.Graph().Get(r); ok {
					e.Message, e.InMigrations = f.Message, true
				}
				out = append(out, e)
			}
			if unknown := migrate.UnknownRevisions(m.Graph(), recs); unknown != nil {
				fmt.Fprintf(env.Stderr, "retort: warning: %v\n", unknown)
			}
			if env.asJSON {
				return env.printJSON(out)
			}
			if len(out) == 0 {
				fmt.Fprintln(env.Stdout, "base (no revision applied)")
			}
			for _, r := range out {
				mark := ""
				switch {
				case !r.InMigrations:
					mark = " " + notInMigrations
				case r.Head:
					mark = " (head)"
				}
				fmt.Fprintf(env.Stdout, "%s%s %s\n", r.Revision, mark, r.Message)
			}
			return nil
		},
	}
	mf.register(cmd)
	ff.register(cmd, false)
	return cmd
}

// notInMigrations marks an applied revision the migrations directory lacks.
const notInMigrations = "(not in migrations/)"

func (env *Env) historyCommand() *cobra.Command {
	var mf migrationFlags
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:     "history",
		Aliases: []string{"status"},
		Short:   "List the revisions, oldest first, with what is applied",
		Args:    cobra.NoArgs,
		Example: `  retort history
  retort status --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ff.active() {
				return env.runFleet(ctx, &ff, &mf, fleetCurrent("history"))
			}
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			statuses := migrate.Statuses(g, nil)
			if env.databaseURL() != "" {
				m, err := env.migrator(ctx, &mf)
				if err != nil {
					return err
				}
				defer m.Close()
				if statuses, err = m.Status(ctx); err != nil {
					return err
				}
			}
			out := historyEntries(statuses)
			if env.asJSON {
				if out == nil {
					out = []historyEntry{}
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
				mark := ""
				switch {
				case !e.InMigrations:
					mark = "  " + notInMigrations
				case e.Changed:
					mark = "  (changed since applied)"
				}
				if e.Go != nil {
					mark += "  (Go, run by " + e.Go.Program + ")"
				}
				fmt.Fprintf(env.Stdout, "%s -> %s  %-7s  %s%s\n", parents, e.Revision, state, e.Message, mark)
			}
			if missing := missingRevisions(statuses); missing != nil {
				fmt.Fprintf(env.Stderr, "retort: warning: %v\n", missing)
			}
			return nil
		},
	}
	mf.register(cmd)
	ff.register(cmd, false)
	return cmd
}

// historyEntry is one line of history (docs/json.md).
type historyEntry struct {
	Revision  string   `json:"revision"`
	Parents   []string `json:"parents"`
	Message   string   `json:"message"`
	File      string   `json:"file"`
	Applied   bool     `json:"applied"`
	AppliedAt string   `json:"applied_at,omitempty"`
	// Partial is "done/total" statements of a partly applied migration.
	Partial string `json:"partial,omitempty"`
	// Changed reports an applied file edited since it was applied.
	Changed bool `json:"changed"`
	// InMigrations is false for a revision the database has applied that
	// the migrations directory lacks.
	InMigrations bool `json:"in_migrations"`
	// Go describes a Go migration (its placeholder's -- retort:go line).
	Go *goJSON `json:"go,omitempty"`
}

// goJSON describes a Go migration in --json output.
type goJSON struct {
	Version string `json:"version"`
	Program string `json:"program"`
}

// historyEntries renders the migrations' states as history's entries.
func historyEntries(statuses []migrate.Status) []historyEntry {
	var out []historyEntry
	for _, s := range statuses {
		e := historyEntry{Revision: s.Revision, Parents: s.Parents, Message: s.Message, File: s.File,
			Changed: s.Changed, InMigrations: !s.Missing}
		if e.Parents == nil {
			e.Parents = []string{}
		}
		if s.Go != nil {
			e.Go = &goJSON{Version: s.Go.Version, Program: s.Go.Program}
		}
		switch s.State {
		case migrate.StateApplied:
			e.Applied = true
			e.AppliedAt = s.AppliedAt.UTC().Format(time.RFC3339)
		case migrate.StatePartial:
			total := "?"
			if !s.Missing {
				total = strconv.Itoa(s.Total)
			}
			e.Partial = fmt.Sprintf("%d/%s", s.Done, total)
		}
		out = append(out, e)
	}
	return out
}

// missingRevisions returns the *migrate.MissingRevisionError that the
// revisions among statuses that the directory lacks make, or nil.
func missingRevisions(statuses []migrate.Status) error {
	var recs []migrate.Record
	for _, s := range statuses {
		if s.Missing {
			recs = append(recs, migrate.Record{Revision: s.Revision, Parents: s.Parents, Message: s.Message})
		}
	}
	if recs == nil {
		return nil
	}
	return &migrate.MissingRevisionError{Records: recs}
}

func (env *Env) headsCommand() *cobra.Command {
	var mf migrationFlags
	cmd := &cobra.Command{
		Use:     "heads",
		Short:   "Print the head revisions of the migrations directory",
		Args:    cobra.NoArgs,
		Example: "  retort heads\n  retort heads --dir db/migrations --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := env.graph(&mf)
			if err != nil {
				return err
			}
			if env.asJSON {
				type head struct {
					Revision string `json:"revision"`
					Message  string `json:"message"`
					File     string `json:"file"`
				}
				out := []head{}
				for _, h := range g.Heads() {
					f, _ := g.Get(h)
					out = append(out, head{h, f.Message, f.Name})
				}
				return env.printJSON(out)
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
		Example: `  retort stamp head                 # the database was built by other means
  retort stamp 20261125100000       # record where the database really is
  retort stamp base                 # empty the version table`,
		ValidArgsFunction: env.completeRevisions(&mf, "head", "heads", "base"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			mf.allowChanged, mf.create = true, true
			env.announce()
			m, err := env.migrator(ctx, &mf)
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Stamp(ctx, args[0]); err != nil {
				return err
			}
			if env.asJSON {
				return env.printJSON(map[string]string{"stamped": args[0]})
			}
			fmt.Fprintf(env.Stdout, "Stamped %s.\n", args[0])
			return nil
		},
	}
	mf.register(cmd)
	return cmd
}
