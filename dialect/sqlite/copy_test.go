package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

func TestParseRebuildCopy(t *testing.T) {
	tests := []struct {
		name, stmt     string
		ok             bool
		target, source string
	}{
		{name: "planner form", ok: true, target: "_retort_new_notes", source: "notes",
			stmt: "INSERT INTO \"_retort_new_notes\" (\"id\", \"body\")\n  SELECT \"id\", \"body\" FROM \"notes\""},
		{name: "hand written, semicolon", ok: true, target: "_retort_new_notes", source: "notes",
			stmt: "insert into _retort_new_notes (id, body) select id, body from notes;"},
		{name: "rowid copied explicitly", ok: true, target: "_retort_new_t", source: "t",
			stmt: `INSERT INTO "_retort_new_t" (rowid, "a") SELECT rowid, "a" FROM "t"`},
		{name: "no column list", ok: true, target: "_retort_new_t", source: "t",
			stmt: `INSERT INTO "_retort_new_t" SELECT "a" FROM "t"`},
		{name: "not a rebuild table", stmt: `INSERT INTO "archive" ("a") SELECT "a" FROM "t"`},
		{name: "where clause", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT "a" FROM "t" WHERE "a" > 1`},
		{name: "expression", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT "a" + 1 FROM "t"`},
		{name: "star", stmt: `INSERT INTO "_retort_new_t" SELECT * FROM "t"`},
		{name: "distinct", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT DISTINCT "a" FROM "t"`},
		{name: "qualified source", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT "a" FROM "main"."t"`},
		{name: "copy into itself", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT "a" FROM "_retort_new_t"`},
		{name: "default values", stmt: `INSERT INTO "_retort_new_t" DEFAULT VALUES`},
		{name: "two statements", stmt: `INSERT INTO "_retort_new_t" ("a") SELECT "a" FROM "t"; DELETE FROM "t"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := parseRebuildCopy(tt.stmt)
			if ok != tt.ok || (ok && (c.target != tt.target || c.source != tt.source)) {
				t.Errorf("parseRebuildCopy = %+v, %v; want ok=%v target %q source %q", c, ok, tt.ok, tt.target, tt.source)
			}
			if ok && strings.Contains(c.head, ";") {
				t.Errorf("head keeps the semicolon: %q", c.head)
			}
		})
	}
}

// TestExecCopyCopiesEveryRowInBatches: the batched copy copies exactly the
// rows (and rowids) the single statement copies, gaps in the rowids and a
// column named "rowid" included, and reports growing counts that end at
// the table's row count.
func TestExecCopyCopiesEveryRowInBatches(t *testing.T) {
	tests := []struct {
		name, create, fill, copyStmt string
		rows                         int64
		batched                      bool
	}{
		{name: "integer primary key with gaps", rows: 25_000, batched: true,
			create:   `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE "_retort_new_t" (id INTEGER PRIMARY KEY, v TEXT NOT NULL);`,
			fill:     `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 25000) INSERT INTO t SELECT x * 7 - 3, 'v' || x FROM c`,
			copyStmt: `INSERT INTO "_retort_new_t" ("id", "v") SELECT "id", "v" FROM "t"`},
		{name: "implicit rowid copied", rows: 12_000, batched: true,
			create:   `CREATE TABLE t (v TEXT); CREATE TABLE "_retort_new_t" (v TEXT NOT NULL);`,
			fill:     `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000) INSERT INTO t (rowid, v) SELECT x * 3, 'v' || x FROM c`,
			copyStmt: `INSERT INTO "_retort_new_t" (rowid, "v") SELECT rowid, "v" FROM "t"`},
		{name: "column named rowid", rows: 11_000, batched: true,
			create:   `CREATE TABLE t ("rowid" TEXT, v TEXT); CREATE TABLE "_retort_new_t" ("rowid" TEXT, v TEXT);`,
			fill:     `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 11000) INSERT INTO t ("rowid", v) SELECT 'r' || x, 'v' || x FROM c`,
			copyStmt: `INSERT INTO "_retort_new_t" (_rowid_, "rowid", "v") SELECT _rowid_, "rowid", "v" FROM "t"`},
		{name: "without rowid: one statement", rows: 100,
			create:   `CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID; CREATE TABLE "_retort_new_t" (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;`,
			fill:     `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) INSERT INTO t SELECT 'k' || x, 'v' || x FROM c`,
			copyStmt: `INSERT INTO "_retort_new_t" ("k", "v") SELECT "k", "v" FROM "t"`},
		{name: "empty table", rows: 0, batched: true,
			create:   `CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE "_retort_new_t" (id INTEGER PRIMARY KEY);`,
			copyStmt: `INSERT INTO "_retort_new_t" ("id") SELECT "id" FROM "t"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openMemory(t)
			for _, s := range []string{tt.create, tt.fill} {
				if s == "" {
					continue
				}
				if _, err := db.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
			var reports []dialect.Copied
			err := dialect.Exec(ctx, New(), db, tt.copyStmt, dialect.Hooks{Copy: func(c dialect.Copied) { reports = append(reports, c) }})
			if err != nil {
				t.Fatal(err)
			}
			diffQ := `SELECT count(*) FROM (SELECT _rowid_, * FROM t EXCEPT SELECT _rowid_, * FROM "_retort_new_t")`
			if tt.name == "without rowid: one statement" {
				diffQ = `SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM "_retort_new_t")`
			}
			var missing, copied int64
			if err := db.QueryRow(diffQ).Scan(&missing); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(`SELECT count(*) FROM "_retort_new_t"`).Scan(&copied); err != nil {
				t.Fatal(err)
			}
			if missing != 0 || copied != tt.rows {
				t.Errorf("copied %d rows, %d differ; want %d rows, all equal", copied, missing, tt.rows)
			}
			if !tt.batched {
				if len(reports) != 0 {
					t.Errorf("reports for a copy in one statement: %v", reports)
				}
				return
			}
			if len(reports) == 0 {
				t.Fatal("no progress reported")
			}
			if tt.rows > minBatch && len(reports) < 2 {
				t.Errorf("%d rows copied in %d batch(es), want several", tt.rows, len(reports))
			}
			for i, r := range reports {
				if r.Table != "t" || r.Total != tt.rows || (i > 0 && r.Rows < reports[i-1].Rows) {
					t.Errorf("report %d = %+v, want table t, total %d, growing", i, r, tt.rows)
				}
			}
			if last := reports[len(reports)-1]; last.Rows != tt.rows {
				t.Errorf("last report %+v, want all %d rows", last, tt.rows)
			}
		})
	}
}

// TestExecCopyIgnoresOtherStatements: anything but a rebuild's row copy is
// left to the caller.
func TestExecCopyIgnoresOtherStatements(t *testing.T) {
	db := openMemory(t)
	for _, stmt := range []string{`CREATE TABLE t (a)`, `INSERT INTO t SELECT 1`, `DROP TABLE t`} {
		handled, err := New().ExecCopy(context.Background(), db, stmt, func(dialect.Copied) {})
		if handled || err != nil {
			t.Errorf("ExecCopy(%q) = %v, %v; want not handled", stmt, handled, err)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(fmt.Errorf("%s: %w", stmt, err))
		}
	}
}
