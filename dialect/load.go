package dialect

import (
	"context"
	"fmt"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// LoadError is a statement of a schema file that the scratch database
// rejected, or a file that could not be split into statements.
type LoadError struct {
	File string
	Line int
	Err  error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, sqltok.ClipError(e.Err))
}

// Unwrap returns the engine's error.
func (e *LoadError) Unwrap() error { return e.Err }

// Load executes the SQL script src (named file in errors) statement by
// statement on q. The first failing statement stops it with a *LoadError
// naming the file and the line. Load runs every statement as written:
// callers that load into a scratch database screen the statements first
// (Screener, Screen.Statements).
func Load(ctx context.Context, q Querier, file, src string) error {
	stmts, err := Split(file, src)
	if err != nil {
		return err
	}
	return LoadStatements(ctx, q, file, stmts)
}

// Split splits a schema script into statements by the rules SQLite and
// PostgreSQL share (SplitFor with engine ""); a script that cannot be split
// (an unterminated -- retort:begin) is a *LoadError.
func Split(file, src string) ([]sqlsplit.Stmt, error) { return SplitFor("", file, src) }

// SplitFor splits a schema script into statements by the lexical rules of
// the engine called engine (a Dialect's Name; see sqlsplit.For), the same
// splitter its migration files go through.
func SplitFor(engine, file, src string) ([]sqlsplit.Stmt, error) {
	stmts, err := sqlsplit.For(engine)(src)
	if err != nil {
		if se, ok := err.(*sqlsplit.Error); ok {
			return nil, &LoadError{File: file, Line: se.Line, Err: fmt.Errorf("%s", se.Msg)}
		}
		return nil, &LoadError{File: file, Line: 1, Err: err}
	}
	return stmts, nil
}

// LoadStatements executes statements of the script file on q, as Load.
func LoadStatements(ctx context.Context, q Querier, file string, stmts []sqlsplit.Stmt) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s.SQL); err != nil {
			return &LoadError{File: file, Line: s.Line, Err: err}
		}
	}
	return nil
}

// SchemaLoader is implemented by engines that turn a schema script into a
// schema their own way (SQLite loads independent tables into several
// in-memory databases at once). Others get Load into one Scratch database.
type SchemaLoader interface {
	LoadSchema(ctx context.Context, file, src string) (*schema.Schema, error)
}
