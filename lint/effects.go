package lint

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// replayFailed (RT122) reports a migration that failed when replayed.
func replayFailed(p *Pass) []Diagnostic {
	if p.Effect == nil || p.Effect.Err == nil {
		return nil
	}
	line := p.File.Up.Line
	var se *migrate.StmtError
	if errors.As(p.Effect.Err, &se) && se.Line > 0 {
		line = se.Line
	}
	return []Diagnostic{diag("RT122", line, "fails on a scratch database: "+sqltok.ClipError(p.Effect.Err))}
}

// schemaEffects classifies the changes the migration makes to the schema
// (p.Effect.Changes) into findings, each placed on the statement that
// names the object it is about.
func schemaEffects(p *Pass) []Diagnostic {
	e := p.Effect
	if e == nil || e.After == nil {
		return nil
	}
	var out []Diagnostic
	for _, c := range e.Changes {
		switch c := c.(type) {
		case *diff.DropTable:
			out = append(out, p.at("RT101", []string{"DROP"}, "drops table "+c.T.Name, c.T.Name))
		case *diff.ModifyTable:
			for _, tc := range c.Changes {
				out = append(out, p.tableChange(c, tc)...)
			}
			out = append(out, p.droppedInUse(c)...)
		}
	}
	out = append(out, p.danglingKeys()...)
	out = append(out, p.rebuildLosses()...)
	return out
}

// tableChange classifies one change of an existing table.
func (p *Pass) tableChange(mt *diff.ModifyTable, c diff.Change) []Diagnostic {
	t := mt.To.Name
	switch c := c.(type) {
	case *diff.DropColumn:
		return []Diagnostic{p.at("RT101", []string{"ALTER", "INSERT"}, "drops column "+t+"."+c.C.Name, t, c.C.Name)}
	case *diff.AddColumn:
		return p.addColumn(mt, c.C)
	case *diff.ModifyColumn:
		return p.modifyColumn(mt, c)
	case *diff.AddIndex:
		if !c.I.Unique {
			return nil
		}
		cols, _ := c.I.Columns()
		d := p.at("RT107", nil, fmt.Sprintf("adds unique %s (%s) to %s", indexWord(c.I), strings.Join(cols, ", "), t), t)
		if len(cols) > 0 && len(cols) == len(c.I.Parts) && c.I.Where == "" {
			d.probe = &probe{kind: probeDuplicates, table: mt.From.Name, columns: cols}
		}
		return []Diagnostic{d}
	case *diff.ModifyPrimaryKey:
		if c.To == nil {
			return nil
		}
		out := []Diagnostic{p.at("RT107", nil, fmt.Sprintf("sets the primary key of %s to (%s)", t, strings.Join(c.To.Columns, ", ")), t)}
		out[0].probe = &probe{kind: probeDuplicates, table: mt.From.Name, columns: c.To.Columns, primary: true}
		if p.Engine == "mysql" {
			out = append(out, p.at("RT115", []string{"ALTER"}, "changes the primary key of "+t+": the table is copied", t))
		}
		return out
	case *diff.AddCheck:
		if c.C.NotValid {
			return nil
		}
		d := p.at("RT109", nil, fmt.Sprintf("adds check %s (%s) to %s", c.C.Name, c.C.Expr, t), t)
		d.probe = &probe{kind: probeCheck, table: mt.From.Name, expr: c.C.Expr}
		return []Diagnostic{d}
	case *diff.AddForeignKey:
		if c.FK.NotValid {
			return nil
		}
		d := p.at("RT110", nil, fmt.Sprintf("adds foreign key %s (%s) → %s to %s", c.FK.Name, strings.Join(c.FK.Columns, ", "), c.FK.RefTable, t), t)
		d.probe = &probe{kind: probeOrphans, table: mt.From.Name, fk: c.FK}
		return []Diagnostic{d}
	}
	return nil
}

func indexWord(ix *schema.Index) string {
	if ix.Constraint {
		return "constraint"
	}
	return "index"
}

// addColumn classifies a column added to an existing table.
func (p *Pass) addColumn(mt *diff.ModifyTable, c *schema.Column) []Diagnostic {
	t := mt.To.Name
	var out []Diagnostic
	if c.NotNull && c.Default == "" && c.Generated == nil && c.Identity == "" && !c.AutoIncrement {
		d := p.at("RT108", []string{"ALTER"}, "adds NOT NULL column "+t+"."+c.Name+" without a default", t, c.Name)
		if p.Engine == "mysql" {
			d.Message += ": existing rows get the type's implicit default (0, '')"
		} else {
			d.probe = &probe{kind: probeRows, table: mt.From.Name}
		}
		out = append(out, d)
	}
	if p.Engine == "postgres" {
		why := ""
		switch {
		case c.Identity != "":
			why = "an identity column"
		case c.Generated != nil && c.Generated.Stored:
			why = "a stored generated column"
		case volatile(c.Default):
			why = "a volatile default (" + c.Default + ")"
		}
		if why != "" {
			out = append(out, p.at("RT114", []string{"ALTER"}, "adds "+t+"."+c.Name+" with "+why, t, c.Name))
		}
	}
	return out
}

