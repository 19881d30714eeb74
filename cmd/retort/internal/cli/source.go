package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// source is a schema named on the command line: a database URL,
// file://schema.sql, dir://migrations or exec://CMD (schemacmd.go).
type source struct {
	raw  string
	kind string // "url", "file", "dir", "exec"
	loc  string
	argv []string // exec: the program and its arguments
}

func parseSource(raw string) (source, error) {
	switch {
	case raw == "":
		return source{}, usageError("empty source")
	case strings.HasPrefix(raw, "file://"):
		return source{raw: raw, kind: "file", loc: strings.TrimPrefix(raw, "file://")}, nil
	case strings.HasPrefix(raw, "dir://"):
		return source{raw: raw, kind: "dir", loc: strings.TrimPrefix(raw, "dir://")}, nil
	case strings.HasPrefix(raw, "exec://"):
		argv, err := splitArgs(strings.TrimPrefix(raw, "exec://"))
		if err != nil {
			return source{}, usageError(fmt.Sprintf("source %q: %v (exec://CMD ARGS…: split at blanks, quoted as in a shell, never run by one)", raw, err))
		}
		return source{raw: raw, kind: "exec", argv: argv}, nil
	}
	if _, err := retort.ParseURL(raw); err != nil {
		return source{}, fmt.Errorf("source %q: want a database URL, file://schema.sql, dir://migrations or exec://CMD: %w", retort.Redact(raw), err)
	}
	return source{raw: raw, kind: "url", loc: raw}, nil
}

// engineFor returns the engine the sources should be read with: that of
// the first database URL among them (scratch databases go to its server),
// else the configured one.
func (env *Env) engineFor(srcs ...source) (dialect.Dialect, error) {
	for _, s := range srcs {
		if s.kind == "url" {
			return retort.DialectFor(s.raw, env.engineOptions()...)
		}
	}
	return env.engine()
}

// engine returns the engine of the configured database, else of the
// configured dialect (SQLite by default).
func (env *Env) engine() (dialect.Dialect, error) {
	if u := env.databaseURL(); u != "" {
		if env.dbErr != nil {
			return nil, env.dbErr
		}
		return retort.DialectFor(u, env.engineOptions()...)
	}
	return retort.NewDialect(env.dialectHint(), env.engineOptions()...)
}

// load returns the schema a source describes. For a database URL it also
// returns the open database, which the caller closes.
func (env *Env) load(ctx context.Context, s source, d dialect.Dialect) (*schema.Schema, *retort.Database, error) {
	switch s.kind {
	case "url":
		db, err := env.openURL(ctx, s.raw, true)
		if err != nil {
			return nil, nil, err
		}
		sch, err := db.Inspect(ctx)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return sch, db, nil
	case "file":
		data, err := os.ReadFile(env.path(s.loc))
		if err != nil {
			return nil, nil, fmt.Errorf("read schema: %w", err)
		}
		sch, err := retort.LoadSQL(ctx, d, s.loc, string(data))
		return sch, nil, err
	case "dir":
		return env.loadDir(ctx, s, d)
	case "exec":
		name, src, err := env.runSchemaCmd(ctx, s.argv, env.Dir, d.Name())
		if err != nil {
			return nil, nil, err
		}
		sch, err := retort.LoadSQL(ctx, d, name, src)
		return sch, nil, err
	}
	return nil, nil, usageError("unknown source " + s.raw)
}
