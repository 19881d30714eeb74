package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// Screen returns the screen for statements run in the scratch database
// scratch (loading a desired schema, replaying migrations): it reads the
// names of the server's other databases, which statements must not name.
// It implements dialect.Screener; see classify for the classes.
func (d *Dialect) Screen(ctx context.Context, scratch dialect.Querier) (*dialect.Screen, error) {
	others, err := otherDatabases(ctx, scratch)
	if err != nil {
		return nil, err
	}
	return &dialect.Screen{Classify: func(stmt string) dialect.Verdict { return classify(stmt, others) }, Logger: d.logger}, nil
}

// serverVerbs are statements that act on the whole server.
var serverVerbs = map[string]bool{
	"FLUSH": true, "RESET": true, "PURGE": true, "CHANGE": true, "KILL": true, "SHUTDOWN": true,
	"RESTART": true, "INSTALL": true, "UNINSTALL": true, "CACHE": true, "BINLOG": true,
}

// classify sorts one statement of a file run in a scratch database
// (executable comments expanded):
//
//   - Refuse what acts outside the scratch database: USE,
//     CREATE/ALTER/DROP DATABASE or SCHEMA, names qualified by another
//     database of the server (others), SET GLOBAL / PERSIST, server
//     administration (FLUSH, RESET, PURGE, CHANGE MASTER, START/STOP
//     REPLICA, KILL, SHUTDOWN, INSTALL PLUGIN, servers, tablespaces,
//     logfile groups, ALTER INSTANCE), the file system (SELECT … INTO
//     OUTFILE/DUMPFILE, LOAD DATA/XML, LOAD_FILE(), DATA/INDEX DIRECTORY,
//     CONNECT's FILE_NAME), FEDERATED CONNECTION strings, user-defined
//     functions from a library (SONAME), dynamic SQL (PREPARE, EXECUTE), and
//     mysql client commands (\. \! …); in trigger, routine and event
//     bodies, the statements refused at the start of a statement.
//   - Skip what describes the server rather than the schema: GRANT,
//     REVOKE, CREATE/ALTER/DROP/RENAME USER, CREATE/DROP ROLE, SET
//     PASSWORD, SET [DEFAULT] ROLE, SET GTID_PURGED.
//   - Allow the rest: schema-level SQL and session settings.
func classify(stmt string, others map[string]bool) dialect.Verdict {
	if v := dialect.MetaCommands(stmt, lexMySQL, "mysql client command", func(string) bool { return false }); v.Action != dialect.Allow {
		return v
	}
	toks := sqltok.Significant(sqltok.Tokenize(sqlsplit.ExpandExecutable(stmt, lexMySQL), lexMySQL))
	if len(toks) == 0 {
		return dialect.Verdict{}
	}
	if v := lead(toks); v.Action != dialect.Allow {
		return v
	}
	if routine(toks) {
		// The statements of a trigger, procedure, function or event body
		// run later (an event by itself): refuse in them what the file
		// may not run.
		for i := 1; i < len(toks); i++ {
			if p := toks[i-1]; p.Text != ";" && !p.Is("DO") && !p.Is("BEGIN") && !p.Is("THEN") && !p.Is("ELSE") &&
				!p.Is("LOOP") && !p.Is("REPEAT") {
				continue
			}
			end := i
			for end < len(toks) && toks[end].Text != ";" {
				end++
			}
			if v := lead(toks[i:end]); v.Action == dialect.Refuse {
				v.Kind += " (in a routine body)"
				return v
			}
		}
	}
	return scan(toks, others)
}

// routine reports whether toks create a trigger, procedure, function or
// event (after an optional DEFINER = user clause).
func routine(toks []sqltok.Token) bool {
	if len(toks) == 0 || !toks[0].Is("CREATE") {
		return false
	}
	for _, t := range toks[1:min(len(toks), 12)] {
		if t.Is("TRIGGER") || t.Is("PROCEDURE") || t.Is("FUNCTION") || t.Is("EVENT") {
			return true
		}
	}
	return false
}

func refuse(format string, args ...any) dialect.Verdict {
	return dialect.Verdict{Action: dialect.Refuse, Kind: fmt.Sprintf(format, args...)}
}

func skip(kind string) dialect.Verdict { return dialect.Verdict{Action: dialect.Skip, Kind: kind} }

