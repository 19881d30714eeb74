package mysql_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/retortdb/retort/dialect/mysql"
)

var algorithmClause = regexp.MustCompile(`ALGORITHM=(\w+)`)

// The algorithm the plan claims for each change of an existing table is
// what the server does: every INPLACE (or INSTANT) statement runs without
// a copy, since the server refuses one it cannot run so (errors 1845,
// 1846); every COPY statement is one the server refuses to run in place,
// so that a copy is never asked for where none is needed. The rows stay.
func TestOnlineClaimsAreHonest(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		want     []string // the algorithm of each ALTER TABLE / CREATE INDEX, "-" for none
	}{
		{"index and unique key added",
			"CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20))",
			"CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20), KEY t_a (a), UNIQUE KEY t_b (b))",
			[]string{"INPLACE", "INPLACE"}},
		{"index dropped and redefined",
			"CREATE TABLE t (id int PRIMARY KEY, a int, b int, KEY t_a (a), KEY t_b (b))",
			"CREATE TABLE t (id int PRIMARY KEY, a int, b int, KEY t_b (b, a))",
			[]string{"INPLACE", "INPLACE"}},
		{"columns added, dropped, moved, made NOT NULL, given a default",
			"CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20) DEFAULT '', c int, gone int)",
			"CREATE TABLE t (id int PRIMARY KEY, b varchar(20) NOT NULL DEFAULT '', a int DEFAULT 7, new int, c int COMMENT 'see')",
			[]string{"INPLACE", "INPLACE", "INPLACE", "INPLACE", "INPLACE", "INPLACE"}},
		{"longer varchar, ENUM and SET members appended",
			"CREATE TABLE t (id int PRIMARY KEY, v varchar(20), w varchar(31), e enum('a','b'), s set('x','y')) DEFAULT CHARSET=utf8mb4",
			"CREATE TABLE t (id int PRIMARY KEY, v varchar(60), w varchar(100), e enum('a','b','c'), s set('x','y','z')) DEFAULT CHARSET=utf8mb4",
			[]string{"INPLACE", "INPLACE", "INPLACE", "INPLACE"}},
		{"collation changed",
			"CREATE TABLE t (id int PRIMARY KEY, v varchar(20) COLLATE utf8mb4_general_ci, KEY t_v (v)) DEFAULT CHARSET=utf8mb4",
			"CREATE TABLE t (id int PRIMARY KEY, v varchar(20) COLLATE utf8mb4_bin, KEY t_v (v)) DEFAULT CHARSET=utf8mb4",
			[]string{"INPLACE"}},
		{"type changes that copy",
			"CREATE TABLE t (id int PRIMARY KEY, n int, v varchar(32), e enum('a','b'), c char(3)) DEFAULT CHARSET=utf8mb4",
			"CREATE TABLE t (id int PRIMARY KEY, n bigint, v varchar(100), e enum('b','a'), c varchar(3)) DEFAULT CHARSET=utf8mb4",
			[]string{"COPY", "COPY", "COPY", "COPY"}},
		{"stored generated column added",
			"CREATE TABLE t (id int PRIMARY KEY, a int)",
			"CREATE TABLE t (id int PRIMARY KEY, a int, twice int AS (a * 2) STORED)",
			[]string{"COPY"}},
		{"table with a FULLTEXT index left to the server",
			"CREATE TABLE t (id int PRIMARY KEY, body text, FULLTEXT KEY ft (body))",
			"CREATE TABLE t (id int PRIMARY KEY, body text, extra int, FULLTEXT KEY ft (body))",
			[]string{"-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _, d := newDB(t)
			conn := pin(t, db)
			run(t, conn, "from", tt.from)
			run(t, conn, "rows", "INSERT INTO t (id) VALUES (1), (2), (3)")
			p := plan(t, d, inspect(t, d, conn), loadSchema(t, d, "to.sql", tt.to))
			var got []string
			for _, s := range p.Steps {
				if !strings.HasPrefix(s.SQL, "ALTER TABLE") && !strings.HasPrefix(s.SQL, "CREATE ") {
					if _, err := conn.ExecContext(context.Background(), s.SQL); err != nil {
						t.Fatalf("%v\n%s", err, s.SQL)
					}
					continue
				}
				algo := "-"
				if m := algorithmClause.FindStringSubmatch(s.SQL); m != nil {
					algo = m[1]
				}
				got = append(got, algo)
				if mysql.CopiesTable(s.SQL) {
					if !strings.Contains(s.Comment, "the table is copied") {
						t.Errorf("a copy not said in the comment:\n-- %s\n%s", s.Comment, s.SQL)
					}
					inplace := strings.Replace(s.SQL, "ALGORITHM=COPY", "ALGORITHM=INPLACE", 1)
					_, err := conn.ExecContext(context.Background(), inplace)
					var me *gomysql.MySQLError
					if !errors.As(err, &me) || me.Number != 1845 && me.Number != 1846 {
						t.Errorf("the server runs a statement planned as a copy in place (error %v):\n%s", err, inplace)
					}
				}
				if _, err := conn.ExecContext(context.Background(), s.SQL); err != nil {
					t.Fatalf("%v\n%s\nplan:\n%s", err, s.SQL, p.Format())
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("algorithms %v, want %v\nplan:\n%s", got, tt.want, p.Format())
			}
			if n := queryRows(t, conn, "SELECT count(*) FROM t"); n[0] != "3" {
				t.Errorf("rows after the change: %s, want 3", n[0])
			}
			if again := plan(t, d, inspect(t, d, conn), loadSchema(t, d, "to.sql", tt.to)); !again.Empty() {
				t.Errorf("second plan not empty:\n%s", again.Format())
			}
		})
	}
}
