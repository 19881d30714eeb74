// Package diagram draws entity-relationship diagrams of a schema, or of
// the change between two schemas, from retort's inspected model: tables
// with their columns (primary and foreign keys marked, types), views as a
// shape of their own, and foreign-key edges labelled with their ON DELETE
// and ON UPDATE actions.
//
// A Graph is built once (FromSchema, or FromChange for a change, which
// marks what was added, removed or changed) and written in any format:
// Mermaid and DOT text for documents, or SVG and a self-contained HTML
// page laid out by Graphviz (run in pure Go, no program to install, and
// nothing fetched by the page).
package diagram

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Status says how an element of a change diagram differs between the two
// schemas. A diagram of one schema has every element Same.
type Status uint8

// Statuses.
const (
	Same Status = iota
	Added
	Removed
	Changed
)

func (s Status) String() string {
	switch s {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Changed:
		return "changed"
	}
	return "same"
}

// Graph is a diagram: its nodes (tables and views) and edges (foreign
// keys, and the tables a view reads), sorted by name.
type Graph struct {
	Nodes []*Node
	Edges []*Edge
	// Change is true for a diagram of a change (FromChange): the
	// renderers then draw a legend.
	Change bool
}

// Node is a table or a view.
type Node struct {
	// ID is the node's identifier in the diagram (n1, n2, …), stable for
	// a given schema.
	ID   string
	Name string // qualified: "schema.name" when several schemas are managed
	View bool
	// PartitionOf names the partitioned table a partition belongs to.
	PartitionOf string
	Columns     []*Column
	Status      Status
	// Note says what changed on a Changed node besides its columns (a
	// view's definition, a primary key).
	Note string
	key  string
	// cols compares column names by the engine's case rules.
	cols schema.Fold
}

// Column is one column of a table.
type Column struct {
	Name    string
	Type    string
	NotNull bool
	PK, FK  bool
	Unique  bool // the only column of a unique key
	Status  Status
	// Was is the column's type (and nullability) before a change, "" when
	// they did not change.
	Was string
}

// Keys returns the column's key marks as ER diagrams write them: PK, FK,
// and UK for the only column of a unique key that is not the primary key.
func (c *Column) Keys() []string {
	var keys []string
	if c.PK {
		keys = append(keys, "PK")
	}
	if c.FK {
		keys = append(keys, "FK")
	}
	if c.Unique && !c.PK {
		keys = append(keys, "UK")
	}
	return keys
}

// Edge is a foreign key from the table From to the table To (Uses: a view
// From that reads the table To).
type Edge struct {
	From, To            *Node
	Columns, RefColumns []string
	OnDelete, OnUpdate  schema.Action
	Uses                bool
	// Optional is true when a row may have no parent (a nullable key
	// column); OneToOne when the key columns are unique.
	Optional, OneToOne bool
	Status             Status
	// Was is the edge's actions before a change, "" when they did not
	// change.
	Was string
}

// Label is the edge's text: the key columns and the actions that are not
// NO ACTION, e.g. "user_id → id\nON DELETE CASCADE". A changed edge says
// what the actions were.
func (e *Edge) Label() string {
	if e.Uses {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %s", strings.Join(e.Columns, ", "), strings.Join(e.RefColumns, ", "))
	if a := e.Actions(); a != "" {
		b.WriteString("\n" + a)
	}
	if e.Was != "" {
		b.WriteString("\nwas: " + e.Was)
	}
	return b.String()
}

// Actions returns the edge's referential actions that are not NO ACTION,
// "ON DELETE CASCADE ON UPDATE SET NULL" say, or "" when both are.
func (e *Edge) Actions() string {
	return actions(e.OnDelete, e.OnUpdate)
}

func actions(del, upd schema.Action) string {
	var parts []string
	if del != schema.NoAction {
		parts = append(parts, "ON DELETE "+del.String())
	}
	if upd != schema.NoAction {
		parts = append(parts, "ON UPDATE "+upd.String())
	}
	return strings.Join(parts, " ")
}

// FromSchema returns the diagram of s, restricted by opt.
func FromSchema(s *schema.Schema, opt Options) (*Graph, error) {
	b := newBuilder(s.Case, opt)
	b.addSchema(s, Same)
	b.addEdges(s, Same)
	return b.finish(opt)
}

// builder collects nodes by key (schema and name, folded by the engine's
// case rules) and edges by identity.
type builder struct {
	rules   schema.CaseRules
	exclude []string
	nodes   map[string]*Node
	edges   map[string]*Edge
}

func newBuilder(r schema.CaseRules, opt Options) *builder {
	return &builder{rules: r, exclude: opt.Exclude, nodes: map[string]*Node{}, edges: map[string]*Edge{}}
}

func (b *builder) key(sch, name string) string {
	return b.rules.Tables.Key(sch) + "\x00" + b.rules.Tables.Key(name)
}

func (b *builder) addSchema(s *schema.Schema, st Status) {
	for _, t := range s.Tables {
		if diff.Excluded(t.Name, b.exclude) {
			continue
		}
		n := &Node{Name: t.QualifiedName(), Status: st, key: b.key(t.Schema, t.Name), cols: b.rules.Columns}
		if t.PartitionOf != "" {
			n.PartitionOf = schema.QualifiedName(t.Schema, t.PartitionOf)
		}
		n.Columns = tableColumns(t, st)
		b.nodes[n.key] = n
	}
	for _, v := range s.Views {
		n := &Node{Name: schema.QualifiedName(v.Schema, v.Name), View: true, Status: st, key: b.key(v.Schema, v.Name)}
		b.nodes[n.key] = n
	}
}

// tableColumns lists t's columns with their keys marked.
func tableColumns(t *schema.Table, st Status) []*Column {
	f := t.Case.Columns
	inPK := func(c string) bool {
		return t.PrimaryKey != nil && slices.ContainsFunc(t.PrimaryKey.Columns, func(k string) bool { return f.Equal(k, c) })
	}
	inFK := func(c string) bool {
		for _, fk := range t.ForeignKeys {
			if slices.ContainsFunc(fk.Columns, func(k string) bool { return f.Equal(k, c) }) {
				return true
			}
		}
		return false
	}
	unique := func(c string) bool {
		for _, ix := range t.Indexes {
			if cols, ok := ix.Columns(); ok && ix.Unique && ix.Where == "" && len(cols) == 1 && f.Equal(cols[0], c) {
				return true
			}
		}
		return false
	}
	cols := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		cols = append(cols, &Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull,
			PK: inPK(c.Name), FK: inFK(c.Name), Unique: unique(c.Name), Status: st})
	}
	return cols
}

