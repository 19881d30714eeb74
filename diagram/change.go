package diagram

import (
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

// FromChange returns the diagram of the change from one schema to
// another: the union of both, each table, view, column and edge marked
// Added (only in to), Removed (only in from), Changed (in both, with a
// difference the diagram shows: a column's type or nullability, a foreign
// key's actions, a view's definition) or Same. Names are matched by the
// case rules of to.
func FromChange(from, to *schema.Schema, opt Options) (*Graph, error) {
	b := newBuilder(to.Case, opt)
	b.addSchema(to, Same)
	old := newBuilder(to.Case, opt)
	old.addSchema(from, Same)
	for k, n := range old.nodes {
		cur, ok := b.nodes[k]
		if !ok {
			n.Status = Removed
			for _, c := range n.Columns {
				c.Status = Removed
			}
			b.nodes[k] = n
			continue
		}
		mergeColumns(cur, n, to.Case.Columns)
	}
	for k, n := range b.nodes {
		if _, ok := old.nodes[k]; !ok {
			n.Status = Added
			for _, c := range n.Columns {
				c.Status = Added
			}
		}
	}
	markViews(b, from, to)
	b.addEdges(to, Same)
	// Edges of from are built against from's nodes; re-point them at the
	// merged nodes by key.
	old.addEdges(from, Same)
	for k, e := range old.edges {
		cur, ok := b.edges[k]
		if !ok {
			e.Status = Removed
			e.From, e.To = b.nodeFor(e.From), b.nodeFor(e.To)
			b.edges[k] = e
			continue
		}
		if cur.OnDelete != e.OnDelete || cur.OnUpdate != e.OnUpdate {
			cur.Status = Changed
			cur.Was = actions(e.OnDelete, e.OnUpdate)
			if cur.Was == "" {
				cur.Was = "NO ACTION"
			}
		}
	}
	for k, e := range b.edges {
		if _, ok := old.edges[k]; !ok {
			e.Status = Added
		}
	}
	g, err := b.finish(opt)
	if err != nil {
		return nil, err
	}
	g.Change = true
	return g, nil
}

// nodeFor returns the merged node with n's key, adding n when there is
// none (a table referenced but not in the schema).
func (b *builder) nodeFor(n *Node) *Node {
	if m, ok := b.nodes[n.key]; ok {
		return m
	}
	b.nodes[n.key] = n
	return n
}

// mergeColumns marks cur's columns against old's: added, changed (type or
// nullability, with what they were), and appends old's removed ones.
// cur is Changed when any column is, or its kind changed.
func mergeColumns(cur, old *Node, f schema.Fold) {
	for _, c := range cur.Columns {
		i := slices.IndexFunc(old.Columns, func(o *Column) bool { return f.Equal(o.Name, c.Name) })
		if i < 0 {
			c.Status = Added
			continue
		}
		o := old.Columns[i]
		if !strings.EqualFold(o.Type, c.Type) || o.NotNull != c.NotNull {
			c.Status = Changed
			c.Was = o.Type
			if o.NotNull {
				c.Was += " NOT NULL"
			}
		} else if o.PK != c.PK {
			c.Status = Changed
			c.Was = "primary key: " + yesNo(o.PK)
		}
	}
	for _, o := range old.Columns {
		if !slices.ContainsFunc(cur.Columns, func(c *Column) bool { return f.Equal(o.Name, c.Name) }) {
			o.Status = Removed
			cur.Columns = append(cur.Columns, o)
		}
	}
	if slices.ContainsFunc(cur.Columns, func(c *Column) bool { return c.Status != Same }) {
		cur.Status = Changed
	}
	if cur.View != old.View {
		cur.Status = Changed
		cur.Note = "was a " + kindName(old.View)
	}
}

// markViews marks a view whose definition changed.
func markViews(b *builder, from, to *schema.Schema) {
	defs := map[string]string{}
	for _, v := range from.Views {
		defs[b.key(v.Schema, v.Name)] = v.Def
	}
	for _, v := range to.Views {
		k := b.key(v.Schema, v.Name)
		if d, ok := defs[k]; ok && d != v.Def && b.nodes[k].Status == Same {
			b.nodes[k].Status = Changed
			b.nodes[k].Note = "definition changed"
		}
	}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func kindName(view bool) string {
	if view {
		return "view"
	}
	return "table"
}
