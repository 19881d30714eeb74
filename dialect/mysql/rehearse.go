package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Rehearse runs stmts on a scratch copy of the part of schema from that
// they touch, and returns that part as copied (before) and as the
// statements left it (after). The copy is a database
// retort_scratch_<random> on the scratch server (WithScratchServer: the
// target's server, or --dev-url), dropped afterwards, holding, without
// rows: the tables and views the statements name, the views those need,
// the tables whose foreign keys point to a named table or that a named
// table's foreign keys point to, and the triggers on all of them (see
// rehearsalPart). Schema statements run with foreign_key_checks on, as on
// the target; data statements with it off, since the copy has no rows.
//
// A statement that fails there is returned as a *dialect.ExecError (Index:
// its position in stmts) with the server's error. When the copy cannot be
// made (no CREATE privilege, an object the copy cannot recreate) the error
// wraps dialect.ErrNotRehearsed.
//
// Rehearsals that succeed are remembered by their starting schema and
// statements: a fleet of databases with the same schema upgraded by one
// process rehearses once.
func (d *Dialect) Rehearse(ctx context.Context, from *schema.Schema, stmts []string) (before, after *schema.Schema, err error) {
	key, err := rehearsalKey(from, stmts)
	if err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	done, ok := d.rehearsed[key]
	d.mu.Unlock()
	if ok {
		return done[0], done[1], nil
	}
	db, drop, err := d.scratch(ctx, url.Values{"foreign_key_checks": {"0"}})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", dialect.ErrNotRehearsed, err)
	}
	defer drop()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: scratch database: %w", dialect.ErrNotRehearsed, err)
	}
	defer conn.Close()
	if err := d.copySchema(ctx, db, conn, rehearsalPart(from, stmts)); err != nil {
		return nil, nil, err
	}
	if before, err = d.Inspect(ctx, conn); err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 1"); err != nil {
		return nil, nil, fmt.Errorf("mysql: rehearse: %w", err)
	}
	for i, s := range stmts {
		if err := execRehearsed(ctx, conn, s); err != nil {
			return nil, nil, &dialect.ExecError{Stmt: s, Index: i, Err: err}
		}
	}
	if after, err = d.Inspect(ctx, conn); err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	if d.rehearsed == nil {
		d.rehearsed = map[string][2]*schema.Schema{}
	}
	d.rehearsed[key] = [2]*schema.Schema{before, after}
	d.mu.Unlock()
	return before, after, nil
}

// execRehearsed runs one statement of a rehearsal: a data statement with
// foreign_key_checks off (the parents of the rows it writes are not in the
// copy), anything else as it comes.
func execRehearsed(ctx context.Context, conn *sql.Conn, stmt string) error {
	if !isData(stmt) || firstKeyword(stmt) == "SET" {
		_, err := conn.ExecContext(ctx, stmt)
		return err
	}
	if _, err := conn.ExecContext(ctx, saveFKChecksOff); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, stmt)
	if _, rerr := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = @retort_fkc"); err == nil {
		err = rerr
	}
	return err
}

// rehearsalPart returns the part of s that stmts can touch or need: the
// tables, views and triggers whose names appear in them as identifiers;
// the tables and views those views read, transitively; the tables that
// the foreign keys of a named table point to, and those with a foreign key
// pointing to a named table (the server checks both sides of a foreign key
// when a column type or key changes); and every trigger on a table of the
// part. An object not in the part cannot be changed by the statements, so
// it is not copied: a rehearsal costs what the objects it touches cost,
// not what the whole schema does.
func rehearsalPart(s *schema.Schema, stmts []string) *schema.Schema {
	names := map[string]bool{}
	for _, st := range stmts {
		identsOf(st, names)
	}
	lower := strings.ToLower
	tables, views := map[string]bool{}, map[string]bool{}
	for _, t := range s.Tables {
		tables[lower(t.Name)] = names[lower(t.Name)]
	}
	for _, v := range s.Views {
		views[lower(v.Name)] = names[lower(v.Name)]
	}
	for _, tr := range s.Triggers {
		if names[lower(tr.Name)] {
			tables[lower(tr.Table)] = true
		}
	}
	named := maps.Clone(tables)
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefSchema != "" {
				continue
			}
			if named[lower(t.Name)] {
				if _, ok := tables[lower(fk.RefTable)]; ok {
					tables[lower(fk.RefTable)] = true
				}
			}
			if named[lower(fk.RefTable)] {
				tables[lower(t.Name)] = true
			}
		}
	}
	// Views need what they read, views included (in dependency order, so
	// one pass from the end reaches every view a later one reads).
	for i := len(s.Views) - 1; i >= 0; i-- {
		v := s.Views[i]
		if !views[lower(v.Name)] {
			continue
		}
		reads := map[string]bool{}
		identsOf(v.Def, reads)
		for n := range reads {
			if _, ok := tables[n]; ok {
				tables[n] = true
			}
			if _, ok := views[n]; ok {
				views[n] = true
			}
		}
	}
	out := &schema.Schema{Name: s.Name}
	for _, t := range s.Tables {
		if tables[lower(t.Name)] {
			out.Tables = append(out.Tables, t)
		}
	}
	for _, v := range s.Views {
		if views[lower(v.Name)] {
			out.Views = append(out.Views, v)
		}
	}
	for _, tr := range s.Triggers {
		if tables[lower(tr.Table)] {
			out.Triggers = append(out.Triggers, tr)
		}
	}
	return out
}

