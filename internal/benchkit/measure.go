package benchkit

import (
	"context"
	"database/sql"
	"slices"
	"sync/atomic"
	"time"

	"github.com/retortdb/retort/dialect"
)

// The helpers below are shared by the SQLite, PostgreSQL and MySQL
// benchmarks.

// Median returns the median of ds (0 for none).
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Millis returns d in milliseconds, for b.ReportMetric.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Counter is a dialect.Querier that counts the statements it passes on;
// the benchmarks use it to show that an Inspect issues a fixed number of
// queries whatever the number of tables.
type Counter struct {
	dialect.Querier
	n atomic.Int64
}

// N returns how many statements went through c.
func (c *Counter) N() int { return int(c.n.Load()) }

// ExecContext counts and runs the statement.
func (c *Counter) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.Querier.ExecContext(ctx, q, args...)
}

// QueryContext counts and runs the query.
func (c *Counter) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.Querier.QueryContext(ctx, q, args...)
}

// QueryRowContext counts and runs the query.
func (c *Counter) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.Querier.QueryRowContext(ctx, q, args...)
}
