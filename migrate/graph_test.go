package migrate

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rev returns a file with headers for revision id and parents.
func rev(id string, parents ...string) *File {
	return &File{Name: id + "_m.sql", Revision: id, Parents: parents, Headers: true}
}

// plain returns a file without headers, as Parse returns a dbmate file.
func plain(id, slug string) *File {
	return &File{Name: id + "_" + slug + ".sql", Revision: id}
}

func mustGraph(t *testing.T, files ...*File) *Graph {
	t.Helper()
	g, err := NewGraph(files)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func set(revs ...string) map[string]bool {
	m := map[string]bool{}
	for _, r := range revs {
		m[r] = true
	}
	return m
}

func revisions(files []*File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Revision)
	}
	return out
}

// merged is a ← b, a ← c, d merges (c, b), e ← d: revision ids are chosen so
// that the merge lists its parents out of id order.
func merged(t *testing.T) *Graph {
	t.Helper()
	return mustGraph(t, rev("e", "d"), rev("d", "c", "b"), rev("c", "a"), rev("b", "a"), rev("a"))
}

func TestNewGraph(t *testing.T) {
	tests := []struct {
		name      string
		files     []*File
		heads     []string
		base      []string
		order     []string
		parentsOf map[string][]string
	}{
		{name: "empty", files: nil},
		{
			name:      "plain files chained in name order",
			files:     []*File{plain("20240103000000", "c"), plain("20240101000000", "a"), plain("20240102000000", "b")},
			heads:     []string{"20240103000000"},
			base:      []string{"20240101000000"},
			order:     []string{"20240101000000", "20240102000000", "20240103000000"},
			parentsOf: map[string][]string{"20240101000000": nil, "20240102000000": {"20240101000000"}, "20240103000000": {"20240102000000"}},
		},
		{
			name: "plain files before and after a retort file",
			files: []*File{plain("1", "a"), plain("2", "b"),
				{Name: "3_c.sql", Revision: "3", Parents: []string{"2"}, Headers: true}, plain("4", "d")},
			heads:     []string{"4"},
			base:      []string{"1"},
			order:     []string{"1", "2", "3", "4"},
			parentsOf: map[string][]string{"2": {"1"}, "3": {"2"}, "4": {"3"}},
		},
		{
			name:  "branch gives two heads",
			files: []*File{rev("1"), rev("2b", "1"), rev("2a", "1")},
			heads: []string{"2a", "2b"},
			base:  []string{"1"},
			order: []string{"1", "2a", "2b"},
		},
		{
			name:      "merge joins them",
			files:     []*File{rev("1"), rev("2a", "1"), rev("2b", "1"), rev("3", "2b", "2a")},
			heads:     []string{"3"},
			base:      []string{"1"},
			order:     []string{"1", "2a", "2b", "3"},
			parentsOf: map[string][]string{"3": {"2b", "2a"}},
		},
		{
			name:  "topological order before id order",
			files: []*File{rev("b"), rev("a", "b"), rev("c", "a")},
			heads: []string{"c"},
			base:  []string{"b"},
			order: []string{"b", "a", "c"},
		},
		{
			name:  "two bases",
			files: []*File{rev("x"), rev("y"), rev("z", "y")},
			heads: []string{"x", "z"},
			base:  []string{"x", "y"},
			order: []string{"x", "y", "z"},
		},
		{
			name:  "merge order ties broken by id",
			files: merged(t).sortedFiles(),
			heads: []string{"e"},
			base:  []string{"a"},
			order: []string{"a", "b", "c", "d", "e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustGraph(t, tt.files...)
			if d := cmp.Diff(tt.heads, g.Heads()); d != "" {
				t.Errorf("Heads (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.base, g.Base()); d != "" {
				t.Errorf("Base (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.order, g.Revisions()); d != "" {
				t.Errorf("Revisions (-want +got):\n%s", d)
			}
			for r, want := range tt.parentsOf {
				f, ok := g.Get(r)
				if !ok {
					t.Fatalf("Get(%s): not found", r)
				}
				if d := cmp.Diff(want, f.Parents); d != "" {
					t.Errorf("parents of %s (-want +got):\n%s", r, d)
				}
			}
		})
	}
}

// sortedFiles returns the graph's files in revision order (test helper).
func (g *Graph) sortedFiles() []*File {
	var out []*File
	for _, r := range g.order {
		out = append(out, g.files[r])
	}
	return out
}

func TestNewGraphDoesNotModifyFiles(t *testing.T) {
	a, b := plain("1", "a"), plain("2", "b")
	g := mustGraph(t, b, a)
	if b.Parents != nil {
		t.Errorf("input file's Parents changed to %v", b.Parents)
	}
	if f, _ := g.Get("2"); !slices.Equal(f.Parents, []string{"1"}) {
		t.Errorf("graph's parents of 2 = %v, want [1]", f.Parents)
	}
	if _, ok := g.Get("3"); ok {
		t.Error("Get(3) found a revision")
	}
	if got := g.Children("1"); !slices.Equal(got, []string{"2"}) {
		t.Errorf("Children(1) = %v", got)
	}
}

func TestNewGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []*File
		want  string
	}{
		{
			name:  "duplicate revision names both files",
			files: []*File{{Name: "1_b.sql", Revision: "1", Headers: true}, {Name: "1_a.sql", Revision: "1", Headers: true}},
			want:  "duplicate revision 1 in 1_a.sql and 1_b.sql",
		},
		{
			name:  "missing parent",
			files: []*File{rev("1"), rev("3", "2")},
			want:  "3_m.sql: parent 2 of revision 3 does not exist",
		},
		{
			name: "duplicates and missing parents are reported together",
			files: []*File{rev("1"), {Name: "1_x.sql", Revision: "1", Headers: true},
				rev("4", "3", "1"), rev("5", "9")},
			want: "duplicate revision 1 in 1_m.sql and 1_x.sql\n" +
				"4_m.sql: parent 3 of revision 4 does not exist\n" +
				"5_m.sql: parent 9 of revision 5 does not exist",
		},
		{
			name:  "cycle of two",
			files: []*File{rev("1"), rev("2", "1", "3"), rev("3", "2")},
			want:  "cycle in revision graph: 2 (2_m.sql) -> 3 (3_m.sql) -> 2 (2_m.sql) (each arrow points to a parent)",
		},
		{
			name:  "cycle without a base",
			files: []*File{rev("a", "c"), rev("b", "a"), rev("c", "b"), rev("d", "c")},
			want:  "cycle in revision graph: a (a_m.sql) -> c (c_m.sql) -> b (b_m.sql) -> a (a_m.sql) (each arrow points to a parent)",
		},
		{
			name:  "own parent",
			files: []*File{rev("1", "1")},
			want:  "cycle in revision graph: 1 (1_m.sql) -> 1 (1_m.sql) (each arrow points to a parent)",
		},
		{
			name:  "empty revision",
			files: []*File{{Name: "x.sql", Headers: true}},
			want:  "x.sql: empty revision",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGraph(tt.files)
			if err == nil {
				t.Fatalf("NewGraph succeeded with revisions %v, want error %q", g.Revisions(), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestAncestors(t *testing.T) {
	g := merged(t)
	tests := []struct {
		name string
		rev  string
		want map[string]bool
	}{
		{"base is its own only ancestor", "a", set("a")},
		{"one branch", "c", set("a", "c")},
		{"through a merge", "e", set("a", "b", "c", "d", "e")},
		{"unknown", "zz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, g.Ancestors(tt.rev)); d != "" {
				t.Errorf("Ancestors(%s) (-want +got):\n%s", tt.rev, d)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    Destination
		wantErr string
	}{
		{in: "head", want: Destination{Kind: DestinationHead}},
		{in: "HEADS", want: Destination{Kind: DestinationHeads}},
		{in: "base", want: Destination{Kind: DestinationBase}},
		{in: "20261125", want: Destination{Kind: DestinationRevision, Rev: "20261125"}},
		{in: "ae10", want: Destination{Kind: DestinationRevision, Rev: "ae10"}},
		{in: "+2", want: Destination{Kind: DestinationRelative, N: 2}},
		{in: "-1", want: Destination{Kind: DestinationRelative, N: -1}},
		{in: "", wantErr: "empty target (want head, heads, base, a revision, +N or -N)"},
		{in: "+0", wantErr: `invalid target "+0": N must be a number of revisions, at least 1`},
		{in: "-", wantErr: `invalid target "-" (want +N or -N)`},
		{in: "+-1", wantErr: `invalid target "+-1" (want +N or -N)`},
		{in: "+99999999999999999999", wantErr: `invalid target "+99999999999999999999": N must be a number of revisions, at least 1`},
		{in: "1_x", wantErr: `invalid target "1_x" (want head, heads, base, a revision, +N or -N)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDestination(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseDestination(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseDestination(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if back, err := ParseDestination(got.String()); err != nil || back != got {
				t.Errorf("ParseDestination(%q.String() = %q) = %+v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	// 20261120090000 ← 20261125103000 ← {20261125110000, 20261126000000}: two heads.
	branched := mustGraph(t,
		rev("20261120090000"),
		rev("20261125103000", "20261120090000"),
		rev("20261125110000", "20261125103000"),
		rev("20261126000000", "20261125103000"),
	)
	linear := mustGraph(t, rev("1"), rev("2", "1"), rev("3", "2"))
	empty := mustGraph(t)
	tests := []struct {
		name    string
		g       *Graph
		target  string
		current []string
		want    []string
		wantErr string
	}{
		{name: "head", g: linear, target: "head", want: []string{"3"}},
		{name: "head with two heads", g: branched, target: "head",
			wantErr: `multiple heads: 20261125110000, 20261126000000; run "retort merge -m MSG" to merge them, or "retort upgrade heads" to apply every branch`},
		{name: "heads", g: branched, target: "heads", want: []string{"20261125110000", "20261126000000"}},
		{name: "base", g: branched, target: "base", want: nil},
		{name: "full revision", g: branched, target: "20261125103000", want: []string{"20261125103000"}},
		{name: "unique prefix", g: branched, target: "202611251030", want: []string{"20261125103000"}},
		{name: "prefix of one head", g: branched, target: "2026112511", want: []string{"20261125110000"}},
		{name: "ambiguous prefix lists candidates", g: branched, target: "2026112",
			wantErr: "ambiguous revision 2026112: matches 20261120090000, 20261125103000, 20261125110000, 20261126000000"},
		{name: "unknown revision", g: branched, target: "3030", wantErr: "unknown revision 3030"},
		{name: "invalid target", g: branched, target: "x_y", wantErr: `invalid target "x_y" (want head, heads, base, a revision, +N or -N)`},
		{name: "+1 from base", g: linear, target: "+1", want: []string{"1"}},
		{name: "+2 from 1", g: linear, target: "+2", current: []string{"1"}, want: []string{"3"}},
		{name: "+1 onto a branch", g: branched, target: "+1", current: []string{"20261125103000"}, want: []string{"20261125110000"}},
		{name: "+2 onto both branches", g: branched, target: "+2", current: []string{"20261125103000"},
			want: []string{"20261125110000", "20261126000000"}},
		{name: "+3 beyond the heads", g: linear, target: "+3", current: []string{"1"}, wantErr: "only 2 revisions to upgrade, asked for 3"},
		{name: "+1 at head", g: linear, target: "+1", current: []string{"3"}, wantErr: "no revision to upgrade, asked for 1"},
		{name: "-1 from head", g: linear, target: "-1", current: []string{"3"}, want: []string{"2"}},
		{name: "-3 to base", g: linear, target: "-3", current: []string{"3"}, want: nil},
		{name: "-1 from two heads", g: branched, target: "-1", current: []string{"20261125110000", "20261126000000"},
			want: []string{"20261125110000"}},
		{name: "-2 with one applied", g: linear, target: "-2", current: []string{"1"}, wantErr: "only 1 revision to downgrade, asked for 2"},
		{name: "-1 at base", g: linear, target: "-1", wantErr: "no revision to downgrade, asked for 1"},
		{name: "unknown current", g: linear, target: "+1", current: []string{"9"}, wantErr: "unknown revision 9"},
		{name: "head of an empty graph", g: empty, target: "head", wantErr: ErrNoRevisions.Error()},
		{name: "base of an empty graph", g: empty, target: "base", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.g.Resolve(tt.target, tt.current)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Resolve(%q) = %v, %v; want error %q", tt.target, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Resolve(%q) (-want +got):\n%s", tt.target, d)
			}
		})
	}
}

func TestResolveErrorTypes(t *testing.T) {
	g := mustGraph(t, rev("1"), rev("2a", "1"), rev("2b", "1"))
	_, err := g.Resolve("head", nil)
	var mh *MultipleHeadsError
	if !errors.As(err, &mh) || !slices.Equal(mh.Heads, []string{"2a", "2b"}) {
		t.Errorf("head: err = %v, want *MultipleHeadsError{2a 2b}", err)
	}
	_, err = g.Resolve("2", nil)
	var amb *AmbiguousRevisionError
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []string{"2a", "2b"}) {
		t.Errorf("2: err = %v, want *AmbiguousRevisionError", err)
	}
	_, err = g.Resolve("3", nil)
	var unk *UnknownRevisionError
	if !errors.As(err, &unk) || unk.Rev != "3" {
		t.Errorf("3: err = %v, want *UnknownRevisionError", err)
	}
	if _, err := mustGraph(t).Resolve("heads", nil); !errors.Is(err, ErrNoRevisions) {
		t.Errorf("heads of empty graph: err = %v, want ErrNoRevisions", err)
	}
	if h := mustGraph(t).Heads(); h != nil {
		t.Errorf("Heads of empty graph = %v, want nil", h)
	}
}

// checkOrder fails unless every file's parents are applied or come earlier
// in path.
func checkOrder(t *testing.T, applied map[string]bool, path []*File) {
	t.Helper()
	done := map[string]bool{}
	for r, ok := range applied {
		done[r] = ok
	}
	for _, f := range path {
		for _, p := range f.Parents {
			if !done[p] {
				t.Errorf("%s runs before its parent %s in %v", f.Revision, p, revisions(path))
			}
		}
		done[f.Revision] = true
	}
}

func TestUpgradePath(t *testing.T) {
	g := merged(t)
	tests := []struct {
		name    string
		applied map[string]bool
		targets []string
		want    []string
		wantErr string
	}{
		{name: "from nothing through the merge", applied: set(), targets: []string{"e"}, want: []string{"a", "b", "c", "d", "e"}},
		{name: "one branch applied", applied: set("a", "c"), targets: []string{"e"}, want: []string{"b", "d", "e"}},
		{name: "the merge itself", applied: set("a", "b"), targets: []string{"d"}, want: []string{"c", "d"}},
		{name: "several targets", applied: set("a"), targets: []string{"c", "b"}, want: []string{"b", "c"}},
		{name: "already there", applied: set("a", "b", "c", "d", "e"), targets: []string{"e"}, want: nil},
		{name: "false entries are not applied", applied: map[string]bool{"a": true, "b": false}, targets: []string{"b"}, want: []string{"b"}},
		{name: "gap below an applied revision", applied: set("a", "c", "d"), targets: []string{"d"}, want: []string{"b"}},
		{name: "unknown target", applied: set(), targets: []string{"q"}, wantErr: "unknown revision q"},
		{name: "applied revision without a file", applied: set("a", "zz", "yy"), targets: []string{"e"}, wantErr: "applied revision yy, zz has no migration file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := g.UpgradePath(tt.applied, tt.targets)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("UpgradePath = %v, %v; want error %q", revisions(path), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, revisions(path)); d != "" {
				t.Errorf("UpgradePath (-want +got):\n%s", d)
			}
			checkOrder(t, tt.applied, path)
		})
	}
}

func TestDowngradePath(t *testing.T) {
	g := merged(t)
	all := set("a", "b", "c", "d", "e")
	tests := []struct {
		name    string
		applied map[string]bool
		target  string
		want    []string
		wantErr string
	}{
		{name: "to base", applied: all, target: "base", want: []string{"e", "d", "c", "b", "a"}},
		{name: "below the merge", applied: all, target: "a", want: []string{"e", "d", "c", "b"}},
		{name: "onto one branch", applied: all, target: "b", want: []string{"e", "d", "c"}},
		{name: "to the current head", applied: all, target: "e", want: nil},
		{name: "drops the other branch", applied: set("a", "b", "c"), target: "c", want: []string{"b"}},
		{name: "target not applied", applied: set("a", "b"), target: "c", wantErr: "cannot downgrade to c: it is not applied"},
		{name: "unknown target", applied: all, target: "q", wantErr: "unknown revision q"},
		{name: "applied revision without a file", applied: set("a", "x"), target: "a", wantErr: "applied revision x has no migration file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := g.DowngradePath(tt.applied, tt.target)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("DowngradePath = %v, %v; want error %q", revisions(path), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, revisions(path)); d != "" {
				t.Errorf("DowngradePath (-want +got):\n%s", d)
			}
			// Children go first: no reverted revision has a child still applied
			// at the moment it is reverted.
			left := map[string]bool{}
			for r, ok := range tt.applied {
				left[r] = ok
			}
			for _, f := range path {
				delete(left, f.Revision)
				for _, c := range g.Children(f.Revision) {
					if left[c] {
						t.Errorf("%s reverted while its child %s is applied", f.Revision, c)
					}
				}
			}
		})
	}
}

func TestRelativePaths(t *testing.T) {
	g := merged(t)
	tests := []struct {
		name    string
		up      bool
		applied map[string]bool
		n       int
		want    []string
		wantErr string
	}{
		{name: "+1 from nothing", up: true, applied: set(), n: 1, want: []string{"a"}},
		{name: "+3 across branches", up: true, applied: set("a"), n: 3, want: []string{"b", "c", "d"}},
		{name: "+2 with one left", up: true, applied: set("a", "b", "c", "d"), n: 2, wantErr: "only 1 revision to upgrade, asked for 2"},
		{name: "+0", up: true, applied: set(), n: 0, wantErr: "cannot upgrade 0 revisions: the count must be at least 1"},
		{name: "-2 from the head", applied: set("a", "b", "c", "d", "e"), n: 2, want: []string{"e", "d"}},
		{name: "-3 through the merge", applied: set("a", "b", "c", "d"), n: 3, want: []string{"d", "c", "b"}},
		{name: "-2 with one applied", applied: set("a"), n: 2, wantErr: "only 1 revision to downgrade, asked for 2"},
		{name: "-1 with nothing applied", applied: set(), n: 1, wantErr: "no revision to downgrade, asked for 1"},
		{name: "-1 with an unknown applied revision", applied: set("a", "x"), n: 1, wantErr: "applied revision x has no migration file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				path []*File
				err  error
			)
			if tt.up {
				path, err = g.UpgradeN(tt.applied, tt.n)
			} else {
				path, err = g.DowngradeN(tt.applied, tt.n)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, %v; want error %q", revisions(path), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, revisions(path)); d != "" {
				t.Errorf("path (-want +got):\n%s", d)
			}
			if tt.up {
				checkOrder(t, tt.applied, path)
			}
		})
	}
}

// TestReadDirToGraph runs the pieces together: a directory of plain and
// retort files becomes a graph and an upgrade path.
func TestReadDirToGraph(t *testing.T) {
	files, err := ReadDir(embedded, "testdata/dir")
	if err != nil {
		t.Fatal(err)
	}
	g := mustGraph(t, files...)
	heads, err := g.Resolve("head", nil)
	if err != nil {
		t.Fatal(err)
	}
	path, err := g.UpgradePath(nil, heads)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"20240101000000", "20240102000000"}, revisions(path)); d != "" {
		t.Errorf("UpgradePath (-want +got):\n%s", d)
	}
}
