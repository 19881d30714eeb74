package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
)

// DefaultTable is the name of the version table.
const DefaultTable = "retort_revisions"

// Record is one row of the version table: a revision that is applied, or
// partly applied when Progress ≥ 0.
type Record struct {
	Revision  string        `json:"revision"`
	Parents   []string      `json:"parents"`
	Message   string        `json:"message"`
	Checksum  string        `json:"checksum"`
	AppliedAt time.Time     `json:"applied_at"`
	Duration  time.Duration `json:"duration_ns"`
	// Progress is -1 for a migration applied completely, otherwise the
	// number of its up statements that have run (a migration interrupted
	// between transactions, or on MySQL between statements).
	Progress int `json:"progress"`
	// InFlight marks a partly applied migration whose statement
	// Progress+1 was started and whose outcome is not known (the process
	// was killed, or lost its connection, while the server ran it). The
	// runner finds out from the live schema before it does anything else.
	// It is stored as duration_ms = -1, which earlier versions of retort
	// read as a partial row.
	InFlight bool `json:"in_flight,omitempty"`
}

// Complete reports whether the migration was applied completely.
func (r Record) Complete() bool { return r.Progress < 0 }

// Go reports whether the row records a Go migration: its checksum is a
// GoChecksum. It tells one apart even when its placeholder file is gone.
func (r Record) Go() bool { return strings.HasPrefix(r.Checksum, checksumGo) }

// History reads and writes the version table. Every statement it issues is
// plain SQL that SQLite, PostgreSQL and MySQL all accept, with identifiers
// quoted by the dialect, so that offline scripts can print it.
type History struct {
	d     dialect.Dialect
	table string
}

// NewHistory returns the version table called table ("" for DefaultTable)
// of engine d.
func NewHistory(d dialect.Dialect, table string) *History {
	if table == "" {
		table = DefaultTable
	}
	return &History{d: d, table: table}
}

// Table returns the version table's name.
func (h *History) Table() string { return h.table }

func (h *History) q(s string) string { return h.d.Quote(s) }