// modifyColumn classifies a changed column of an existing table.
func (p *Pass) modifyColumn(mt *diff.ModifyTable, c *diff.ModifyColumn) []Diagnostic {
	t, col := mt.To.Name, c.To.Name
	// The ALTER, or the row copy of a SQLite rebuild; not a check before it.
	changing := []string{"ALTER", "INSERT"}
	var out []Diagnostic
	if c.What&diff.ChangeType != 0 {
		change := fmt.Sprintf("%s.%s %s → %s", t, col, c.From.Type, c.To.Type)
		if p.Narrows != nil && p.Narrows(mt, c) {
			out = append(out, p.at("RT106", changing, "narrows column "+change, t, col))
		}
		switch {
		case p.Engine == "postgres" && pgRewrites(c.From.Type, c.To.Type):
			out = append(out, p.at("RT113", changing, "changes column "+change+": the table is rewritten", t, col))
		case p.Engine == "mysql" && !varcharWidening(c.From.Type, c.To.Type):
			out = append(out, p.at("RT115", changing, "changes column "+change+": the table is copied", t, col))
		}
	}
	if c.What&diff.ChangeNull != 0 && c.To.NotNull && !c.From.NotNull {
		d := p.at("RT108", changing, "makes "+t+"."+col+" NOT NULL", t, col)
		d.probe = &probe{kind: probeNulls, table: mt.From.Name, columns: []string{c.From.Name}}
		out = append(out, d)
	}
	return out
}

// pgRewrites reports whether PostgreSQL rewrites the table to change a
// column from type a to type b: every change except the binary-coercible
// ones (a longer or unbounded varchar, varchar ↔ text, a numeric with more
// precision and the same scale, varbit longer, cidr → inet).
func pgRewrites(a, b string) bool {
	ta, tb := dialect.ParseType(a), dialect.ParseType(b)
	str := func(t dialect.TypeName) bool {
		return t.Base == "character varying" || t.Base == "varchar" || t.Base == "text"
	}
	switch {
	case str(ta) && tb.Base == "text":
		return false
	case ta.Base == tb.Base && (ta.Base == "character varying" || ta.Base == "varchar" || ta.Base == "bit varying"):
		return len(tb.Args) != 0 && (len(ta.Args) == 0 || atoi(tb.Args[0]) < atoi(ta.Args[0]))
	case ta.Base == "text" && (tb.Base == "character varying" || tb.Base == "varchar") && len(tb.Args) == 0:
		return false
	case ta.Base == "numeric" && tb.Base == "numeric":
		if len(tb.Args) == 0 {
			return false
		}
		if len(ta.Args) == 0 {
			return true
		}
		return atoi(tb.Args[0]) < atoi(ta.Args[0]) || scale(ta) != scale(tb)
	case ta.Base == "cidr" && tb.Base == "inet":
		return false
	}
	return true
}

func scale(t dialect.TypeName) int {
	if len(t.Args) > 1 {
		return atoi(t.Args[1])
	}
	return 0
}

func atoi(s string) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// varcharWidening reports a MySQL VARCHAR made longer, which the server
// can do in place.
func varcharWidening(a, b string) bool {
	ta, tb := dialect.ParseType(a), dialect.ParseType(b)
	return ta.Base == "varchar" && tb.Base == "varchar" && len(ta.Args) == 1 && len(tb.Args) == 1 && atoi(tb.Args[0]) >= atoi(ta.Args[0]) &&
		ta.Rest == tb.Rest
}

// volatileFuncs are PostgreSQL functions whose value changes per row: as a
// column default they make ADD COLUMN rewrite the table.
var volatileFuncs = []string{"random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
	"uuid_generate_v1mc", "uuid_generate_v4", "nextval", "txid_current", "statement_timestamp"}

// volatile reports whether a default expression calls a volatile function.
func volatile(def string) bool {
	ts := sqltok.Lex(def, sqltok.Options{DollarQuotes: true}, 0)
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].Kind == sqltok.Word && ts[i+1].Text == "(" && slices.Contains(volatileFuncs, strings.ToLower(ts[i].Text)) {
			return true
		}
	}
	return false
}

// at returns a finding of code about the objects names (a table, then a
// column), placed on the first up statement that names them all, preferring
// one that starts with a keyword of prefer; every statement that names
// them counts for the acknowledgements.
func (p *Pass) at(code string, prefer []string, msg string, names ...string) Diagnostic {
	var all, some []migrateLine
	for _, st := range p.File.Up.Statements() {
		ts := toks(st.SQL, p.Engine)
		ids := idents(ts)
		n := 0
		for _, name := range names {
			if ids[strings.ToLower(name)] || ids[strings.ToLower("_retort_new_"+name)] {
				n++
			}
		}
		first := ""
		if len(ts) > 0 {
			first = strings.ToUpper(ts[0].Text)
		}
		switch {
		case n == len(names):
			all = append(all, migrateLine{st.Line, first})
		case n > 0:
			some = append(some, migrateLine{st.Line, first})
		}
	}
	cands := all
	if len(cands) == 0 {
		cands = some
	}
	d := diag(code, p.File.Up.Line, msg)
	for _, c := range cands {
		d.marks = append(d.marks, c.line)
	}
	if len(cands) > 0 {
		d.Line = cands[0].line
		for _, c := range cands {
			if slices.Contains(prefer, c.first) {
				d.Line = c.line
				break
			}
		}
	}
	return d
}

type migrateLine struct {
	line  int
	first string
}

// idents returns the identifiers of ts, lower-cased.
func idents(ts []sqltok.Token) map[string]bool {
	out := map[string]bool{}
	for _, t := range ts {
		if n, ok := t.Ident(); ok && t.Kind != sqltok.String {
			out[strings.ToLower(n)] = true
		}
	}
	return out
}
