package diagram

import (
	"fmt"
	"regexp"
	"strings"
)

// Mermaid returns the diagram as a Mermaid erDiagram, for Markdown
// documents that render Mermaid (GitHub, GitLab, many wikis). An entity
// is named by its table, or, when the name is not a plain word, by the
// node's ID with the name as its label; a column's name or type that
// Mermaid cannot take as a word is written with its unsafe characters
// replaced by '_' and the exact name kept in the column's comment. Views
// are entities whose label says "(view)". A change diagram marks added,
// removed and changed elements in the comments and with class styles.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("erDiagram\n")
	for _, n := range g.Nodes {
		b.WriteString("    " + mermaidRef(n))
		switch {
		case n.View:
			fmt.Fprintf(&b, "[\"%s (view)\"]", mermaidText(n.Name))
		case !plainWord(n.Name):
			fmt.Fprintf(&b, "[\"%s\"]", mermaidText(n.Name))
		}
		if g.Change && n.Status != Same {
			fmt.Fprintf(&b, ":::%s", n.Status)
		}
		if len(n.Columns) == 0 {
			b.WriteString("\n")
			continue
		}
		b.WriteString(" {\n")
		for _, c := range n.Columns {
			writeMermaidColumn(&b, c, g.Change)
		}
		b.WriteString("    }\n")
	}
	for _, e := range g.Edges {
		if e.Uses {
			fmt.Fprintf(&b, "    %s }o..o{ %s : \"reads\"\n", mermaidRef(e.From), mermaidRef(e.To))
			continue
		}
		label := strings.ReplaceAll(e.Label(), "\n", ", ")
		if g.Change && e.Status != Same {
			label = e.Status.String() + ": " + label
		}
		fmt.Fprintf(&b, "    %s %s %s : \"%s\"\n", mermaidRef(e.From), mermaidCardinality(e), mermaidRef(e.To), mermaidText(label))
	}
	if g.Change {
		b.WriteString("    classDef added fill:#dafbe1,stroke:#1a7f37\n")
		b.WriteString("    classDef removed fill:#ffebe9,stroke:#cf222e\n")
		b.WriteString("    classDef changed fill:#fff8c5,stroke:#9a6700\n")
	}
	return b.String()
}

func writeMermaidColumn(b *strings.Builder, c *Column, change bool) {
	typ, name := mermaidWord(c.Type), mermaidWord(c.Name)
	if typ == "" {
		typ = "any"
	}
	fmt.Fprintf(b, "        %s %s", typ, name)
	keys := c.Keys()
	if len(keys) > 0 {
		b.WriteString(" " + strings.Join(keys, ","))
	}
	var notes []string
	if name != c.Name {
		notes = append(notes, c.Name)
	}
	if c.NotNull && !c.PK {
		notes = append(notes, "not null")
	}
	if change && c.Status != Same {
		s := c.Status.String()
		if c.Was != "" {
			s += ", was " + c.Was
		}
		notes = append(notes, s)
	}
	if len(notes) > 0 {
		fmt.Fprintf(b, " \"%s\"", mermaidText(strings.Join(notes, "; ")))
	}
	b.WriteString("\n")
}

// mermaidCardinality is the crow's-foot notation from the child (many)
// to the parent: exactly one, or zero or one when the key may be NULL.
func mermaidCardinality(e *Edge) string {
	child := "}o"
	if e.OneToOne {
		child = "|o"
	}
	parent := "||"
	if e.Optional {
		parent = "o|"
	}
	return child + "--" + parent
}

// mermaidWord makes s a Mermaid attribute word: letters, digits, '_', '-',
// '(', ')', '[', ']' and ','; every other character becomes '_'.
func mermaidWord(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
			b.WriteRune(r)
		case i > 0 && (r >= '0' && r <= '9' || strings.ContainsRune("-()[],", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// mermaidText makes s safe inside a Mermaid double-quoted string, which
// has no escapes: a double quote and a percent sign (which starts a
// comment) become entity codes, and line breaks become spaces.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "%", "#37;", "\n", " ", "\r", " ", "\v", " ", "\b", " ").Replace(s)
}

// mermaidRef is how the diagram names a node: its name when that is a
// plain word, else its ID, with the name as the entity's alias (label).
func mermaidRef(n *Node) string {
	if plainWord(n.Name) {
		return n.Name
	}
	return n.ID
}

func plainWord(name string) bool {
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '-')) {
			return false
		}
	}
	return name != "" && !reservedID.MatchString(name)
}

// reservedID matches the node IDs (n1, n2, …), which a table of that
// name must not take.
var reservedID = regexp.MustCompile(`^n[0-9]+$`)
