package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// A schema program (--to exec://CMD, retort.toml's schema_cmd) prints the
// desired schema as SQL on its standard output: an ORM's models, a
// template, anything. retort runs it with RETORT_DIALECT set to the engine
// the SQL is for (sqlite, postgres or mysql), without a shell, and loads
// what it prints as it loads a schema file.

// splitArgs splits the command of an exec:// source into its arguments
// without a shell: arguments are separated by blanks; 'single quotes'
// keep everything up to the next single quote; "double quotes" keep
// everything up to the next unescaped double quote, where \" and \\
// stand for " and \; outside quotes a backslash keeps the next character.
// Nothing is expanded: no variables, globs, pipes or redirections.
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inArg = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inArg = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("backslash at the end")
			}
			i++
			cur.WriteByte(s[i])
			inArg = true
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("no command")
	}
	return args, nil
}

// SchemaCmdError is a schema program that could not be started or that
// exited non-zero; Stderr is what it wrote on its standard error.
type SchemaCmdError struct {
	Cmd      string // the command as shown to the user
	ExitCode int    // -1 when it did not start or was killed
	Stderr   string
	Err      error
}

func (e *SchemaCmdError) Error() string {
	var b strings.Builder
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, "schema program %s failed with exit code %d", e.Cmd, e.ExitCode)
	} else {
		fmt.Fprintf(&b, "schema program %s: %v", e.Cmd, e.Err)
	}
	if msg := strings.TrimRight(e.Stderr, "\n"); msg != "" {
		const max = 4000
		if len(msg) > max {
			msg = "…" + msg[len(msg)-max:]
		}
		b.WriteString("; its standard error:\n")
		b.WriteString(msg)
	}
	return b.String()
}

// Unwrap returns the cause (an *exec.ExitError, or why it did not start).
func (e *SchemaCmdError) Unwrap() error { return e.Err }

// cmdName is how a schema program is named in messages.
func cmdName(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// runSchemaCmd runs the schema program argv in dir with RETORT_DIALECT set
// to engine and returns its standard output and the name its SQL is known
// by in errors ("CMD (stdout)", so that a bad statement is reported as
// "CMD (stdout):LINE: …"). What the program writes on its standard error
// is passed on when it succeeds, and reported when it fails.
func (env *Env) runSchemaCmd(ctx context.Context, argv []string, dir, engine string) (name, src string, err error) {
	name = cmdName(argv)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RETORT_DIALECT="+engine)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		code := -1
		var xe *exec.ExitError
		if errors.As(err, &xe) && xe.Exited() {
			code = xe.ExitCode()
		}
		return "", "", &SchemaCmdError{Cmd: name, ExitCode: code, Stderr: stderr.String(), Err: err}
	}
	if stderr.Len() > 0 {
		env.Stderr.Write(stderr.Bytes())
	}
	return name + " (stdout)", stdout.String(), nil
}

// desiredSQL returns the desired schema of revision --autogenerate and
// check, as SQL for the engine called engine, and the name it goes by:
// --schema FILE when given, else retort.toml's schema_cmd when set, else
// its schema file.
func (env *Env) desiredSQL(ctx context.Context, schemaFlag, engine string) (name, src string, err error) {
	if schemaFlag == "" && len(env.cfg.SchemaCmd) > 0 {
		return env.runSchemaCmd(ctx, env.cfg.SchemaCmd, env.cfgDir, engine)
	}
	name, readPath := schemaFlag, env.path(schemaFlag)
	if schemaFlag == "" {
		name, readPath = env.cfg.Schema, env.cfgPath(env.cfg.Schema)
	}
	data, err := os.ReadFile(readPath)
	if err != nil {
		return "", "", fmt.Errorf("read schema: %w", err)
	}
	return name, string(data), nil
}