// identsOf adds the lower-cased identifiers (bare words and quoted
// identifiers) of a statement to names.
func identsOf(stmt string, names map[string]bool) {
	for _, tok := range sqltok.Tokenize(stmt, lexMySQL) {
		if tok.Kind != sqltok.Word && tok.Kind != sqltok.QuotedIdent {
			continue
		}
		if n, ok := tok.Ident(); ok {
			names[strings.ToLower(n)] = true
		}
	}
}

// copySchema creates the schema s in the empty scratch database of db
// (conn is one of its connections), by the plan from nothing to s.
func (d *Dialect) copySchema(ctx context.Context, db *sql.DB, conn *sql.Conn, s *schema.Schema) error {
	empty := &schema.Schema{}
	p, err := d.Plan(ctx, empty, s, diff.Compare(empty, s))
	if err != nil {
		return fmt.Errorf("%w: plan a copy of the schema: %w", dialect.ErrNotRehearsed, err)
	}
	stmts := make([]sqlsplit.Stmt, len(p.Steps))
	for i, st := range p.Steps {
		stmts[i] = sqlsplit.Stmt{SQL: st.SQL, Line: i + 1}
	}
	if err := load(ctx, db, conn, "copy", stmts); err != nil {
		var le *dialect.LoadError
		if errors.As(err, &le) && le.Line >= 1 && le.Line <= len(stmts) {
			return fmt.Errorf("%w: the schema could not be copied into a scratch database: %w\n  in: %s",
				dialect.ErrNotRehearsed, le.Err, firstLine(stmts[le.Line-1].SQL))
		}
		return fmt.Errorf("%w: the schema could not be copied into a scratch database: %w", dialect.ErrNotRehearsed, err)
	}
	return nil
}

// rehearsalKey identifies a rehearsal by its starting schema and
// statements.
func rehearsalKey(from *schema.Schema, stmts []string) (string, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(from); err != nil {
		return "", fmt.Errorf("mysql: rehearse: %w", err)
	}
	for _, s := range stmts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Session returns the id of conn's session (CONNECTION_ID()), which
// Interrupt takes.
func (d *Dialect) Session(ctx context.Context, conn *sql.Conn) (int64, error) {
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return 0, fmt.Errorf("mysql: session id: %w", err)
	}
	return id, nil
}

// Interrupt stops session id with KILL CONNECTION from a connection of db:
// the server aborts the statement it runs (a DDL statement rolls back,
// unless it had already reached its commit) and ends the session, which
// releases the session's migration lock once the statement has stopped.
// A session that has already ended is not an error.
func (d *Dialect) Interrupt(ctx context.Context, db *sql.DB, id int64) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err != nil && ErrorNumber(err) != 1094 {
		return fmt.Errorf("mysql: stop session %d: %w", id, err)
	}
	return nil
}

// InTx reports whether stmt is a data statement, which Transact runs
// inside the transaction that also writes the runner's version row.
func (d *Dialect) InTx(stmt string) bool { return isData(stmt) }

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

var (
	_ dialect.Rehearser   = (*Dialect)(nil)
	_ dialect.Interrupter = (*Dialect)(nil)
)
