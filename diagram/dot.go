package diagram

import (
	"fmt"
	"slices"
	"strings"
)

// Colours of a change diagram's statuses: (text/line, fill).
var statusColours = map[Status][2]string{
	Same:    {"#24292f", "#f6f8fa"},
	Added:   {"#1a7f37", "#dafbe1"},
	Removed: {"#cf222e", "#ffebe9"},
	Changed: {"#9a6700", "#fff8c5"},
}

const viewFill = "#eef1ff"

// Above largeGraph nodes, dot's crossing minimisation and network
// simplex searches are bounded and edges drawn straight (fastLayout):
// 1,000 tables then lay out in seconds instead of minutes, at the cost
// of more crossings. BenchmarkLayout measures both sizes.
const (
	largeGraph = 150
	fastLayout = "mclimit=0.01, nslimit=0.2, nslimit1=0.2, searchsize=5, remincross=false, splines=line"
)

// DOT returns the diagram in Graphviz's DOT language: one node per table
// or view, drawn as an HTML-like table with a row per column (PK and FK
// marked, types), and one edge per foreign key, from the referencing
// column to the referenced one, with crow's-foot ends and its actions as
// label. Views have rounded, dashed borders; the tables a view reads are
// joined to it by dotted edges. A change diagram colours what was added,
// removed or changed and carries a legend.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph schema {\n")
	b.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=10, nodesep=0.4, ranksep=0.9, pad=0.3")
	if len(g.Nodes) > largeGraph {
		b.WriteString(", " + fastLayout)
	}
	b.WriteString("];\n")
	b.WriteString("  node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#57606a\", fontcolor=\"#57606a\"];\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  %s [id=%s, tooltip=%s, label=<%s>];\n", n.ID, dotString("table-"+n.Name), dotString(n.Name), nodeLabel(n, g.Change))
	}
	for _, e := range g.Edges {
		writeDOTEdge(&b, e, g.Change)
	}
	if g.Change {
		b.WriteString("  legend [label=<" + legendLabel() + ">];\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func nodeLabel(n *Node, change bool) string {
	line, fill := statusColours[Same][0], statusColours[Same][1]
	if change && n.Status != Same {
		line, fill = statusColours[n.Status][0], statusColours[n.Status][1]
	} else if n.View {
		fill = viewFill
	}
	style := ""
	if n.View {
		style = ` STYLE="rounded,dashed"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="%s"%s>`, line, style)
	title := "<B>" + esc(n.Name) + "</B>"
	if n.Status == Removed && change {
		title = "<S>" + title + "</S>"
	}
	var sub []string
	if n.View {
		sub = append(sub, "view")
	}
	if n.PartitionOf != "" {
		sub = append(sub, "partition of "+n.PartitionOf)
	}
	if change && n.Status != Same {
		sub = append(sub, n.Status.String())
	}
	if n.Note != "" && change {
		sub = append(sub, n.Note)
	}
	if len(sub) > 0 {
		title += `<BR/><FONT POINT-SIZE="8">` + esc(strings.Join(sub, " · ")) + "</FONT>"
	}
	fmt.Fprintf(&b, `<TR><TD COLSPAN="3" BGCOLOR="%s"><FONT COLOR="%s">%s</FONT></TD></TR>`, fill, line, title)
	for i, c := range n.Columns {
		b.WriteString(columnRow(i, c, change))
	}
	b.WriteString("</TABLE>")
	return b.String()
}

func columnRow(i int, c *Column, change bool) string {
	colour := statusColours[Same][0]
	if change && c.Status != Same {
		colour = statusColours[c.Status][0]
	}
	keys := c.Keys()
	name := esc(c.Name)
	if c.PK {
		name = "<B>" + name + "</B>"
	}
	typ := esc(strings.ToLower(c.Type))
	if c.NotNull && !c.PK {
		typ += " not null"
	}
	if change && c.Was != "" {
		typ += " (was " + esc(strings.ToLower(c.Was)) + ")"
	}
	if change && c.Status == Removed {
		name, typ = "<S>"+name+"</S>", "<S>"+typ+"</S>"
	}
	mark := ""
	if change && c.Status != Same {
		mark = map[Status]string{Added: "+ ", Removed: "− ", Changed: "~ "}[c.Status]
	}
	// Graphviz drops a whole label holding an empty <FONT></FONT>.
	keyCell := ""
	if k := mark + strings.Join(keys, ","); k != "" {
		keyCell = fmt.Sprintf(`<FONT COLOR="%s" POINT-SIZE="8">%s</FONT>`, colour, k)
	}
	if typ == "" {
		typ = " "
	}
	return fmt.Sprintf(`<TR><TD ALIGN="LEFT" PORT="c%d_w">%s</TD><TD ALIGN="LEFT"><FONT COLOR="%s">%s</FONT></TD><TD ALIGN="LEFT" PORT="c%d_e"><FONT COLOR="%s">%s</FONT></TD></TR>`,
		i, keyCell, colour, name, i, colour, typ)
}

func writeDOTEdge(b *strings.Builder, e *Edge, change bool) {
	attrs := []string{}
	colour := ""
	if change && e.Status != Same {
		colour = statusColours[e.Status][0]
		attrs = append(attrs, "color="+dotString(colour), "fontcolor="+dotString(colour), "penwidth=2")
	}
	if e.Uses {
		attrs = append(attrs, "style=dotted", "arrowhead=open", "id="+dotString("uses-"+e.From.Name+"-"+e.To.Name))
		fmt.Fprintf(b, "  %s -> %s [%s];\n", e.From.ID, e.To.ID, strings.Join(attrs, ", "))
		return
	}
	if change && e.Status == Removed {
		attrs = append(attrs, "style=dashed")
	}
	head := "tee"
	if e.Optional {
		head = "teeodot"
	}
	tail := "crowodot"
	if e.OneToOne {
		tail = "teeodot"
	}
	label := e.Label()
	if change && e.Status != Same {
		label = e.Status.String() + ": " + label
	}
	attrs = append(attrs, "dir=both", "arrowhead="+head, "arrowtail="+tail, "label="+dotString(label),
		"id="+dotString("fk-"+e.From.Name+"-"+strings.Join(e.Columns, ",")+"-"+e.To.Name))
	fmt.Fprintf(b, "  %s%s -> %s%s [%s];\n", e.From.ID, port(e.From, e.Columns, "e"), e.To.ID, port(e.To, e.RefColumns, "w"), strings.Join(attrs, ", "))
}

// port is the node's port of the first of cols, on side (e or w), or ""
// when the node has no such column. Names are compared by the engine's
// case rules; a column a change removed is the last choice.
func port(n *Node, cols []string, side string) string {
	if len(cols) == 0 {
		return ""
	}
	i := slices.IndexFunc(n.Columns, func(c *Column) bool { return n.cols.Equal(c.Name, cols[0]) && c.Status != Removed })
	if i < 0 {
		i = slices.IndexFunc(n.Columns, func(c *Column) bool { return n.cols.Equal(c.Name, cols[0]) })
	}
	if i < 0 {
		return ""
	}
	return fmt.Sprintf(":c%d_%s", i, side)
}

func legendLabel() string {
	var b strings.Builder
	b.WriteString(`<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3" COLOR="#8c959f"><TR><TD COLSPAN="2"><B>Legend</B></TD></TR>`)
	for _, s := range []Status{Added, Removed, Changed} {
		c := statusColours[s]
		fmt.Fprintf(&b, `<TR><TD BGCOLOR="%s" BORDER="1" COLOR="%s" WIDTH="16" HEIGHT="12"></TD><TD ALIGN="LEFT"><FONT COLOR="%s">%s</FONT></TD></TR>`, c[1], c[0], c[0], s)
	}
	b.WriteString("</TABLE>")
	return b.String()
}

// esc escapes s for a Graphviz HTML-like label (and for HTML).
func esc(s string) string {
	return htmlEscaper.Replace(printable(s))
}

// printable replaces the control characters, which XML cannot hold, by
// U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// dotString quotes s as a DOT string; "\n" in s is a centred line break.
// Other control characters become U+FFFD, as in labels.
func dotString(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(printable(l))
	}
	return `"` + strings.Join(lines, `\n`) + `"`
}
