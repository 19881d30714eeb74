package mysql

import (
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
)

// Split splits a MySQL script into statements the way the mysql client
// does (see sqlsplit.MySQL): the splitter that both schema files
// (file://) and migration files of this engine go through.
func Split(src string) ([]sqlsplit.Stmt, error) {
	return sqlsplit.MySQL(src, sqlsplit.Options{})
}

// executable reports whether a comment is one the server runs:
// /*!40101 SET NAMES utf8mb4 */ (and MariaDB's /*M!…*/), as mysqldump writes.
func executable(comment string) bool {
	return strings.HasPrefix(comment, "/*!") || strings.HasPrefix(comment, "/*M!")
}
