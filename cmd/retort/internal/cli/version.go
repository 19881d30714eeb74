package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// bugURL is where bug reports go.
const bugURL = "https://github.com/retortdb/retort/issues"

// moduleVersion returns the version of the retort module in this binary
// ("(devel)" for a build from a clone).
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(unknown)"
	}
	return bi.Main.Version
}

// versionInfo is what `retort version` reports, from the build info.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: moduleVersion()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// versionString is the one line --version and `retort version` print.
func versionString() string {
	v := buildVersion()
	s := v.Version
	if v.Commit != "" {
		s += " (commit " + v.Commit
		if v.Modified {
			s += ", modified"
		}
		if v.Time != "" {
			s += ", " + v.Time
		}
		s += ")"
	}
	if v.Go != "" {
		s += " " + v.Go
	}
	return s
}

func (env *Env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print retort's version and the commit it was built from",
		Args:    cobra.NoArgs,
		Example: "  retort version\n  retort version --json\n  retort --version",
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.asJSON {
				return env.printJSON(buildVersion())
			}
			_, err := fmt.Fprintf(env.Stdout, "retort %s\n", versionString())
			return err
		},
	}
}
