package mysql_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNarrowCheckCountsWhatTheServerChanges runs, for each type change,
// the check the plan starts with, and compares its count with the rows the
// server really changes when it converts the column (in non-strict mode,
// where it truncates, rounds and clamps instead of failing).
func TestNarrowCheckCountsWhatTheServerChanges(t *testing.T) {
	db, _, d := newDB(t)
	ctx := context.Background()
	conn := pin(t, db)
	tests := []struct {
		from, to string
		values   []string
		want     int
		byValue  bool // compare as values (numbers, times), not as text
	}{
		{"varchar(200)", "varchar(10)", []string{"'short'", "'exactly10!'", "'this is too long'", "'trail   '", "'ten chars '", "'eleven char'"}, 2, false},
		{"varchar(20)", "char(20)", []string{"'a '", "'b'", "' c'"}, 1, false},
		{"text", "varchar(5)", []string{"'12345'", "'123456'", "'é1234'"}, 1, false},
		{"bigint", "smallint", []string{"1", "-32768", "32767", "32768", "-9999999999"}, 2, true},
		{"int", "int unsigned", []string{"-1", "0", "5"}, 1, true},
		{"int unsigned", "int", []string{"2147483647", "2147483648", "4294967295"}, 2, true},
		{"decimal(10,2)", "decimal(4,1)", []string{"1.55", "1.50", "123.4", "12345.67", "-0.05"}, 3, true},
		{"decimal(10,2)", "int", []string{"7.00", "7.50", "-3"}, 1, true},
		{"double", "float", []string{"0.5", "0.1", "1e100"}, 2, true},
		{"bigint", "double", []string{"9007199254740993", "5", "-9007199254740992"}, 1, true},
		{"double", "decimal(6,2)", []string{"1.25", "1.255", "99999"}, 2, true},
		{"varchar(10)", "int", []string{"'7'", "'007'", "'abc'", "'-0'", "'-12'", "'1.0'", "''"}, 5, false},
		{"varchar(30)", "tinyint unsigned", []string{"'255'", "'256'", "'-1'"}, 2, false},
		{"datetime(6)", "datetime", []string{"'2024-01-01 10:00:00'", "'2024-01-01 10:00:00.5'", "'2024-01-01 10:00:00.000001'"}, 2, true},
		{"datetime(3)", "datetime(2)", []string{"'2024-01-01 10:00:00.120'", "'2024-01-01 10:00:00.123'"}, 1, true},
		{"datetime", "date", []string{"'2024-01-01 00:00:00'", "'2024-01-01 10:00:00'"}, 1, true},
		{"datetime", "timestamp", []string{"'1960-01-01 00:00:00'", "'2000-01-01 00:00:00'", "'2040-01-01 00:00:00'"}, 2, true},
		{"time(3)", "time", []string{"'10:00:00.000'", "'10:00:00.400'"}, 1, true},
		{"varchar(30)", "date", []string{"'2024-01-01'", "'2024-1-1'", "'not a date'"}, 2, false},
		{"enum('a','b','c')", "enum('a','b')", []string{"'a'", "'c'", "'b'", "'c'"}, 2, false},
		{"varchar(5)", "enum('a','b')", []string{"'a'", "'A'", "'x'"}, 2, false},
		{"set('x','y','z')", "set('x','y')", []string{"'x,z'", "'y'", "'z'", "''"}, 2, false},
		{"varbinary(10)", "varbinary(3)", []string{"'abc'", "'abcd'"}, 1, false},
		{"blob", "tinyblob", []string{"REPEAT('a', 255)", "REPEAT('a', 256)"}, 1, false},
		{"int", "varchar(3)", []string{"123", "1234", "-12", "-123"}, 2, false},
		{"decimal(6,2)", "varchar(5)", []string{"12.50", "123.50"}, 1, false},
	}
	count := regexp.MustCompile(`retort: (\d+) row\(s\) of (\S+) would lose data in column c`)
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s to %s", tt.from, tt.to), func(t *testing.T) {
			table := fmt.Sprintf("t%d", i)
			var rows []string
			for j, v := range tt.values {
				rows = append(rows, fmt.Sprintf("(%d, %s)", j+1, v))
			}
			rows = append(rows, fmt.Sprintf("(%d, NULL)", len(rows)+1))
			run(t, conn, table, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, c %s);\nINSERT INTO %s VALUES %s;",
				table, tt.from, table, strings.Join(rows, ", ")))
			from, to := inspect(t, d, conn), inspect(t, d, conn)
			tab, _ := to.Table(table)
			col, _ := tab.Column("c")
			col.Type = tt.to
			p := plan(t, d, from, to)
			if len(p.Steps) == 0 || !strings.Contains(p.Steps[0].Comment, "may change stored values") {
				t.Fatalf("the plan does not start with a check:\n%s", p.Format())
			}
			got := 0
			if _, err := conn.ExecContext(ctx, p.Steps[0].SQL); err != nil {
				m := count.FindStringSubmatch(err.Error())
				if m == nil {
					t.Fatalf("check failed without a count: %v\n%s", err, p.Steps[0].SQL)
				}
				got, _ = strconv.Atoi(m[1])
			}
			// What the server does.
			run(t, conn, "oracle", fmt.Sprintf(`CREATE TABLE %[1]s_was AS SELECT * FROM %[1]s;
SET @retort_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = '';
ALTER TABLE %[1]s MODIFY c %[2]s;
SET SESSION sql_mode = @retort_mode;`, table, tt.to))
			same := "CAST(a.c AS BINARY) <=> CAST(b.c AS BINARY)"
			switch {
			case tt.byValue && strings.Contains(tt.from+tt.to, "date") || strings.Contains(tt.from+tt.to, "time"):
				same = "a.c <=> b.c"
			case tt.byValue: // as decimals too: as doubles, 2^53 + 1 equals 2^53
				same = "a.c <=> b.c AND CAST(a.c AS DECIMAL(65,30)) <=> CAST(b.c AS DECIMAL(65,30))"
			}
			var changed int
			if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %[1]s a JOIN %[1]s_was b USING (id) WHERE NOT (%[2]s)", table, same)).Scan(&changed); err != nil {
				t.Fatal(err)
			}
			if got != changed || got != tt.want {
				t.Errorf("the check counts %d row(s), the server changed %d, want %d\n%s", got, changed, tt.want, p.Steps[0].SQL)
			}
		})
	}
}

// TestNarrowCheckUncheckable: a conversion retort cannot check (into YEAR)
// stops at any row, and says so.
func TestNarrowCheckUncheckable(t *testing.T) {
	db, _, d := newDB(t)
	conn := pin(t, db)
	run(t, conn, "setup", "CREATE TABLE t (id int PRIMARY KEY, c int);\nINSERT INTO t VALUES (1, 2024);")
	from, to := inspect(t, d, conn), inspect(t, d, conn)
	tab, _ := to.Table("t")
	col, _ := tab.Column("c")
	col.Type = "year"
	p := plan(t, d, from, to)
	if len(p.Steps) == 0 || !strings.Contains(p.Steps[0].Comment, "retort cannot check them") {
		t.Fatalf("the plan does not start with the check:\n%s", p.Format())
	}
	_, err := conn.ExecContext(context.Background(), p.Steps[0].SQL)
	if want := "retort: 1 row(s) of t: retort cannot check that column c keeps its values from int to year"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check: %v, want %q", err, want)
	}
}
