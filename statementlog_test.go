package retort_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// TestStatementLog: WithProgress receives, for every statement of a
// migration, its start and its end with the duration, the rows a data
// change affected (-1 for other statements, whose count SQLite would
// report stale) and the error of the one that failed, on every engine.
func TestStatementLog(t *testing.T) {
	for _, eng := range orphanEngines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			var started []string
			var finished []migrate.Event
			m := openMigrator(t, eng.url(t), chain(
				"CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t (id) VALUES (1), (2), (3);\nCREATE TABLE u (id INTEGER PRIMARY KEY);\nUPDATE t SET id = id + 10 WHERE id > 1;",
				"DELETE FROM t WHERE id > 10;\nINSERT INTO nosuch (id) VALUES (1);",
				// MySQL's rehearsal would stop the run before it starts.
			), retort.WithoutRehearsal(), retort.WithProgress(func(e migrate.Event) {
				switch e.Kind {
				case migrate.StatementStarted:
					started = append(started, e.Stmt)
				case migrate.StatementFinished:
					finished = append(finished, e)
				}
			}))
			_, err := m.Upgrade(ctx, "head")
			var pe *migrate.PartialError
			var se *migrate.StmtError
			if !errors.As(err, &pe) || len(pe.Applied) != 1 || pe.Failed.Revision != revision(2) || !errors.As(err, &se) {
				t.Fatalf("Upgrade = %v, want a *migrate.PartialError with migration 1 applied and 2 failed, wrapping a *migrate.StmtError", err)
			}
			var rows []int64
			for i, e := range finished {
				rows = append(rows, e.Rows)
				if i < len(started) && e.Stmt != started[i] {
					t.Errorf("finished %q, started %q", e.Stmt, started[i])
				}
				if e.Duration <= 0 || e.Duration > time.Minute || e.File == "" || e.Line == 0 {
					t.Errorf("event %d: duration %v, file %q, line %d", i, e.Duration, e.File, e.Line)
				}
				if (e.Err != nil) != (i == len(finished)-1) {
					t.Errorf("event %d (%s): error %v; want one for the last statement only", i, e.Stmt, e.Err)
				}
			}
			if want := []int64{-1, 3, -1, 2, 2, -1}; !slices.Equal(rows, want) || len(started) != len(want) {
				t.Errorf("rows %v for %d started statements, want %v", rows, len(started), want)
			}
			if len(finished) == 0 || !strings.Contains(finished[len(finished)-1].Stmt, "nosuch") {
				t.Errorf("the last statement is not the failed one: %v", finished)
			}
		})
	}
}
