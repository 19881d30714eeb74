package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
)

// Screen returns the screen for statements run in a scratch database: a
// desired schema being loaded, migrations being replayed. It implements
// dialect.Screener; see classify for the classes.
func (d *Dialect) Screen(context.Context, dialect.Querier) (*dialect.Screen, error) {
	return &dialect.Screen{Classify: classify, Logger: d.logger}, nil
}

var lexPG = sqltok.Options{DollarQuotes: true}

// pgDumpMeta reports the psql meta-commands a schema file may hold:
// pg_dump (15.14+, 16.10+, 17.6+) wraps its output in \restrict KEY …
// \unrestrict KEY, which mean nothing outside psql.
func pgDumpMeta(cmd string) bool { return cmd == `\restrict` || cmd == `\unrestrict` }

// classify sorts one statement of a file run in a scratch database:
//
//   - Refuse what acts outside the scratch database: CREATE/ALTER/DROP
//     DATABASE (and COMMENT or SECURITY LABEL on one), ALTER SYSTEM,
//     tablespaces, COPY (files, programs, and the table data of a data
//     dump), LOAD, LANGUAGE C functions, DO blocks in untrusted languages
//     (plpython3u, plperlu, …), IMPORT FOREIGN SCHEMA, subscriptions, functions that
//     read or write the server's files, signal other sessions or reach
//     other databases (pg_read_file, lo_export, dblink, …, also inside
//     function bodies and DO blocks), and psql meta-commands other than
//     \restrict and \unrestrict.
//   - Skip what describes the server rather than the schema: ALTER …
//     OWNER TO, GRANT, REVOKE, ALTER DEFAULT PRIVILEGES, roles, users and
//     groups, user mappings, REASSIGN/DROP OWNED, SET ROLE and SET SESSION
//     AUTHORIZATION.
//   - Allow the rest: schema-level SQL and session settings (SET,
//     set_config).
func classify(stmt string) dialect.Verdict {
	meta := dialect.MetaCommands(stmt, lexPG, "psql meta-command", pgDumpMeta)
	if meta.Action != dialect.Allow {
		return meta
	}
	if meta.SQL != "" {
		v := classify(meta.SQL)
		if v.Action == dialect.Allow {
			v.SQL, v.Lines = meta.SQL, meta.Lines
		}
		return v
	}
	toks := sqltok.Lex(stmt, lexPG, 0)
	if v := classifyLead(toks); v.Action != dialect.Allow {
		return v
	}
	if reason := reach(toks, 0, false); reason != "" {
		return refuse(reason)
	}
	return dialect.Verdict{}
}

func refuse(reason string) dialect.Verdict {
	return dialect.Verdict{Action: dialect.Refuse, Kind: reason}
}

func skip(kind string) dialect.Verdict {
	return dialect.Verdict{Action: dialect.Skip, Kind: kind}
}

// leads reports whether toks start with the keywords words.
func leads(toks []sqltok.Token, words ...string) bool {
	if len(toks) < len(words) {
		return false
	}
	for i, w := range words {
		if !toks[i].Is(w) {
			return false
		}
	}
	return true
}

// classifyLead classifies a statement by its first keywords.
func classifyLead(toks []sqltok.Token) dialect.Verdict {
	if len(toks) == 0 {
		return dialect.Verdict{}
	}
	if r := refusedLead(toks); r != "" {
		return refuse(r)
	}
	verb := strings.ToUpper(toks[0].Text)
	object := ""
	if len(toks) > 1 {
		object = strings.ToUpper(toks[1].Text)
	}
	switch {
	case verb == "GRANT" || verb == "REVOKE":
		return skip(verb)
	case leads(toks, "ALTER", "DEFAULT", "PRIVILEGES"):
		return skip("ALTER DEFAULT PRIVILEGES")
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && (object == "ROLE" || object == "GROUP"):
		return skip(verb + " " + object)
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && object == "USER":
		if len(toks) > 2 && toks[2].Is("MAPPING") {
			return skip("USER MAPPING")
		}
		return skip(verb + " USER")
	case (verb == "REASSIGN" || verb == "DROP") && object == "OWNED":
		return skip(verb + " OWNED")
	case verb == "COMMENT" || verb == "SECURITY":
		for i := 1; i+1 < len(toks) && i < 6; i++ {
			if toks[i].Is("ON") && toks[i+1].Is("ROLE") {
				return skip(verb + " ON ROLE")
			}
		}
	case verb == "SET" || verb == "RESET":
		i := 1
		if i < len(toks) && (toks[i].Is("SESSION") || toks[i].Is("LOCAL")) && i+1 < len(toks) &&
			(toks[i+1].Is("ROLE") || toks[i+1].Is("SESSION")) {
			i++
		}
		if i < len(toks) && (toks[i].Is("ROLE") || (toks[i].Is("SESSION") && i+1 < len(toks) && toks[i+1].Is("AUTHORIZATION"))) {
			return skip("SET ROLE")
		}
	case verb == "ALTER":
		// ALTER … OWNER TO role, as pg_dump writes it: the whole statement.
		n := len(toks)
		// Not RENAME [COLUMN|CONSTRAINT|ATTRIBUTE] owner TO x.
		if n >= 4 && toks[n-3].Is("OWNER") && toks[n-2].Is("TO") && !toks[n-4].Is("RENAME") &&
			!toks[n-4].Is("COLUMN") && !toks[n-4].Is("CONSTRAINT") && !toks[n-4].Is("ATTRIBUTE") {
			return skip("OWNER TO")
		}
	}
	return dialect.Verdict{}
}

