package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
)

// TestNarrowCheckCountsWhatTheCastChanges runs, for each type change, the
// check the plan starts with, and compares its count with the rows the
// plan's own ALTER … TYPE … USING changes, where that succeeds (a cast
// that fails changes nothing, and the check must count the rows it
// rejects).
func TestNarrowCheckCountsWhatTheCastChanges(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	conn := pin(t, db)
	tests := []struct {
		from, to string
		values   []string
		want     int
		byValue  bool // compare as values of the old type, not as text
	}{
		{"varchar(200)", "varchar(10)", []string{"'short'", "'exactly10!'", "'this is too long'", "'ten chars '", "'eleven char'"}, 2, false},
		{"text", "varchar(3)", []string{"'abc'", "'abcd'", "'é'"}, 1, false},
		{"text", "char(3)", []string{"'ab'", "'ab '", "'abcd'"}, 2, false}, // char drops the trailing blank
		{"numeric(10,2)", "numeric(4,1)", []string{"1.55", "1.50", "123.4", "-0.05"}, 2, true},
		{"numeric(10,2)", "numeric(4,1)", []string{"1.5", "12345.67"}, 1, true},
		{"numeric", "numeric(6,2)", []string{"7", "7.00", "7.001"}, 1, true},
		{"numeric(10,2)", "integer", []string{"7.00", "7.50", "-3"}, 1, true},
		{"bigint", "smallint", []string{"1", "32767", "32768", "-9999999999"}, 2, true},
		{"bigint", "double precision", []string{"9007199254740993", "5"}, 1, true},
		{"double precision", "real", []string{"0.5", "0.1", "1e300"}, 2, true},
		{"text", "integer", []string{"'7'", "'007'", "'abc'", "'-12'", "' 8'"}, 3, false},
		{"timestamp(6)", "timestamp(0)", []string{"'2024-01-01 10:00:00'", "'2024-01-01 10:00:00.4'", "'2024-01-01 10:00:00.000001'"}, 2, true},
		{"timestamptz", "date", []string{"'2024-01-01 00:00:00+00'", "'2024-01-01 10:00:00+00'"}, 1, true},
		{"varchar(10)", "uuid", []string{"'x'"}, 1, false},
		{"bigint[]", "integer[]", []string{"'{1,2}'", "'{1,99999999999}'"}, 1, true},
		{"jsonb", "integer", []string{"'1'", "'\"1\"'"}, 1, false},
		{"integer", "boolean", []string{"0", "1", "2", "-1"}, 2, true},
	}
	count := regexp.MustCompile(`retort: (\d+) row\(s\) of (\S+) would lose data in column c`)
	if _, err := conn.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s to %s", tt.from, tt.to), func(t *testing.T) {
			table := fmt.Sprintf("t%d", i)
			var rows []string
			for j, v := range tt.values {
				rows = append(rows, fmt.Sprintf("(%d, %s)", j+1, v))
			}
			rows = append(rows, fmt.Sprintf("(%d, NULL)", len(rows)+1))
			load(t, conn, table, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, c %s);\nINSERT INTO %s VALUES %s;",
				table, tt.from, table, strings.Join(rows, ", ")))
			from, to := inspect(t, d, conn), inspect(t, d, conn)
			tab, _ := to.Table(table)
			col, _ := tab.Column("c")
			col.Type = tt.to
			p := plan(t, d, from, to)
			var check, alter string
			for _, s := range p.Steps {
				switch {
				case strings.Contains(s.Comment, "may change stored values"):
					check = s.SQL
				case strings.Contains(s.SQL, " TYPE "):
					alter = s.SQL
					if !s.Destructive {
						t.Errorf("%s is not marked destructive", s.SQL)
					}
				}
			}
			if check == "" || alter == "" {
				t.Fatalf("the plan has no check or no ALTER:\n%s", p.Format())
			}
			got := 0
			if _, err := conn.ExecContext(ctx, check); err != nil {
				m := count.FindStringSubmatch(err.Error())
				if m == nil {
					t.Fatalf("check failed without a count: %v\n%s", err, check)
				}
				got, _ = strconv.Atoi(m[1])
			}
			if got != tt.want {
				t.Errorf("the check counts %d row(s), want %d\n%s", got, tt.want, check)
			}
			load(t, conn, "copy", fmt.Sprintf("CREATE TABLE %[1]s_was AS SELECT * FROM %[1]s", table))
			if _, err := conn.ExecContext(ctx, alter); err != nil {
				if got == 0 {
					t.Errorf("the check passed, the conversion failed: %v", err)
				}
				return // nothing changed
			}
			same := "a.c::text IS NOT DISTINCT FROM b.c::text"
			if tt.byValue {
				same = fmt.Sprintf("a.c::%s IS NOT DISTINCT FROM b.c", tt.from)
			}
			var changed int
			if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %[1]s a JOIN %[1]s_was b USING (id) WHERE NOT (%[2]s)", table, same)).Scan(&changed); err != nil {
				t.Fatal(err)
			}
			if changed != got {
				t.Errorf("the check counts %d row(s), the conversion changed %d", got, changed)
			}
		})
	}
}

// TestNarrowToANewEnum: a text column that becomes an enum the plan
// creates is checked after the type exists, in the same transaction: a
// label the enum lacks stops it, naming that row only; without one it
// applies.
func TestNarrowToANewEnum(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	load(t, db, "from.sql", "CREATE TABLE t (id integer PRIMARY KEY, mood text);\nINSERT INTO t VALUES (1, 'happy'), (2, 'meh'), (3, NULL);")
	to := loadSchema(t, d, "to.sql", "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE t (id integer PRIMARY KEY, mood mood);")
	p := plan(t, d, inspect(t, d, db), to)
	err := dialect.Apply(ctx, d, pin(t, db), p)
	if want := "retort: 1 row(s) of t would lose data in column mood changed from text to mood; e.g. 'meh'"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("apply: %v, want %q", err, want)
	}
	if _, err := db.ExecContext(ctx, "UPDATE t SET mood = 'sad' WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	p = plan(t, d, inspect(t, d, db), to)
	if err := dialect.Apply(ctx, d, pin(t, db), p); err != nil {
		t.Fatalf("apply: %v\n%s", err, p.Format())
	}
	if got, want := queryRows(t, db, "SELECT id, mood::text FROM t ORDER BY id"), []string{"1 | happy", "2 | sad", "3 | NULL"}; !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}
