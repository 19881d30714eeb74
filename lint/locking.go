package lint

import (
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/migrate"
)

// locking (RT111, RT112, RT115) finds statements that hold a lock that
// blocks writers for as long as the table takes to scan or copy: on
// PostgreSQL an index built without CONCURRENTLY and a constraint added
// validated, on an existing table; on MySQL an explicit ALGORITHM=COPY.
func locking(p *Pass) []Diagnostic {
	var out []Diagnostic
	for _, st := range p.File.Up.Statements() {
		ts := toks(st.SQL, p.Engine)
		switch p.Engine {
		case "postgres":
			if t, ok := indexTable(ts); ok && !hasWord(ts, "CONCURRENTLY") && existing(p, st.Line, t) {
				out = append(out, diag("RT111", st.Line, "builds an index on "+t+" without CONCURRENTLY"))
			}
			out = append(out, validatedAdds(p, st, ts)...)
		case "mysql":
			if len(ts) > 0 && ts[0].Is("ALTER") && algorithmCopy(ts) {
				out = append(out, diag("RT115", st.Line, "asks for ALGORITHM=COPY: the table is copied"))
			}
		}
	}
	return out
}

// indexTable returns the table of CREATE [UNIQUE] INDEX … ON [ONLY] t.
func indexTable(ts []sqltok.Token) (string, bool) {
	if len(ts) < 3 || !ts[0].Is("CREATE") {
		return "", false
	}
	i := 1
	if ts[i].Is("UNIQUE") {
		i++
	}
	if !ts[i].Is("INDEX") {
		return "", false
	}
	for ; i+1 < len(ts); i++ {
		if ts[i].Is("ON") {
			return lastName(skipWords(ts[i+1:], "ONLY")), true
		}
	}
	return "", false
}

func hasWord(ts []sqltok.Token, kw string) bool {
	for _, t := range ts {
		if t.Is(kw) {
			return true
		}
	}
	return false
}

// existing reports whether table existed before the statement on line:
// in the schema before the migration when it was replayed, else when no
// earlier statement of the up section creates it.
func existing(p *Pass, line int, table string) bool {
	if p.Effect != nil && p.Effect.Before != nil {
		_, ok := p.Effect.Before.Table(table)
		return ok
	}
	for _, st := range p.File.Up.Statements() {
		if st.Line >= line {
			break
		}
		ts := toks(st.SQL, p.Engine)
		if len(ts) > 2 && ts[0].Is("CREATE") && hasCreateTable(ts) && strings.EqualFold(createdName(ts), table) {
			return false
		}
	}
	return true
}

func hasCreateTable(ts []sqltok.Token) bool {
	for i := 1; i < len(ts) && i < 4; i++ {
		if ts[i].Is("TABLE") {
			return true
		}
	}
	return false
}

// createdName returns the name of CREATE [UNLOGGED|TEMP] TABLE [IF NOT EXISTS] name.
func createdName(ts []sqltok.Token) string {
	for i := 1; i < len(ts); i++ {
		if ts[i].Is("TABLE") {
			return lastName(skipWords(ts[i+1:], "IF", "NOT", "EXISTS"))
		}
	}
	return ""
}

// validatedAdds (RT112) finds ALTER TABLE … ADD clauses that add a foreign
// key or check without NOT VALID, or a UNIQUE constraint or primary key
// without USING INDEX, to an existing table.
func validatedAdds(p *Pass, st migrate.Statement, ts []sqltok.Token) []Diagnostic {
	if len(ts) < 4 || !ts[0].Is("ALTER") || !ts[1].Is("TABLE") {
		return nil
	}
	rest := skipWords(ts[2:], "IF", "EXISTS", "ONLY")
	table := lastName(rest)
	if !existing(p, st.Line, table) {
		return nil
	}
	var out []Diagnostic
	for _, clause := range clauses(rest) {
		if len(clause) < 2 || !clause[0].Is("ADD") {
			continue
		}
		c := clause[1:]
		if c[0].Is("CONSTRAINT") && len(c) > 2 {
			c = c[2:]
		}
		kind := ""
		switch {
		case c[0].Is("FOREIGN"):
			kind = "foreign key"
		case c[0].Is("CHECK"):
			kind = "check"
		case c[0].Is("UNIQUE") || c[0].Is("PRIMARY"):
			if !hasSeqTok(clause, "USING", "INDEX") {
				out = append(out, diag("RT112", st.Line, "adds a "+strings.ToLower(c[0].Text)+" constraint to "+table+" that builds its index while blocking writes"))
			}
			continue
		default:
			continue
		}
		if !hasSeqTok(clause, "NOT", "VALID") {
			out = append(out, diag("RT112", st.Line, "adds a validated "+kind+" to "+table+": the scan blocks writes"))
		}
	}
	return out
}

// clauses splits the tokens of an ALTER TABLE at its top-level commas.
func clauses(ts []sqltok.Token) [][]sqltok.Token {
	var out [][]sqltok.Token
	depth, start := 0, 0
	for i, t := range ts {
		switch t.Text {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, ts[start:i])
				start = i + 1
			}
		}
	}
	out = append(out, ts[start:])
	// The first clause starts after the table name.
	for i, t := range out[0] {
		if t.Is("ADD") || t.Is("DROP") || t.Is("ALTER") || t.Is("RENAME") || t.Is("VALIDATE") {
			out[0] = out[0][i:]
			break
		}
	}
	return out
}

func hasSeqTok(ts []sqltok.Token, a, b string) bool {
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].Is(a) && ts[i+1].Is(b) {
			return true
		}
	}
	return false
}

// algorithmCopy reports whether an ALTER asks for ALGORITHM [=] COPY.
func algorithmCopy(ts []sqltok.Token) bool {
	for i := 0; i+1 < len(ts); i++ {
		if !ts[i].Is("ALGORITHM") {
			continue
		}
		j := i + 1
		if ts[j].Text == "=" && j+1 < len(ts) {
			j++
		}
		if ts[j].Is("COPY") {
			return true
		}
	}
	return false
}
