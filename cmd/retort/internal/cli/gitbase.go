package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// gitAdded returns the paths below dir of the files of dir (a directory in a
// git work tree) that were added since ref: in the commits after the merge
// base of ref and HEAD, in the index or work tree, or untracked. git runs
// as a subprocess; a dir outside a work tree and an unknown ref are errors
// that say so.
func gitAdded(ctx context.Context, dir, ref string) (map[string]bool, error) {
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errb.String()))
			}
			return "", fmt.Errorf("--git-base needs git: %w", err)
		}
		return out.String(), nil
	}
	if out, err := run("rev-parse", "--is-inside-work-tree"); err != nil || strings.TrimSpace(out) != "true" {
		return nil, fmt.Errorf("--git-base %s: %s is not in a git work tree", ref, dir)
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("--git-base %s: not a git ref", ref)
	}
	if _, err := run("rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("--git-base %s: unknown git ref (fetch it first, e.g. git fetch origin main)", ref)
	}
	base, err := run("merge-base", ref, "HEAD")
	if err != nil {
		return nil, fmt.Errorf("--git-base %s: %w", ref, err)
	}
	changed, err := run("diff", "--name-only", "--no-renames", "--diff-filter=A", "-z", "--relative", strings.TrimSpace(base), "--", ".")
	if err != nil {
		return nil, err
	}
	untracked, err := run("ls-files", "--others", "--exclude-standard", "-z", "--", ".")
	if err != nil {
		return nil, err
	}
	added := map[string]bool{}
	for _, name := range strings.Split(changed+untracked, "\x00") {
		if name != "" {
			added[name] = true
		}
	}
	return added, nil
}