// edgeKey is a foreign key's identity: its table, columns, referenced
// table and columns (schema.ForeignKey).
func (b *builder) edgeKey(from *Node, fk *schema.ForeignKey, to *Node) string {
	f := b.rules.Columns
	k := make([]string, 0, len(fk.Columns)+len(fk.RefColumns))
	for _, c := range fk.Columns {
		k = append(k, f.Key(c))
	}
	k = append(k, "→")
	for _, c := range fk.RefColumns {
		k = append(k, f.Key(c))
	}
	return from.key + "\x01" + to.key + "\x01" + strings.Join(k, "\x00")
}

func (b *builder) addEdges(s *schema.Schema, st Status) {
	for _, t := range s.Tables {
		from, ok := b.nodes[b.key(t.Schema, t.Name)]
		if !ok { // excluded
			continue
		}
		for _, fk := range t.ForeignKeys {
			refSchema := fk.RefSchema
			if refSchema == "" {
				refSchema = t.Schema
			}
			to, ok := b.nodes[b.key(refSchema, fk.RefTable)]
			if !ok { // a table outside the schema: draw it as a bare node
				to = &Node{Name: schema.QualifiedName(fk.RefSchema, fk.RefTable), Status: st, key: b.key(refSchema, fk.RefTable)}
				b.nodes[to.key] = to
			}
			e := &Edge{From: from, To: to, Columns: fk.Columns, RefColumns: fk.RefColumns,
				OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate, Status: st,
				Optional: nullable(t, fk.Columns), OneToOne: uniqueKey(t, fk.Columns)}
			b.edges[b.edgeKey(from, fk, to)] = e
		}
	}
	for _, v := range s.Views {
		from := b.nodes[b.key(v.Schema, v.Name)]
		for _, ref := range viewReads(v, b.rules.Tables) {
			sch := ref[0]
			if sch == "" {
				sch = v.Schema
			}
			to, ok := b.nodes[b.key(sch, ref[1])]
			if !ok && ref[0] != "" {
				// A qualifier that is no managed schema: the database's
				// own name (MySQL writes `db`.`t` in every view).
				to, ok = b.nodes[b.key(v.Schema, ref[1])]
			}
			if !ok || to == from {
				continue
			}
			b.edges[from.key+"\x01uses\x01"+to.key] = &Edge{From: from, To: to, Uses: true, Status: st}
		}
	}
}

// nullable reports whether any of cols may be NULL in t.
func nullable(t *schema.Table, cols []string) bool {
	for _, name := range cols {
		if c, ok := t.Column(name); ok && !c.NotNull && !(t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1 && t.Case.Columns.Equal(t.PrimaryKey.Columns[0], name)) {
			return true
		}
	}
	return false
}

// uniqueKey reports whether cols are exactly t's primary key or the
// columns of one of its unique indexes (without a predicate).
func uniqueKey(t *schema.Table, cols []string) bool {
	f := t.Case.Columns
	sameSet := func(a []string) bool {
		if len(a) != len(cols) {
			return false
		}
		for _, c := range cols {
			if !slices.ContainsFunc(a, func(x string) bool { return f.Equal(x, c) }) {
				return false
			}
		}
		return true
	}
	if t.PrimaryKey != nil && sameSet(t.PrimaryKey.Columns) {
		return true
	}
	for _, ix := range t.Indexes {
		if cols, ok := ix.Columns(); ok && ix.Unique && ix.Where == "" && sameSet(cols) {
			return true
		}
	}
	return false
}

// finish restricts the graph by opt, sorts it and numbers its nodes.
func (b *builder) finish(opt Options) (*Graph, error) {
	g := &Graph{}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, n)
	}
	for _, e := range b.edges {
		g.Edges = append(g.Edges, e)
	}
	slices.SortFunc(g.Nodes, func(a, b *Node) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.key, b.key)) })
	if err := opt.restrict(g, b); err != nil {
		return nil, err
	}
	for i, n := range g.Nodes {
		n.ID = fmt.Sprintf("n%d", i+1)
	}
	slices.SortFunc(g.Edges, func(a, b *Edge) int {
		return cmp.Or(cmp.Compare(a.From.Name, b.From.Name), cmp.Compare(a.To.Name, b.To.Name),
			cmp.Compare(strings.Join(a.Columns, ","), strings.Join(b.Columns, ",")),
			cmp.Compare(strings.Join(a.RefColumns, ","), strings.Join(b.RefColumns, ",")),
			cmp.Compare(a.Status, b.Status))
	})
	return g, nil
}
