package retort

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/retortdb/retort/internal/editdist"
)

// MissingDatabaseError is a SQLite database file that does not exist,
// given to Open or OpenMigrator with MustExist.
type MissingDatabaseError struct {
	// Path is the file's path as the URL names it.
	Path string
	// Similar are up to three database files next to it whose names are
	// within a few edits of its own (a typo?).
	Similar []string
}

func (e *MissingDatabaseError) Error() string {
	msg := "sqlite: database file " + e.Path + " does not exist"
	if len(e.Similar) > 0 {
		msg += "; did you mean " + strings.Join(e.Similar, " or ") + "?"
	}
	return msg
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