// refusedLead returns why a statement (or a statement of a function body)
// starting at toks acts outside the scratch database, or "".
func refusedLead(toks []sqltok.Token) string {
	if len(toks) == 0 {
		return ""
	}
	verb := strings.ToUpper(toks[0].Text)
	object := ""
	if len(toks) > 1 {
		object = strings.ToUpper(toks[1].Text)
	}
	switch {
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && object == "DATABASE":
		return verb + " DATABASE acts on a database other than the scratch database (pg_dump --create writes it: dump without --create)"
	case (verb == "COMMENT" || verb == "SECURITY") && onObject(toks, "DATABASE"):
		return verb + " ON DATABASE acts on a database other than the scratch database"
	case leads(toks, "ALTER", "SYSTEM"):
		return "ALTER SYSTEM changes the server's configuration"
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && object == "TABLESPACE",
		(verb == "COMMENT" || verb == "SECURITY") && onObject(toks, "TABLESPACE"):
		return verb + " TABLESPACE acts on the server's file system"
	case verb == "ALTER" && hasSeq(toks, "SET", "TABLESPACE"), verb == "ALTER" && hasSeq(toks, "IN", "TABLESPACE"):
		return "ALTER … SET TABLESPACE moves data between directories of the server's file system"
	case verb == "COPY" && (hasWord(toks, "TO") || hasWord(toks, "FROM")):
		switch {
		case hasWord(toks, "PROGRAM"):
			return "COPY … PROGRAM runs a program on the server"
		case hasSeq(toks, "FROM", "STDIN"):
			return "COPY … FROM stdin carries table data (a data dump): load a schema-only dump (pg_dump --schema-only)"
		case hasSeq(toks, "TO", "STDOUT"):
			return "COPY … TO STDOUT reads table data, which has no place in a schema file"
		}
		return "COPY … TO/FROM a file reads or writes the server's file system"
	case verb == "LOAD" && len(toks) > 1 && toks[1].Kind == sqltok.String:
		return "LOAD loads a shared library into the server"
	case leads(toks, "IMPORT", "FOREIGN", "SCHEMA"):
		return "IMPORT FOREIGN SCHEMA connects to another server"
	case (verb == "CREATE" || verb == "ALTER") && object == "SUBSCRIPTION":
		return verb + " SUBSCRIPTION connects to another database"
	case verb == "DO" || leads(toks, "CREATE", "FUNCTION") || leads(toks, "CREATE", "PROCEDURE") ||
		leads(toks, "CREATE", "OR", "REPLACE", "FUNCTION") || leads(toks, "CREATE", "OR", "REPLACE", "PROCEDURE"):
		lang := language(toks)
		switch {
		case lang == "c":
			return "a LANGUAGE C function loads a shared library into the server"
		case verb == "DO" && untrusted[lang]:
			return "a DO block in language " + lang + " runs with the server's access to its files and programs"
		}
	}
	return ""
}

// untrusted are procedural languages whose code reaches the server's file
// system and programs.
var untrusted = map[string]bool{
	"plpythonu": true, "plpython2u": true, "plpython3u": true, "plperlu": true, "pltclu": true, "plsh": true, "plr": true,
}

// language returns the lower-cased LANGUAGE of a routine or DO block: the
// word after the last LANGUAGE keyword (a parameter may be named language).
func language(toks []sqltok.Token) string {
	lang := ""
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].Is("LANGUAGE") {
			name, _ := toks[i+1].Ident()
			lang = strings.ToLower(name)
		}
	}
	return lang
}

// onObject reports whether a COMMENT or SECURITY LABEL statement is on an
// object of kind kind.
func onObject(toks []sqltok.Token, kind string) bool {
	for i := 1; i+1 < len(toks) && i < 8; i++ {
		if toks[i].Is("ON") {
			return toks[i+1].Is(kind)
		}
	}
	return false
}

