package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// defaultWait is how long "retort wait" and a bare --wait wait for a server.
const defaultWait = "60s"

func (env *Env) waitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "wait",
		Short: "Wait until the database server answers (up to --wait, default " + defaultWait + ")",
		Long: "Wait connects to the database, retrying while the server refuses connections or does not\n" +
			"answer (it is starting), and exits 0 as soon as it answers, 2 when --wait runs out.",
		Example: "  retort wait\n  retort wait --wait=2m && retort upgrade",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("wait") {
				if err := cmd.Flags().Set("wait", defaultWait); err != nil {
					return err
				}
			}
			db, err := env.openDatabase(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer db.Close()
			if !env.quiet {
				fmt.Fprintf(env.Stderr, "retort: %s answers\n", db)
			}
			return nil
		},
	}
}
