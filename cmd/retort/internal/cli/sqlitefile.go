package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/retortdb/retort"
)

// sqlitePath makes the file of a SQLite URL absolute (relative to the
// configuration file's directory for the configuration's own url, to the
// working directory otherwise).
func (env *Env) sqlitePath(u string) string {
	t, err := retort.ParseURL(u)
	if err != nil || t.Path == "" {
		return u
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
	return u
}

// missingFile says, for the library's *retort.MissingDatabaseError about
// the database at u (as the user wrote it), that only the commands that
// build a database (upgrade, apply and stamp) create one; any other error
// is returned as it is.
func missingFile(err error, u string) error {
	var me *retort.MissingDatabaseError
	if !errors.As(err, &me) {
		return err
	}
	path := me.Path
	if t, perr := retort.ParseURL(u); perr == nil && t.Path != "" {
		path = t.Path
	}
	msg := fmt.Sprintf("sqlite: database file %s does not exist (only upgrade, apply and stamp create one)", path)
	if len(me.Similar) > 0 {
		msg += "; did you mean " + strings.Join(me.Similar, " or ") + "?"
	}
	return errors.New(msg)
}