// CreateSQL returns the statement that creates the version table if it is
// missing.
func (h *History) CreateSQL() string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
  %s VARCHAR(255) NOT NULL PRIMARY KEY,
  %s VARCHAR(1024) NOT NULL,
  %s VARCHAR(1024) NOT NULL,
  %s VARCHAR(64) NOT NULL,
  %s VARCHAR(64) NOT NULL,
  %s BIGINT NOT NULL,
  %s INTEGER NOT NULL
)`, h.q(h.table), h.q("revision"), h.q("parents"), h.q("message"), h.q("checksum"),
		h.q("applied_at"), h.q("duration_ms"), h.q("progress"))
}

// Ensure creates the version table if it is missing.
func (h *History) Ensure(ctx context.Context, q dialect.Querier) error {
	if _, err := q.ExecContext(ctx, h.CreateSQL()); err != nil {
		return fmt.Errorf("migrate: create version table %s: %w", h.table, err)
	}
	return nil
}

// Records returns the rows of the version table, ordered by revision. A
// missing table gives no rows and no error.
func (h *History) Records(ctx context.Context, q dialect.Querier) ([]Record, error) {
	query := fmt.Sprintf("SELECT %s, %s, %s, %s, %s, %s, %s FROM %s ORDER BY %s",
		h.q("revision"), h.q("parents"), h.q("message"), h.q("checksum"), h.q("applied_at"),
		h.q("duration_ms"), h.q("progress"), h.q(h.table), h.q("revision"))
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		if missingTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("migrate: read version table %s: %w", h.table, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var parents, at string
		var ms int64
		if err := rows.Scan(&r.Revision, &parents, &r.Message, &r.Checksum, &at, &ms, &r.Progress); err != nil {
			return nil, fmt.Errorf("migrate: read version table %s: %w", h.table, err)
		}
		if parents != "" {
			r.Parents = strings.Split(parents, " ")
		}
		r.AppliedAt, _ = time.Parse(time.RFC3339Nano, at)
		if ms < 0 {
			r.InFlight = true
			ms = 0
		}
		r.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}

// missingTable recognises the engines' "no such table" errors.
func missingTable(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "no such table") || // SQLite
		(strings.Contains(msg, "relation") && strings.Contains(msg, "does not exist")) || // PostgreSQL
		strings.Contains(msg, "doesn't exist") // MySQL
}

// progressOf returns the progress recorded for rev, whether its next
// statement is in flight, and ok false when rev has no row.
func (h *History) progressOf(ctx context.Context, q dialect.Querier, rev string) (progress int, inFlight, ok bool, err error) {
	var ms int64
	query := fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = %s", h.q("progress"), h.q("duration_ms"), h.q(h.table), h.q("revision"), literal(rev))
	err = q.QueryRowContext(ctx, query).Scan(&progress, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, fmt.Errorf("migrate: read version table %s: %w", h.table, err)
	}
	return progress, progress >= 0 && ms < 0, true, nil
}

// WriteSQL returns the statements that record r, replacing any row for the
// same revision.
func (h *History) WriteSQL(r Record) []string {
	return []string{
		h.DeleteSQL(r.Revision),
		fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s, %s, %s, %s) VALUES (%s, %s, %s, %s, %s, %d, %d)",
			h.q(h.table), h.q("revision"), h.q("parents"), h.q("message"), h.q("checksum"),
			h.q("applied_at"), h.q("duration_ms"), h.q("progress"),
			literal(r.Revision), literal(strings.Join(r.Parents, " ")), literal(r.Message), literal(r.Checksum),
			literal(r.AppliedAt.UTC().Format(time.RFC3339Nano)), r.durationMS(), r.Progress),
	}
}

// ChecksumSQL returns the statement that sets rev's recorded checksum.
func (h *History) ChecksumSQL(rev, checksum string) string {
	return fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s", h.q(h.table), h.q("checksum"), literal(checksum),
		h.q("revision"), literal(rev))
}

// durationMS is the duration_ms column: -1 marks a statement in flight.
func (r Record) durationMS() int64 {
	if r.InFlight && !r.Complete() {
		return -1
	}
	return r.Duration.Milliseconds()
}

// DeleteSQL returns the statement that removes rev's row.
func (h *History) DeleteSQL(rev string) string {
	return fmt.Sprintf("DELETE FROM %s WHERE %s = %s", h.q(h.table), h.q("revision"), literal(rev))
}

func execAll(ctx context.Context, q dialect.Querier, stmts []string) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// literal returns s as a SQL string literal that every engine reads the
// same way: quotes doubled, and characters a MySQL server would treat as
// escapes (backslash) or that cannot appear in a one-line literal replaced.
func literal(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\\':
			return '/'
		case '\n', '\r', '\t', 0:
			return ' '
		}
		return r
	}, s)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Applied returns the revisions of records that are completely applied, and
// the progress of those that are partly applied.
func Applied(records []Record) (applied map[string]bool, partial map[string]int) {
	applied, partial = map[string]bool{}, map[string]int{}
	for _, r := range records {
		if r.Complete() {
			applied[r.Revision] = true
		} else {
			partial[r.Revision] = r.Progress
		}
	}
	return applied, partial
}

// Current returns the heads of the applied set: applied revisions that no
// other applied revision names as a parent, sorted.
func Current(g *Graph, applied map[string]bool) []string {
	isParent := map[string]bool{}
	for rev := range applied {
		if f, ok := g.Get(rev); ok {
			for _, p := range f.Parents {
				isParent[p] = true
			}
		}
	}
	var out []string
	for rev := range applied {
		if !isParent[rev] {
			out = append(out, rev)
		}
	}
	slices.Sort(out)
	return out
}
