// Command genschema prints the PostgreSQL schema of n generated tables that
// the benchmarks of bench/postgres use (postgres.Schema).
//
//	go run ./bench/postgres/cmd/genschema -tables 1000 > schema.sql
package main

import (
	"flag"
	"fmt"

	"github.com/retortdb/retort/bench/postgres"
)

func main() {
	n := flag.Int("tables", 1000, "number of tables (two foreign keys each)")
	flag.Parse()
	fmt.Print(postgres.Schema(*n))
}
