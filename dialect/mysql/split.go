package mysql

import "github.com/retortdb/retort/internal/sqlsplit"

// Split splits a MySQL script into statements the way the mysql client
// does (see sqlsplit.MySQL): the splitter that both schema files
// (file://) and migration files of this engine go through.
func Split(src string) ([]sqlsplit.Stmt, error) {
	return sqlsplit.MySQL(src, sqlsplit.Options{})
}
