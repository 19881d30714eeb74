package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retortdb/retort"
)

func (env *Env) completionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish|powershell",
		Short:     "Print the shell completion script (revision ids included)",
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Example: `  source <(retort completion bash)
  retort completion zsh > "${fpath[1]}/_retort"
  retort completion fish > ~/.config/fish/completions/retort.fish
  retort completion powershell | Out-String | Invoke-Expression`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(env.Stdout, true)
			case "zsh":
				return root.GenZshCompletion(env.Stdout)
			case "fish":
				return root.GenFishCompletion(env.Stdout, true)
			}
			return root.GenPowerShellCompletionWithDesc(env.Stdout)
		},
	}
}

// completeRevisions completes a revision argument with the revisions of
// the migrations directory (and the symbolic targets).
func (env *Env) completeRevisions(mf *migrationFlags, symbolic ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if env.cfg == nil {
			if err := env.loadConfig(cmd.Flags().Changed("config")); err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		out := []string{}
		for _, s := range symbolic {
			if strings.HasPrefix(s, toComplete) {
				out = append(out, s)
			}
		}
		g, err := retort.LoadGraph(os.DirFS(env.migrationsDir(mf)))
		if err != nil {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		for _, rev := range g.Revisions() {
			if strings.HasPrefix(rev, toComplete) {
				f, _ := g.Get(rev)
				out = append(out, rev+"\t"+f.Message)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
