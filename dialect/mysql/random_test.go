package mysql_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/retortdb/retort/internal/testdb"
)

var randomCases = flag.Int("random", 24, "number of random schema pairs TestRandomConvergence tries")

// randomSchema returns a random schema over a fixed universe of names, so
// that two of them share tables, columns, keys and indexes: tables t0…t4
// with an int or bigint primary key; columns whose name fixes a type
// family (so that rows convert: c_int, c_str, c_dec, c_time, c_enum) with
// random widths, nullability and defaults; nullable foreign key columns
// to other tables (or the table itself) with random actions and names;
// random plain and unique indexes, and checks.
func randomSchema(r *rand.Rand) (src string, tables []string) {
	var b strings.Builder
	idType := map[string]string{}
	var names []string
	for i := range 5 {
		if r.IntN(5) == 0 && i > 0 {
			continue
		}
		n := fmt.Sprintf("t%d", i)
		names = append(names, n)
		idType[n] = []string{"int", "bigint", "int unsigned"}[r.IntN(3)]
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	for _, t := range names {
		var cols, extra []string
		cols = append(cols, "id "+idType[t]+" NOT NULL")
		null := func() string { return pick("", " NOT NULL") }
		if r.IntN(4) > 0 {
			cols = append(cols, "c_int "+pick("int", "bigint", "smallint")+null()+pick("", " DEFAULT 7"))
		}
		if r.IntN(4) > 0 {
			cols = append(cols, "c_str "+pick("varchar(10)", "varchar(20)", "char(12)")+null()+pick("", " DEFAULT 'x''y'", " DEFAULT ''")+
				pick("", "", " COLLATE utf8mb4_bin"))
		}
		if r.IntN(3) > 0 {
			cols = append(cols, "c_dec "+pick("decimal(8,2)", "decimal(10,2)")+null()+pick("", " DEFAULT 1.5"))
		}
		if r.IntN(3) > 0 {
			cols = append(cols, "c_time "+pick("datetime", "timestamp", "datetime(3)")+" NULL"+
				pick("", " DEFAULT CURRENT_TIMESTAMP", " DEFAULT '2020-01-01 00:00:00'"))
		}
		if r.IntN(3) > 0 {
			cols = append(cols, "c_enum "+pick("enum('a','b')", "enum('a','b','c')")+null()+pick("", " DEFAULT 'b'"))
		}
		for _, p := range names {
			if r.IntN(3) != 0 {
				continue
			}
			col := "fk_" + p
			cols = append(cols, col+" "+idType[p])
			fk := fmt.Sprintf("FOREIGN KEY (%s) REFERENCES %s (id)", col, p)
			if r.IntN(2) == 0 {
				fk = fmt.Sprintf("CONSTRAINT %s_%s_%s %s", t, col, pick("fk", "ref"), fk)
			}
			fk += pick("", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON DELETE RESTRICT", " ON DELETE NO ACTION") +
				pick("", " ON UPDATE CASCADE")
			extra = append(extra, fk)
			if r.IntN(3) == 0 {
				extra = append(extra, fmt.Sprintf("KEY %s_%s_k (%s, id)", t, col, col))
			}
		}
		has := func(c string) bool {
			for _, x := range cols {
				if strings.HasPrefix(x, c+" ") {
					return true
				}
			}
			return false
		}
		if has("c_str") && r.IntN(2) == 0 {
			extra = append(extra, fmt.Sprintf("KEY %s_str_idx (c_str%s)", t, pick("", "(5)")))
		}
		if has("c_int") && has("c_dec") && r.IntN(2) == 0 {
			extra = append(extra, fmt.Sprintf("KEY %s_int_dec (c_int, c_dec%s)", t, pick("", " DESC")))
		}
		if has("c_int") && r.IntN(3) == 0 {
			extra = append(extra, pick("CHECK (c_int > -1000)", fmt.Sprintf("CONSTRAINT %s_int_check CHECK (c_int < 100000)", t)))
		}
		pk := "PRIMARY KEY (id)"
		if has("c_int") && r.IntN(5) == 0 {
			pk = "PRIMARY KEY (id, c_int)"
			for i, c := range cols {
				if strings.HasPrefix(c, "c_int ") && !strings.Contains(c, "NOT NULL") {
					cols[i] = strings.Replace(c, "c_int "+strings.Fields(c)[1], "c_int "+strings.Fields(c)[1]+" NOT NULL", 1)
				}
			}
		}
		all := append(append(cols, pk), extra...)
		fmt.Fprintf(&b, "CREATE TABLE %s (\n  %s\n)%s;\n", t, strings.Join(all, ",\n  "), pick("", "", " COMMENT 'c'"))
	}
	return b.String(), names
}

// randomData inserts rows that any schema of randomSchema keeps: ids 1…3,
// every foreign key NULL, and the other columns left to their defaults or
// set to values every type of their family holds.
func randomData(t *testing.T, s string, tables []string) string {
	var b strings.Builder
	for _, tb := range tables {
		for id := 1; id <= 3; id++ {
			cols, vals := []string{"id"}, []string{fmt.Sprint(id)}
			for col, v := range map[string]string{"c_int": "5", "c_str": "'s" + fmt.Sprint(id) + "'", "c_dec": "2.5", "c_time": "'2021-02-03 04:05:06'", "c_enum": "'a'"} {
				if strings.Contains(s, "CREATE TABLE "+tb+" (") && strings.Contains(tableText(s, tb), "\n  "+col+" ") {
					cols, vals = append(cols, col), append(vals, v)
				}
			}
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s);\n", tb, strings.Join(cols, ", "), strings.Join(vals, ", "))
		}
	}
	return b.String()
}

func tableText(s, table string) string {
	i := strings.Index(s, "CREATE TABLE "+table+" (")
	j := strings.Index(s[i:], ";\n")
	return s[i : i+j]
}

// TestRandomConvergence plans, applies and reverses random schema pairs
// (with rows) and checks that the database ends equal to the desired
// schema, that a second plan is empty, and that rows survive.
func TestRandomConvergence(t *testing.T) {
	if os.Getenv(testdb.MySQLEnv) == "" {
		t.Skipf("set %s to run the MySQL random convergence test", testdb.MySQLEnv)
	}
	for seed := range *randomCases {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(seed), 42))
			fromSQL, fromTables := randomSchema(r)
			toSQL, _ := randomSchema(r)
			db, _, d := newDB(t)
			conn := pin(t, db)
			run(t, conn, "from.sql", "SET foreign_key_checks = 0;\n"+fromSQL+"SET foreign_key_checks = 1;\n")
			run(t, conn, "data.sql", randomData(t, fromSQL, fromTables))
			before := rowCounts(t, db)
			desired := loadSchema(t, d, "to.sql", toSQL)
			p := plan(t, d, inspect(t, d, db), desired)
			apply(t, d, db, p)
			after := inspect(t, d, db)
			if changes := compare(after, desired); len(changes) > 0 {
				t.Fatalf("after the plan the database differs:\n%s\nfrom:\n%s\nto:\n%s\nplan:\n%s", describe(changes), fromSQL, toSQL, p.Format())
			}
			counts := rowCounts(t, db)
			for table, n := range before {
				if m, ok := counts[table]; ok && m != n {
					t.Errorf("table %s has %d rows after the plan, had %d", table, m, n)
				}
			}
			if printed := d.SQL(desired); len(compare(loadSchema(t, d, "SQL()", printed), desired)) > 0 {
				t.Errorf("SQL() of to.sql loads into a different schema:\n%s", printed)
			}
			original := loadSchema(t, d, "from.sql", fromSQL)
			back := plan(t, d, after, original)
			apply(t, d, db, back)
			if changes := compare(inspect(t, d, db), original); len(changes) > 0 {
				t.Errorf("after the reverse plan the database differs from from.sql:\n%s\nreverse plan:\n%s", describe(changes), back.Format())
			}
		})
	}
}
