package main

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect/mysql"
)

// cmdMySQL runs "mysql SCRIPT" in a MySQL script: the statements of SCRIPT
// (split the MySQL way) run in order on the database of $DATABASE_URL, on
// one connection, and the rows of every statement that returns any are
// printed one per line, columns separated by "|" (NULL for null). With !,
// the script must fail; its error goes to stderr.
func cmdMySQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mysql SCRIPT")
	}
	ts.Stdout() // an empty result must replace the previous command's output
	err := runMySQL(ts, ts.Getenv("DATABASE_URL"), args[0])
	if neg {
		if err == nil {
			ts.Fatalf("mysql succeeded unexpectedly")
		}
		fmt.Fprintf(ts.Stderr(), "%v\n", err)
		return
	}
	ts.Check(err)
}

func runMySQL(ts *testscript.TestScript, rawURL, script string) error {
	t, err := retort.ParseURL(rawURL)
	if err != nil {
		return err
	}
	if t.Dialect != "mysql" {
		return fmt.Errorf("mysql: $DATABASE_URL is a %s database", t.Dialect)
	}
	db, err := sql.Open("mysql", t.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stmts, err := mysql.Split(script)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		rows, err := db.Query(s.SQL)
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				if v == nil {
					parts[i] = "NULL"
				} else {
					parts[i] = string(v)
				}
			}
			fmt.Fprintln(ts.Stdout(), strings.Join(parts, "|"))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
