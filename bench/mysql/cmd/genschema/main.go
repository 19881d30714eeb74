// Command genschema prints the MySQL schema of n generated tables that the
// benchmark of bench/mysql uses (mysql.Schema).
//
//	go run ./bench/mysql/cmd/genschema -tables 1000 > schema.sql
package main

import (
	"flag"
	"fmt"

	"github.com/retortdb/retort/bench/mysql"
)

func main() {
	n := flag.Int("tables", 1000, "number of tables (two foreign keys each)")
	flag.Parse()
	fmt.Print(mysql.Schema(*n))
}
