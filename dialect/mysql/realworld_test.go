package mysql_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/testdb"
)

// TestRealWorldSchemas builds public sample schemas (testdata/realworld,
// licences in its README) from empty with retort — loaded into a scratch
// database, planned against an empty database and applied, as retort
// apply --to file:// does — and compares the result with the same file
// loaded natively by the mariadb client into another database. The
// comparison is independent of retort's inspection: information_schema
// rows for tables, columns, indexes, foreign keys, checks, views,
// triggers, routines, parameters and partitions, with the database names
// taken out. A second diff against the file must be empty.
func TestRealWorldSchemas(t *testing.T) {
	client, err := exec.LookPath("mariadb")
	if err != nil {
		if client, err = exec.LookPath("mysql"); err != nil {
			t.Skip("the real-world comparison needs the mariadb or mysql client")
		}
	}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "realworld", "*", "schema.sql"))
	if len(dirs) < 2 {
		t.Fatalf("want at least two real-world schemas, found %v", dirs)
	}
	for _, file := range dirs {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()

			// retort: from empty.
			built, _, d := newDB(t)
			rdb, err := retort.New(built, d)
			if err != nil {
				t.Fatal(err)
			}
			desired, err := rdb.LoadSQL(ctx, file, string(src))
			if err != nil {
				t.Fatalf("load %s: %v", file, err)
			}
			p, err := rdb.Plan(ctx, desired)
			if err != nil {
				t.Fatal(err)
			}
			if err := rdb.Apply(ctx, p); err != nil {
				t.Fatalf("apply: %v\n%s", err, p.Script())
			}

			// The mysql client: the same file, natively.
			native := nativeLoad(t, client, src)

			if d := cmp.Diff(catalog(t, native), catalog(t, built)); d != "" {
				t.Errorf("retort's build differs from the native load (-native +retort):\n%s\nplan:\n%s", d, p.Script())
			}

			// Second diff: nothing left to do, whichever side it starts from.
			after := inspect(t, d, built)
			if changes := diff.Compare(after, desired); len(changes) > 0 {
				t.Errorf("after apply the database still differs from %s:\n%s", file, describe(changes))
			}
			if again := plan(t, d, after, desired); !again.Empty() {
				t.Errorf("a second plan is not empty:\n%s", again.Format())
			}
			if changes := diff.Compare(inspect(t, d, native), desired); len(changes) > 0 {
				t.Errorf("the native load differs from %s as retort sees it:\n%s", file, describe(changes))
			}

			// inspect --format sql loads with the mysql client into the
			// same catalog.
			printed := nativeLoad(t, client, []byte(d.SQL(desired)))
			if d := cmp.Diff(catalog(t, native), catalog(t, printed)); d != "" {
				t.Errorf("inspect --format sql loaded by %s differs from the native load of the file (-file +printed):\n%s", client, d)
			}
		})
	}
}

