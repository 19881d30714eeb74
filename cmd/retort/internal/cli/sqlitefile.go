package cli

import (
	"errors"
	"fmt"
	"github.com/retortdb/retort/internal/editdist"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/retortdb/retort"
)

// sqlitePath makes the file of a SQLite URL absolute (relative to the
// configuration file's directory for the configuration's own url, to the
// working directory otherwise) and, with mustExist, refuses a file that
// does not exist, naming files with similar names: only the commands that
// build a database (upgrade, apply, stamp) may create one.
func (env *Env) sqlitePath(u string, mustExist bool) (string, error) {
	t, err := retort.ParseURL(u)
	if err != nil || t.Path == "" {
		return u, nil
	}
	path := t.Path
	if !filepath.IsAbs(path) {
		if u == env.cfg.URL && env.dbFrom == env.cfgName {
			path = env.cfgPath(path)
		} else {
			path = env.path(path)
		}
		u = "sqlite:" + path + queryOf(t)
	}
	if !mustExist {
		return u, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		msg := fmt.Sprintf("sqlite: database file %s does not exist (only upgrade, apply and stamp create one)", t.Path)
		if similar := similarFiles(path); len(similar) > 0 {
			msg += "; did you mean " + strings.Join(similar, " or ") + "?"
		}
		return "", errors.New(msg)
	}
	return u, nil
}

// similarFiles returns up to three database files next to path whose names
// without extension are within a few edits of its own (one per three
// letters, plus one).
func similarFiles(path string) []string {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return nil
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == base {
			continue
		}
		nameStem := strings.TrimSuffix(name, filepath.Ext(name))
		if isDatabaseFile(name) && editdist.Distance(strings.ToLower(nameStem), strings.ToLower(stem)) <= len(stem)/3+1 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// isDatabaseFile reports whether name looks like a SQLite database file.
func isDatabaseFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".db", ".sqlite", ".sqlite3", ".db3":
		return true
	}
	return false
}
