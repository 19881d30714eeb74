package dialect

import (
	"context"
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// LoadError is a statement of a schema file that the scratch database
// rejected, or a file that could not be split into statements.
type LoadError struct {
	File string
	Line int
	Err  error
}

func (e *LoadError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the engine's error.
func (e *LoadError) Unwrap() error { return e.Err }

// refused lists statements that have no place in a schema file and could
// reach outside the scratch database.
var refused = map[string]bool{"ATTACH": true, "DETACH": true, "VACUUM": true}

// Load executes the SQL script src (named file in errors) statement by
// statement on q, which must be a scratch database. The first failing
// statement stops it with a *LoadError naming the file and the line.
func Load(ctx context.Context, q Querier, file, src string) error {
	stmts, err := sqlsplit.Split(src, sqlsplit.Options{DollarQuotes: true})
	if err != nil {
		if se, ok := err.(*sqlsplit.Error); ok {
			return &LoadError{File: file, Line: se.Line, Err: fmt.Errorf("%s", se.Msg)}
		}
		return &LoadError{File: file, Line: 1, Err: err}
	}
	for _, s := range stmts {
		toks := sqltok.Significant(sqltok.Tokenize(s.SQL, sqltok.Options{}))
		if len(toks) > 0 && refused[strings.ToUpper(toks[0].Text)] {
			return &LoadError{File: file, Line: s.Line, Err: fmt.Errorf("%s is not allowed in a schema file", strings.ToUpper(toks[0].Text))}
		}
		if _, err := q.ExecContext(ctx, s.SQL); err != nil {
			return &LoadError{File: file, Line: s.Line, Err: err}
		}
	}
	return nil
}
