package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// errorCode names the kind of err for --json output (docs/json.md lists
// the codes; they are stable).
func errorCode(err error) string {
	var (
		urlErr   *retort.URLError
		destr    *retort.DestructiveError
		unman    *retort.UnmanagedError
		changed  *migrate.ChangedError
		unknown  *migrate.MissingRevisionError
		heads    *migrate.MultipleHeadsError
		unkRev   *migrate.UnknownRevisionError
		ambig    *migrate.AmbiguousRevisionError
		stmt     *migrate.StmtError
		parse    *migrate.ParseError
		partial  *migrate.PartlyAppliedError
		irrevers *migrate.IrreversibleError
		findings *findingsError
		usage    *usageErr
		guess    *retort.RenameGuessError
		goMig    *migrate.GoMigrationError
	)
	var bug *panicError
	switch {
	case errors.As(err, &bug):
		return "internal"
	case errors.As(err, &usage):
		return "usage"
	case errors.As(err, &findings):
		return "findings"
	case errors.As(err, &destr):
		return "destructive"
	case errors.As(err, &unman):
		return "unmanaged"
	case errors.As(err, &guess):
		return "rename_guess"
	case errors.As(err, &urlErr):
		return "url"
	case errors.As(err, &changed):
		return "changed_migration"
	case errors.As(err, &unknown):
		return "applied_revision_not_in_migrations"
	case errors.As(err, &heads):
		return "multiple_heads"
	case errors.As(err, &unkRev), errors.As(err, &ambig):
		return "unknown_revision"
	case errors.As(err, &stmt):
		return "statement_failed"
	case errors.As(err, &parse):
		return "migration_file"
	case errors.As(err, &partial):
		return "partly_applied"
	case errors.As(err, &irrevers):
		return "irreversible"
	case errors.As(err, &goMig):
		return "go_migration"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case strings.HasPrefix(err.Error(), "connect to "):
		return "connect"
	}
	return "error"
}

// printError writes err as one JSON object on stdout:
// {"error": {"code": "...", "message": "..."}}.
func (env *Env) printError(err error, code string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Exit    int    `json:"exit_code"`
	}
	exit := exitCode(err)
	if code == "internal" {
		exit = ExitError
	}
	_ = env.printJSON(map[string]body{"error": {Code: code, Message: err.Error(), Exit: exit}})
}
