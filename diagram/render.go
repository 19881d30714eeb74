package diagram

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
)

// SVG lays the diagram out with Graphviz's dot engine and returns it as
// an SVG document. Graphviz runs in this process (compiled to WebAssembly
// and run by a pure-Go runtime): there is no program to install.
func (g *Graph) SVG(ctx context.Context) ([]byte, error) {
	gv, err := engine(ctx)
	if err != nil {
		return nil, err
	}
	renderMu.Lock()
	defer renderMu.Unlock()
	parsed, err := graphviz.ParseBytes([]byte(g.DOT()))
	if err != nil {
		return nil, fmt.Errorf("diagram: graphviz did not take the DOT text: %w", err)
	}
	defer parsed.Close()
	var buf bytes.Buffer
	if err := gv.Render(ctx, parsed, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("diagram: layout: %w", err)
	}
	svg := svgOnly(buf.Bytes())
	if err := g.checkDrawn(svg); err != nil {
		return nil, err
	}
	return svg, nil
}

// checkDrawn makes sure every node's name is text in the SVG: Graphviz
// draws an empty box, and says nothing, for a label it cannot read.
func (g *Graph) checkDrawn(svg []byte) error {
	texts := map[string]bool{}
	for rest := svg; ; {
		i := bytes.Index(rest, []byte("</text>"))
		if i < 0 {
			break
		}
		if j := bytes.LastIndexByte(rest[:i], '>'); j >= 0 {
			texts[html.UnescapeString(string(rest[j+1:i]))] = true
		}
		rest = rest[i+len("</text>"):]
	}
	for _, n := range g.Nodes {
		if !texts[printable(n.Name)] {
			return fmt.Errorf("diagram: graphviz did not draw %s %q (please report this with the name)", kindName(n.View), n.Name)
		}
	}
	return nil
}

var (
	engineOnce sync.Once
	engineGV   *graphviz.Graphviz
	engineErr  error
	// renderMu serialises parsing and layout: one Graphviz instance holds
	// one WebAssembly module, which is not safe for concurrent use.
	renderMu sync.Mutex
)

// engine returns the process's Graphviz instance, made on first use (it
// compiles the WebAssembly module, which takes a moment).
func engine(ctx context.Context) (*graphviz.Graphviz, error) {
	engineOnce.Do(func() {
		engineGV, engineErr = graphviz.New(ctx)
		if engineErr == nil {
			engineGV.SetLayout(graphviz.DOT)
		}
	})
	if engineErr != nil {
		return nil, fmt.Errorf("diagram: start graphviz: %w", engineErr)
	}
	return engineGV, nil
}

// svgOnly drops what precedes the <svg> element (the XML declaration and
// DOCTYPE), so the SVG can be inlined in HTML; the SVG stays valid on its
// own.
func svgOnly(b []byte) []byte {
	if i := bytes.Index(b, []byte("<svg")); i > 0 {
		return b[i:]
	}
	return b
}

// HTML returns a self-contained HTML page showing the diagram: the SVG
// inline (with its legend, for a change diagram), a title and a count of
// what it shows, and no script and no
// reference to anything outside the file, so it opens offline and can
// be attached to a review.
func (g *Graph) HTML(ctx context.Context, title string) ([]byte, error) {
	svg, err := g.SVG(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	b.WriteString(`<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #24292f; }
h1 { font-size: 1.2em; margin: 0 0 .3em 0; }
p.summary { color: #57606a; margin: 0 0 1em 0; }
.diagram { overflow: auto; border: 1px solid #d0d7de; border-radius: 6px; padding: .5em; }
.diagram svg { max-width: none; height: auto; }
</style>
</head>
<body>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p class=\"summary\">%s</p>\n", esc(title), esc(g.summary()))
	b.WriteString("<div class=\"diagram\">\n")
	b.Write(svg)
	b.WriteString("\n</div>\n</body>\n</html>\n")
	return b.Bytes(), nil
}

// summary counts the diagram's tables, views and foreign keys, and for a
// change what was added, removed and changed.
func (g *Graph) summary() string {
	tables, views, fks := 0, 0, 0
	counts := map[Status]int{}
	for _, n := range g.Nodes {
		if n.View {
			views++
		} else {
			tables++
		}
		counts[n.Status]++
	}
	for _, e := range g.Edges {
		if !e.Uses {
			fks++
		}
		if e.Status != Same {
			counts[e.Status]++
		}
	}
	s := fmt.Sprintf("%d tables, %d views, %d foreign keys", tables, views, fks)
	if g.Change {
		var parts []string
		for _, st := range []Status{Added, Removed, Changed} {
			if counts[st] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "no change")
		}
		s += "; " + strings.Join(parts, ", ")
	}
	return s
}
