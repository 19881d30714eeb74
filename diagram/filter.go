package diagram

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Options restricts a diagram to part of a large schema.
type Options struct {
	// Tables keeps the tables and views whose name matches one of these
	// glob patterns (path.Match: *, ?, [a-z]; "billing.*" for a schema),
	// compared by the engine's case rules. Empty keeps every one.
	Tables []string
	// Around keeps the neighbourhood of one table: the tables and views
	// at most Depth edges away from it, in either direction (Depth 0 is
	// taken as 1).
	Around string
	Depth  int
	// Exclude leaves out the tables matching these patterns (path.Match,
	// case-insensitive), besides those retort always leaves out: its own
	// version table, other migration tools' and the engines' internal
	// tables (diff.Excluded).
	Exclude []string
}

// restrict removes the nodes opt leaves out, and the edges that touch
// them. An Around table that does not exist, or a pattern that matches
// nothing or is malformed, is an error naming it.
func (opt Options) restrict(g *Graph, b *builder) error {
	keep := map[*Node]bool{}
	for _, n := range g.Nodes {
		keep[n] = true
	}
	if len(opt.Tables) > 0 {
		for _, n := range g.Nodes {
			keep[n] = false
		}
		for _, p := range opt.Tables {
			pat := b.rules.Tables.Key(p)
			if _, err := path.Match(pat, ""); err != nil {
				return fmt.Errorf("--tables %q: malformed pattern: %w", p, err)
			}
			hit := false
			for _, n := range g.Nodes {
				if ok, _ := path.Match(pat, b.rules.Tables.Key(n.Name)); ok {
					keep[n], hit = true, true
				}
			}
			if !hit {
				return fmt.Errorf("--tables %q matches no table or view", p)
			}
		}
	}
	if opt.Around != "" {
		start := slices.IndexFunc(g.Nodes, func(n *Node) bool { return b.rules.Tables.Equal(n.Name, opt.Around) })
		if start < 0 {
			return fmt.Errorf("--around %q: no such table or view%s", opt.Around, suggest(g, opt.Around))
		}
		near := neighbourhood(g, g.Nodes[start], max(opt.Depth, 1), keep)
		for n := range keep {
			keep[n] = keep[n] && near[n]
		}
	}
	g.Nodes = slices.DeleteFunc(g.Nodes, func(n *Node) bool { return !keep[n] })
	g.Edges = slices.DeleteFunc(g.Edges, func(e *Edge) bool { return !keep[e.From] || !keep[e.To] })
	return nil
}

// neighbourhood returns the nodes at most depth edges from start, walking
// edges in both directions through the nodes allowed.
func neighbourhood(g *Graph, start *Node, depth int, allowed map[*Node]bool) map[*Node]bool {
	adj := map[*Node][]*Node{}
	for _, e := range g.Edges {
		adj[e.From] = append(adj[e.From], e.To)
		adj[e.To] = append(adj[e.To], e.From)
	}
	seen := map[*Node]bool{start: true}
	frontier := []*Node{start}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []*Node
		for _, n := range frontier {
			for _, m := range adj[n] {
				if !seen[m] && allowed[m] {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return seen
}

func suggest(g *Graph, name string) string {
	var close []string
	for _, n := range g.Nodes {
		if strings.Contains(strings.ToLower(n.Name), strings.ToLower(name)) {
			close = append(close, n.Name)
		}
	}
	if len(close) == 0 || len(close) > 5 {
		return ""
	}
	return " (did you mean " + strings.Join(close, ", ") + "?)"
}

// viewReads returns the tables a view's definition reads: the (schema,
// name) written after FROM or JOIN, and after the commas of a FROM list.
// It reads tokens, not text, so a name in a string or a comment is not
// one.
func viewReads(v *schema.View, f schema.Fold) [][2]string {
	toks := sqltok.Significant(sqltok.Tokenize(v.Def, sqltok.Options{DollarQuotes: true}))
	var out [][2]string
	seen := map[string]bool{}
	inFrom := false
	depth, fromDepth := 0, 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Text == "(":
			depth++
			continue
		case t.Text == ")":
			depth--
			continue
		case t.Is("FROM") || t.Is("JOIN"):
			inFrom, fromDepth = true, depth
		case inFrom && depth == fromDepth && t.Text == ",":
		case t.Kind == sqltok.Word && isClauseEnd(t):
			if depth <= fromDepth {
				inFrom = false
			}
			continue
		default:
			continue
		}
		if !inFrom {
			continue
		}
		j := i + 1
		for j < len(toks) && toks[j].Text == "(" { // MySQL: FROM (`a` JOIN `b` …)
			depth++
			j++
		}
		sch, name, next := qualifiedAt(toks, j)
		if name == "" {
			continue
		}
		if k := f.Key(sch) + "\x00" + f.Key(name); !seen[k] {
			seen[k] = true
			out = append(out, [2]string{sch, name})
		}
		i = next - 1
	}
	return out
}

// qualifiedAt reads a name, maybe qualified (a.b or a.b.c: the last two
// parts), at toks[i]; it returns "" when toks[i] is not an identifier.
func qualifiedAt(toks []sqltok.Token, i int) (sch, name string, next int) {
	var parts []string
	for i < len(toks) {
		id, ok := toks[i].Ident()
		if !ok || (toks[i].Kind == sqltok.Word && isKeyword(toks[i])) {
			break
		}
		parts = append(parts, id)
		i++
		if i < len(toks) && toks[i].Text == "." {
			i++
			continue
		}
		break
	}
	switch len(parts) {
	case 0:
		return "", "", i
	case 1:
		return "", parts[0], i
	}
	return parts[len(parts)-2], parts[len(parts)-1], i
}

func isClauseEnd(t sqltok.Token) bool {
	for _, kw := range []string{"WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "ON", "USING", "SELECT"} {
		if t.Is(kw) {
			return true
		}
	}
	return false
}

func isKeyword(t sqltok.Token) bool {
	for _, kw := range []string{"SELECT", "LATERAL", "ONLY", "WITH", "VALUES"} {
		if t.Is(kw) {
			return true
		}
	}
	return false
}