// nativeLoad creates a database and runs src in it with the command-line
// client, as a user would (mariadb db < schema.sql).
func nativeLoad(t *testing.T, client string, src []byte) *sql.DB {
	t.Helper()
	u, err := url.Parse(testdb.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--protocol=TCP", "-h", u.Hostname(), "-u", u.User.Username(), strings.TrimPrefix(u.Path, "/")}
	if port := u.Port(); port != "" {
		args = append(args, "-P", port)
	}
	cmd := exec.Command(client, args...)
	cmd.Stdin = bytes.NewReader(src)
	cmd.Env = os.Environ()
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(cmd.Env, "MYSQL_PWD="+pw) // not on the command line
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s < schema.sql: %v\n%s", client, err, out)
	}
	target, err := retort.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// catalog returns what information_schema says about the current
// database, one line per object part, with the database's name replaced
// by "DB". The client character set a trigger or routine was created
// under is left out (the mysql client and retort's driver connect with
// different ones); so are AUTO_INCREMENT counters and timestamps.
func catalog(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var name string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{
		"table": `SELECT TABLE_NAME, TABLE_TYPE, COALESCE(ENGINE, ''), COALESCE(TABLE_COLLATION, ''), TABLE_COMMENT, CREATE_OPTIONS
			FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
		"column": `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, 'NULL'),
			EXTRA, COALESCE(COLLATION_NAME, ''), COALESCE(GENERATION_EXPRESSION, ''), COLUMN_COMMENT
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
		"index": `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE,
			GROUP_CONCAT(COLUMN_NAME, '(', COALESCE(SUB_PART, ''), ')', COALESCE(COLLATION, '') ORDER BY SEQ_IN_INDEX)
			FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
			GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE`,
		"fk": `SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE,
			GROUP_CONCAT(k.COLUMN_NAME, '>', k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION)
			FROM information_schema.REFERENTIAL_CONSTRAINTS rc
			JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
			  AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
			WHERE rc.CONSTRAINT_SCHEMA = DATABASE()
			GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE`,
		"check": `SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
			WHERE CONSTRAINT_SCHEMA = DATABASE()`,
		"view": `SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, SECURITY_TYPE, ALGORITHM
			FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`,
		"trigger": `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT, SQL_MODE
			FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`,
		"routine": `SELECT ROUTINE_TYPE, ROUTINE_NAME, COALESCE(DTD_IDENTIFIER, ''), ROUTINE_DEFINITION, IS_DETERMINISTIC,
			SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT
			FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
		"parameter": `SELECT SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, COALESCE(PARAMETER_MODE, ''), COALESCE(PARAMETER_NAME, ''), DTD_IDENTIFIER
			FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE()`,
		"partition": `SELECT TABLE_NAME, PARTITION_NAME, PARTITION_ORDINAL_POSITION, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION
			FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL`,
	}
	rows := map[string][]string{}
	for kind, q := range queries {
		for _, row := range queryRows(t, db, q) {
			rows[kind] = append(rows[kind], strings.ReplaceAll(row, "`"+name+"`.", ""))
		}
	}
	// Foreign keys the file leaves unnamed are named by the server
	// (t_ibfk_1) in a native load and by retort's convention
	// (t_col_fkey) when retort creates them, and so are the indexes the
	// server makes for them (named after the key, or its first column):
	// such names are compared as "~".
	fkCols := map[string]bool{} // table | columns of every foreign key
	for i, row := range rows["fk"] {
		f := strings.Split(row, " | ")
		table, fk, pairs := f[0], f[1], strings.Split(f[5], ",")
		var cols []string
		for _, p := range pairs {
			cols = append(cols, strings.Split(p, ">")[0])
		}
		fkCols[table+" | "+strings.Join(cols, ",")] = true
		if ok, _ := regexp.MatchString(`^`+regexp.QuoteMeta(table)+`_(ibfk_[0-9]+|.*_fkey)$`, fk); ok {
			f[1] = "~"
			rows["fk"][i] = strings.Join(f, " | ")
		}
	}
	for i, row := range rows["index"] {
		f := strings.Split(row, " | ")
		var cols []string
		for _, c := range strings.Split(f[4], ",") {
			cols = append(cols, c[:strings.Index(c, "(")])
		}
		if f[2] == "1" && fkCols[f[0]+" | "+strings.Join(cols, ",")] &&
			(f[1] == cols[0] || strings.HasSuffix(f[1], "_fkey") || strings.Contains(f[1], "_ibfk_")) {
			f[1] = "~"
			rows["index"][i] = strings.Join(f, " | ")
		}
		// A UNIQUE key the file leaves unnamed is named after its first
		// column by the server, and <table>_<columns>_key by retort's
		// convention.
		if f[2] == "0" && f[1] != "PRIMARY" &&
			(f[1] == cols[0] || f[1] == f[0]+"_"+strings.Join(cols, "_")+"_key") {
			f[1] = "~"
			rows["index"][i] = strings.Join(f, " | ")
		}
	}
	// The mysql client strips comments from what it sends; retort keeps
	// them in trigger and routine bodies. Bodies are compared without.
	for _, kind := range []string{"routine", "trigger"} {
		for i, row := range rows[kind] {
			rows[kind][i] = strings.Join(strings.Fields(stripSQLComments(row)), " ")
		}
	}
	var out []string
	for kind, rs := range rows {
		for _, r := range rs {
			out = append(out, kind+": "+r)
		}
	}
	slices.Sort(out)
	return out
}

// stripSQLComments removes # and "-- " comments to the end of their line
// and /* */ comments, outside '…' strings, as the mysql client does.
func stripSQLComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j
		case c == '#' || (c == '-' && strings.HasPrefix(s[i:], "-- ")):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case c == '/' && strings.HasPrefix(s[i:], "/*") && !strings.HasPrefix(s[i:], "/*!"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += 2 + end + 1
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
