package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort/migrate"
)

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