// lead classifies a statement by its first keywords.
func lead(toks []sqltok.Token) dialect.Verdict {
	word := func(i int) string {
		if i < len(toks) && toks[i].Kind == sqltok.Word {
			return strings.ToUpper(toks[i].Text)
		}
		return ""
	}
	verb, object := word(0), word(1)
	ddl := verb == "CREATE" || verb == "ALTER" || verb == "DROP"
	switch {
	case verb == "USE":
		return refuse("USE would leave the scratch database")
	case ddl && (object == "DATABASE" || object == "SCHEMA"):
		return refuse("%s %s acts on a database other than the scratch database", verb, object)
	case serverVerbs[verb]:
		return refuse("%s acts on the whole server", verb)
	case (verb == "START" || verb == "STOP") && (object == "SLAVE" || object == "REPLICA" || object == "GROUP_REPLICATION"):
		return refuse("%s %s acts on the whole server", verb, object)
	case ddl && (object == "SERVER" || object == "TABLESPACE" || object == "LOGFILE" || object == "INSTANCE"):
		return refuse("%s %s acts on the whole server", verb, object)
	case verb == "UNDO" || (ddl && object == "UNDO"):
		return refuse("undo tablespaces act on the whole server")
	case verb == "LOAD":
		return refuse("LOAD %s reads the file system", object)
	case verb == "PREPARE" || verb == "EXECUTE" || verb == "DEALLOCATE":
		return refuse("%s runs SQL built at run time, which retort cannot check before it runs", verb)
	case verb == "GRANT" || verb == "REVOKE":
		return skip(verb)
	case (ddl || verb == "RENAME") && object == "USER":
		return skip(verb + " USER")
	case ddl && object == "ROLE":
		return skip(verb + " ROLE")
	case verb == "SET":
		switch {
		case object == "PASSWORD":
			return skip("SET PASSWORD")
		case object == "ROLE" || (object == "DEFAULT" && word(2) == "ROLE"):
			return skip("SET ROLE")
		}
		for _, t := range toks {
			if t.Is("GTID_PURGED") {
				return skip("SET GTID_PURGED") // the dumped server's replication state
			}
		}
		for i, t := range toks {
			name := strings.ToUpper(strings.TrimPrefix(t.Text, "@"))
			scoped := (t.Kind == sqltok.Word || t.Kind == sqltok.Param) && (i == 0 || toks[i-1].Text != ".")
			if scoped && (name == "GLOBAL" || name == "PERSIST" || name == "PERSIST_ONLY") {
				return refuse("SET %s changes the server's configuration", name)
			}
		}
	}
	return dialect.Verdict{}
}

// scan refuses statements that reach files, libraries or other servers
// anywhere in them, or name another database of the server (others).
func scan(toks []sqltok.Token, others map[string]bool) dialect.Verdict {
	ddl := toks[0].Is("CREATE") || toks[0].Is("ALTER")
	for i := 0; i+1 < len(toks); i++ {
		t, next := toks[i], toks[i+1]
		switch {
		case t.Is("INTO") && (next.Is("OUTFILE") || next.Is("DUMPFILE")):
			return refuse("INTO %s writes the server's file system", strings.ToUpper(next.Text))
		case t.Is("LOAD_FILE") && next.Text == "(" && dialect.Call(toks, i):
			return refuse("LOAD_FILE() reads the server's file system")
		case (t.Is("DATA") || t.Is("INDEX")) && next.Is("DIRECTORY"):
			return refuse("%s DIRECTORY puts table files in a directory of the server's file system", strings.ToUpper(t.Text))
		case t.Is("CONNECTION") && ddl && (next.Text == "=" || next.Kind == sqltok.String):
			return refuse("a CONNECTION table option reaches another server")
		case t.Is("FILE_NAME") && ddl && (next.Text == "=" || next.Kind == sqltok.String):
			return refuse("a FILE_NAME table option reads or writes the server's file system")
		case t.Is("SONAME") && ddl:
			return refuse("SONAME loads a shared library into the server")
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i+1].Text != "." || (toks[i].Kind != sqltok.Word && toks[i].Kind != sqltok.QuotedIdent) {
			continue
		}
		if i > 0 && toks[i-1].Text == "." {
			continue // the table of db.table.column
		}
		if name, ok := toks[i].Ident(); ok && others[strings.ToLower(name)] {
			return refuse("the statement names database %s: a schema file describes one database, and loading it must not touch another", name)
		}
	}
	return dialect.Verdict{}
}
