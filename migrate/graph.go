package migrate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNoRevisions is returned by Graph.Resolve for a target that needs a
// head ("head", "heads") when the graph has no revisions.
var ErrNoRevisions = errors.New("no revisions: the migrations directory is empty")

// Graph is the revision graph of a migrations directory: each revision
// points to its parents. It is immutable once built and safe for
// concurrent use.
type Graph struct {
	files    map[string]*File
	children map[string][]string // sorted
	order    []string            // topological: parents first, ties by id
	heads    []string            // sorted
	bases    []string            // sorted
}

// NewGraph builds the graph of files. A file without headers gets as its
// parent the revision of the file before it in name order (none for the
// first). NewGraph does not modify files: the graph holds copies, with
// parents filled in, which Get and the path methods return.
//
// NewGraph reports, before anything runs, duplicate revisions (naming both
// files), parents that do not exist and cycles; the first two kinds are
// reported together (errors.Join). An empty files is a valid, empty graph.
func NewGraph(files []*File) (*Graph, error) {
	sorted := slices.Clone(files)
	slices.SortStableFunc(sorted, func(a, b *File) int { return strings.Compare(a.Name, b.Name) })
	g := &Graph{files: make(map[string]*File, len(files)), children: map[string][]string{}}
	var (
		errs []error
		prev string
	)
	for _, f := range sorted {
		c := *f
		c.Parents = slices.Clone(f.Parents)
		if !f.Headers {
			c.Parents = nil
			if prev != "" {
				c.Parents = []string{prev}
			}
		}
		prev = c.Revision
		if c.Revision == "" {
			errs = append(errs, fmt.Errorf("%s: empty revision", c.Name))
			continue
		}
		if other, ok := g.files[c.Revision]; ok {
			errs = append(errs, fmt.Errorf("duplicate revision %s in %s and %s", c.Revision, other.Name, c.Name))
			continue
		}
		g.files[c.Revision] = &c
	}
	for _, f := range sorted {
		c := g.files[f.Revision]
		if c == nil || c.Name != f.Name {
			continue // a duplicate, reported above
		}
		for _, p := range c.Parents {
			if _, ok := g.files[p]; !ok {
				errs = append(errs, fmt.Errorf("%s: parent %s of revision %s does not exist", c.Name, p, c.Revision))
				continue
			}
			if !slices.Contains(g.children[p], c.Revision) {
				g.children[p] = append(g.children[p], c.Revision)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, ch := range g.children {
		slices.Sort(ch)
	}
	if err := g.sort(); err != nil {
		return nil, err
	}
	for _, r := range g.order {
		if len(g.children[r]) == 0 {
			g.heads = append(g.heads, r)
		}
		if len(g.files[r].Parents) == 0 {
			g.bases = append(g.bases, r)
		}
	}
	slices.Sort(g.heads)
	slices.Sort(g.bases)
	return g, nil
}

// sort fills g.order by Kahn's algorithm, always taking the smallest ready
// revision id, and reports a cycle when some revisions are never ready.
func (g *Graph) sort() error {
	pending := make(map[string]int, len(g.files)) // unprocessed parents
	var ready []string
	for r, f := range g.files {
		pending[r] = len(uniq(f.Parents))
		if pending[r] == 0 {
			ready = append(ready, r)
		}
	}
	slices.Sort(ready)
	for len(ready) > 0 {
		r := ready[0]
		ready = ready[1:]
		g.order = append(g.order, r)
		delete(pending, r)
		for _, c := range g.children[r] {
			pending[c]--
			if pending[c] == 0 {
				i, _ := slices.BinarySearch(ready, c)
				ready = slices.Insert(ready, i, c)
			}
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return g.cycleError(pending)
}

// cycleError describes one cycle among the revisions left in pending, each
// of which has a parent in pending.
func (g *Graph) cycleError(pending map[string]int) error {
	left := make([]string, 0, len(pending))
	for r := range pending {
		left = append(left, r)
	}
	slices.Sort(left)
	var path []string
	at := map[string]int{}
	r := left[0]
	for {
		if i, ok := at[r]; ok {
			path = append(path[i:], r)
			break
		}
		at[r] = len(path)
		path = append(path, r)
		var next string
		for _, p := range g.files[r].Parents {
			if _, ok := pending[p]; ok && (next == "" || p < next) {
				next = p
			}
		}
		r = next
	}
	parts := make([]string, len(path))
	for i, r := range path {
		parts[i] = fmt.Sprintf("%s (%s)", r, g.files[r].Name)
	}
	return fmt.Errorf("cycle in revision graph: %s (each arrow points to a parent)", strings.Join(parts, " -> "))
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Heads returns the revisions that no other revision has as parent, sorted.
// It returns nil for an empty graph.
func (g *Graph) Heads() []string { return slices.Clone(g.heads) }

// Base returns the revisions without parents, sorted. It returns nil for an
// empty graph.
func (g *Graph) Base() []string { return slices.Clone(g.bases) }

// Get returns the file of revision rev (with its parents filled in) and
// whether there is one.
func (g *Graph) Get(rev string) (*File, bool) {
	f, ok := g.files[rev]
	return f, ok
}

// Revisions returns every revision in topological order: parents before
// children, ties broken by revision id. It returns nil for an empty graph.
func (g *Graph) Revisions() []string { return slices.Clone(g.order) }

// Children returns the revisions that have rev as a parent, sorted.
func (g *Graph) Children(rev string) []string { return slices.Clone(g.children[rev]) }

// Ancestors returns rev and every revision it descends from. It returns nil
// when rev is not in the graph.
func (g *Graph) Ancestors(rev string) map[string]bool {
	if _, ok := g.files[rev]; !ok {
		return nil
	}
	out := map[string]bool{rev: true}
	stack := []string{rev}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.files[r].Parents {
			if !out[p] {
				out[p] = true
				stack = append(stack, p)
			}
		}
	}
	return out
}

// headsOf returns the members of set that have no child in set, sorted; nil
// for an empty set.
func (g *Graph) headsOf(set map[string]bool) []string {
	var out []string
	for _, r := range g.order {
		if !set[r] {
			continue
		}
		head := true
		for _, c := range g.children[r] {
			if set[c] {
				head = false
				break
			}
		}
		if head {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}