func hasWord(toks []sqltok.Token, w string) bool {
	for _, t := range toks {
		if t.Is(w) {
			return true
		}
	}
	return false
}

func hasSeq(toks []sqltok.Token, a, b string) bool {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].Is(a) && toks[i+1].Is(b) {
			return true
		}
	}
	return false
}

// outsideFuncs are functions that reach outside the scratch database: the
// server's file system, large objects moved to and from files, other
// sessions, the server's state, other databases (dblink).
var outsideFuncs = map[string]string{
	"pg_read_file": "reads the server's files", "pg_read_binary_file": "reads the server's files",
	"pg_ls_dir": "lists the server's directories", "pg_stat_file": "reads the server's file system",
	"pg_ls_logdir": "lists the server's directories", "pg_ls_waldir": "lists the server's directories",
	"pg_ls_tmpdir": "lists the server's directories", "pg_ls_archive_statusdir": "lists the server's directories",
	"pg_ls_logicalmapdir": "lists the server's directories", "pg_ls_logicalsnapdir": "lists the server's directories",
	"pg_ls_replslotdir": "lists the server's directories",
	"pg_file_write":     "writes the server's files", "pg_file_rename": "renames the server's files",
	"pg_file_unlink": "removes the server's files", "pg_file_sync": "acts on the server's files",
	"pg_logdir_ls": "lists the server's directories",
	"lo_import":    "reads the server's files", "lo_export": "writes the server's files",
	"pg_terminate_backend": "acts on other sessions", "pg_cancel_backend": "acts on other sessions",
	"pg_reload_conf": "changes the server's configuration", "pg_rotate_logfile": "acts on the server",
	"pg_promote": "acts on the server", "pg_switch_wal": "acts on the server",
	"pg_create_restore_point": "acts on the server", "pg_backup_start": "acts on the server",
	"pg_backup_stop": "acts on the server", "pg_start_backup": "acts on the server", "pg_stop_backup": "acts on the server",
	"pg_create_physical_replication_slot": "acts on the server", "pg_create_logical_replication_slot": "acts on the server",
	"pg_drop_replication_slot": "acts on the server",
	"dblink":                   "reaches another database", "dblink_exec": "reaches another database",
	"dblink_connect": "reaches another database", "dblink_connect_u": "reaches another database",
	"dblink_open": "reaches another database", "dblink_send_query": "reaches another database",
}

// reach returns why toks call a function that reaches outside the scratch
// database, or run a statement that does inside a function body, a DO
// block or an EXECUTE of a string; "" if they do neither. code says that
// toks are the body of a routine or DO block (or an EXECUTEd string), whose
// statements are checked like the file's own. Other strings (comments,
// messages) are searched for function calls only. Strings are searched to
// depth 3 (a body holding an EXECUTE of a string).
func reach(toks []sqltok.Token, depth int, code bool) string {
	routine := depth == 0 && (leads(toks, "DO") || leads(toks, "CREATE", "FUNCTION") || leads(toks, "CREATE", "PROCEDURE") ||
		leads(toks, "CREATE", "OR", "REPLACE", "FUNCTION") || leads(toks, "CREATE", "OR", "REPLACE", "PROCEDURE"))
	for i, t := range toks {
		switch t.Kind {
		case sqltok.Word:
			if why, ok := outsideFuncs[strings.ToLower(t.Text)]; ok && dialect.Call(toks, i) {
				return fmt.Sprintf("%s() %s", strings.ToLower(t.Text), why)
			}
			if code && (i == 0 || toks[i-1].Text == ";" || isBlockWord(toks[i-1])) {
				if r := refusedLead(untilSemicolon(toks[i:])); r != "" {
					return r + " (in a function body or DO block)"
				}
			}
		case sqltok.String:
			if depth >= 3 {
				continue
			}
			inner := routine || (code && i > 0 && toks[i-1].Is("EXECUTE"))
			if r := reach(sqltok.Lex(stringBody(t.Text), lexPG, 0), depth+1, inner); r != "" {
				return r
			}
		}
	}
	return ""
}

// untilSemicolon returns the tokens of toks before the first ";": one
// statement of a body.
func untilSemicolon(toks []sqltok.Token) []sqltok.Token {
	for i, t := range toks {
		if t.Kind == sqltok.Punct && t.Text == ";" {
			return toks[:i]
		}
	}
	return toks
}

// isBlockWord reports whether a statement of a PL/pgSQL body may follow t.
func isBlockWord(t sqltok.Token) bool {
	for _, w := range []string{"BEGIN", "THEN", "ELSE", "LOOP", "EXECUTE"} {
		if t.Is(w) {
			return true
		}
	}
	return false
}
