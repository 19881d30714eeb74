package mysql_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/internal/testdb"
)

// TestSplitMatchesTheClient runs scripts with tricky lexing (comments,
// escapes, quotes, DELIMITER, sql_mode) through the mariadb command-line
// client and through Split statement by statement on one connection: both
// must produce the same result rows, so retort runs what `mysql < file`
// runs.
func TestSplitMatchesTheClient(t *testing.T) {
	client, err := exec.LookPath("mariadb")
	if err != nil {
		if client, err = exec.LookPath("mysql"); err != nil {
			t.Skip("needs the mariadb or mysql client")
		}
	}
	scripts := map[string]string{
		"hash comment":             "SELECT 'a' # ; SELECT 'hidden';\n;\nSELECT 'b';",
		"dash comment":             "SELECT 'a' -- ; SELECT 'hidden'\n;\nSELECT 1--1;",
		"dash without space":       "SELECT 3--2;\nSELECT 3---2;",
		"backslash escapes":        "SELECT 'it\\'s; fine';\nSELECT \"say \\\"hi\\\";\";\nSELECT 'a\\\\';",
		"doubled quotes":           "SELECT 'it''s;';\nSELECT \"a\"\"b;\";",
		"block comments":           "SELECT /* ; */ 'a';\nSELECT 'b' /* 'unbalanced */;",
		"executable comment":       "SELECT 1 /*!40000 + 1 */;\nSELECT /*!99999 'hidden', */ 'shown';",
		"backtick identifiers":     "SELECT 'x' AS `a;b`;\nSELECT 'y' AS `c``d`;",
		"delimiter":                "DELIMITER //\nSELECT 'a'; //\nSELECT 'b' //\nDELIMITER ;\nSELECT 'c';",
		"no backslash escapes":     "SET sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';\nSET sql_mode = '';\nSELECT 'b\\'c';",
		"sql_mode saved, restored": "SET @old = @@sql_mode, sql_mode = 'NO_BACKSLASH_ESCAPES';\nSELECT 'a\\';\nSET sql_mode = @old;\nSELECT 'b\\'c';",
		"hash inside strings":      "SELECT '#not a comment';\nSELECT \"-- nor this\";",
	}
	for name, src := range scripts {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(testdb.MySQL(t))
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"--protocol=TCP", "-h", u.Hostname(), "-u", u.User.Username(), "--batch", "--raw", "--skip-column-names", strings.TrimPrefix(u.Path, "/")}
			if port := u.Port(); port != "" {
				args = append(args, "-P", port)
			}
			cmd := exec.Command(client, args...)
			cmd.Stdin = strings.NewReader(src)
			cmd.Env = os.Environ()
			if pw, ok := u.User.Password(); ok {
				cmd.Env = append(cmd.Env, "MYSQL_PWD="+pw)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", client, err, stderr.String())
			}
			want := strings.Split(strings.TrimRight(string(out), "\n"), "\n")

			db, _, _ := newDB(t)
			conn := pin(t, db)
			stmts, err := mysql.Split(src)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range stmts {
				if strings.HasPrefix(strings.ToUpper(s.SQL), "SET ") {
					if _, err := conn.ExecContext(context.Background(), s.SQL); err != nil {
						t.Fatalf("%s: %v", s.SQL, err)
					}
					continue
				}
				for _, row := range queryRows(t, conn, s.SQL) {
					got = append(got, strings.ReplaceAll(row, " | ", "\t"))
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rows differ (-client +Split):\n%s\nstatements: %+v", d, stmts)
			}
		})
	}
}
