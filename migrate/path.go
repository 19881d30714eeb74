package migrate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Base is the destination before the first migration: no revision applied.
const Base = "base"

// DestinationKind is the form of a Destination.
type DestinationKind uint8

const (
	// DestinationHead is "head": the single head of the graph.
	DestinationHead DestinationKind = iota + 1
	// DestinationHeads is "heads": every head.
	DestinationHeads
	// DestinationBase is "base": no revision applied.
	DestinationBase
	// DestinationRevision is a revision id or a unique prefix of one.
	DestinationRevision
	// DestinationRelative is "+N" (N revisions up) or "-N" (N revisions down).
	DestinationRelative
)

// Destination is a parsed upgrade or downgrade target.
type Destination struct {
	// Kind is the target's form.
	Kind DestinationKind
	// Rev is the revision or prefix of a DestinationRevision.
	Rev string
	// N is the step count of a DestinationRelative: positive for "+N", negative
	// for "-N".
	N int
}

// String returns the target as ParseDestination reads it.
func (t Destination) String() string {
	switch t.Kind {
	case DestinationHead:
		return "head"
	case DestinationHeads:
		return "heads"
	case DestinationBase:
		return "base"
	case DestinationRevision:
		return t.Rev
	case DestinationRelative:
		if t.N > 0 {
			return "+" + strconv.Itoa(t.N)
		}
		return strconv.Itoa(t.N)
	}
	return fmt.Sprintf("Destination(%d)", t.Kind)
}

// ParseDestination parses a target: "head", "heads", "base" (in any case), "+N"
// or "-N" with N ≥ 1, or a revision id or prefix (letters and digits). It
// does not look the revision up; Graph.Resolve does.
func ParseDestination(s string) (Destination, error) {
	switch strings.ToLower(s) {
	case "head":
		return Destination{Kind: DestinationHead}, nil
	case "heads":
		return Destination{Kind: DestinationHeads}, nil
	case "base":
		return Destination{Kind: DestinationBase}, nil
	case "":
		return Destination{}, fmt.Errorf("empty target (want head, heads, base, a revision, +N or -N)")
	}
	if s[0] == '+' || s[0] == '-' {
		if !allDigits(s[1:]) {
			return Destination{}, fmt.Errorf("invalid target %q (want +N or -N)", s)
		}
		n, err := strconv.Atoi(s[1:])
		if err != nil || n < 1 {
			return Destination{}, fmt.Errorf("invalid target %q: N must be a number of revisions, at least 1", s)
		}
		if s[0] == '-' {
			n = -n
		}
		return Destination{Kind: DestinationRelative, N: n}, nil
	}
	if !validRevision(s) {
		return Destination{}, fmt.Errorf("invalid target %q (want head, heads, base, a revision, +N or -N)", s)
	}
	return Destination{Kind: DestinationRevision, Rev: s}, nil
}

// MultipleHeadsError is returned for the target "head" when the graph has
// more than one head.
type MultipleHeadsError struct {
	// Heads are the graph's heads, sorted.
	Heads []string
}

// Error names the heads and the commands that resolve the ambiguity.
func (e *MultipleHeadsError) Error() string {
	return fmt.Sprintf("multiple heads: %s; run \"retort merge -m MSG\" to merge them, or \"retort upgrade heads\" to apply every branch",
		strings.Join(e.Heads, ", "))
}

// UnknownRevisionError is a revision, or revision prefix, that names no
// revision of the graph.
type UnknownRevisionError struct {
	Rev string
}

// Error returns "unknown revision <rev>".
func (e *UnknownRevisionError) Error() string { return "unknown revision " + e.Rev }

// AmbiguousRevisionError is a revision prefix that several revisions start
// with.
type AmbiguousRevisionError struct {
	Prefix     string
	Candidates []string // sorted
}

// Error names the prefix and the revisions it matches.
func (e *AmbiguousRevisionError) Error() string {
	return fmt.Sprintf("ambiguous revision %s: matches %s", e.Prefix, strings.Join(e.Candidates, ", "))
}

// Resolve returns the revisions target names, sorted; current is the set of
// applied heads (as recorded in the version table), used by relative
// targets. Targets:
//   - "head": the single head; a *MultipleHeadsError when there are several.
//   - "heads": every head.
//   - "base": nil (no revision applied).
//   - a revision id, or a prefix that only one revision starts with; a
//     *UnknownRevisionError or *AmbiguousRevisionError otherwise.
//   - "+N" / "-N": the heads of the applied set after UpgradeN / DowngradeN
//     of N revisions from current (nil when that is base).
//
// Resolve returns ErrNoRevisions for "head" and "heads" on an empty graph.
func (g *Graph) Resolve(target string, current []string) ([]string, error) {
	t, err := ParseDestination(target)
	if err != nil {
		return nil, err
	}
	switch t.Kind {
	case DestinationHead, DestinationHeads:
		if len(g.heads) == 0 {
			return nil, ErrNoRevisions
		}
		if t.Kind == DestinationHead && len(g.heads) > 1 {
			return nil, &MultipleHeadsError{Heads: g.Heads()}
		}
		return g.Heads(), nil
	case DestinationBase:
		return nil, nil
	case DestinationRevision:
		r, err := g.lookup(t.Rev)
		if err != nil {
			return nil, err
		}
		return []string{r}, nil
	}
	applied := map[string]bool{}
	for _, c := range current {
		a := g.Ancestors(c)
		if a == nil {
			return nil, &UnknownRevisionError{Rev: c}
		}
		for r := range a {
			applied[r] = true
		}
	}
	if t.N > 0 {
		path, err := g.UpgradeN(applied, t.N)
		if err != nil {
			return nil, err
		}
		for _, f := range path {
			applied[f.Revision] = true
		}
	} else {
		path, err := g.DowngradeN(applied, -t.N)
		if err != nil {
			return nil, err
		}
		for _, f := range path {
			delete(applied, f.Revision)
		}
	}
	return g.headsOf(applied), nil
}

// lookup returns the revision that is rev or, failing that, the only one
// that starts with rev.
func (g *Graph) lookup(rev string) (string, error) {
	if _, ok := g.files[rev]; ok {
		return rev, nil
	}
	var matches []string
	for r := range g.files {
		if strings.HasPrefix(r, rev) {
			matches = append(matches, r)
		}
	}
	switch len(matches) {
	case 0:
		return "", &UnknownRevisionError{Rev: rev}
	case 1:
		return matches[0], nil
	}
	slices.Sort(matches)
	return "", &AmbiguousRevisionError{Prefix: rev, Candidates: matches}
}

// checkApplied reports a revision recorded as applied that the graph does
// not have.
func (g *Graph) checkApplied(applied map[string]bool) error {
	var missing []string
	for r, ok := range applied {
		if _, known := g.files[r]; ok && !known {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("applied revision %s has no migration file", strings.Join(missing, ", "))
}

// UpgradePath returns the files to apply to reach targets (full revision
// ids) from the applied set: every ancestor of a target, the target
// included, that is not applied, in topological order (parents first, ties
// by revision id). An applied set need not be closed under ancestors: a
// missing ancestor (a plain dbmate file added out of order) is in the path.
// It returns an error for an unknown target or an applied revision the
// graph does not have, and nil, nil when there is nothing to do.
func (g *Graph) UpgradePath(applied map[string]bool, targets []string) ([]*File, error) {
	if err := g.checkApplied(applied); err != nil {
		return nil, err
	}
	need := map[string]bool{}
	for _, t := range targets {
		a := g.Ancestors(t)
		if a == nil {
			return nil, &UnknownRevisionError{Rev: t}
		}
		for r := range a {
			need[r] = true
		}
	}
	var out []*File
	for _, r := range g.order {
		if need[r] && !applied[r] {
			out = append(out, g.files[r])
		}
	}
	return out, nil
}

// DowngradePath returns the files to revert to go from the applied set down
// to target, a full revision id or "base": every applied revision that is
// not target or one of its ancestors, children before parents (reverse
// topological order). target must be applied. It returns nil, nil when
// there is nothing to do.
func (g *Graph) DowngradePath(applied map[string]bool, target string) ([]*File, error) {
	if err := g.checkApplied(applied); err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	if target != "base" {
		keep = g.Ancestors(target)
		if keep == nil {
			return nil, &UnknownRevisionError{Rev: target}
		}
		if !applied[target] {
			return nil, fmt.Errorf("cannot downgrade to %s: it is not applied", target)
		}
	}
	var out []*File
	for i := len(g.order) - 1; i >= 0; i-- {
		if r := g.order[i]; applied[r] && !keep[r] {
			out = append(out, g.files[r])
		}
	}
	return out, nil
}

// UpgradeN returns the next n revisions to apply ("+N"): the first n
// revisions that are not applied, in topological order. It returns an
// error when fewer than n are left, or n < 1.
func (g *Graph) UpgradeN(applied map[string]bool, n int) ([]*File, error) {
	if err := g.checkApplied(applied); err != nil {
		return nil, err
	}
	var out []*File
	for _, r := range g.order {
		if !applied[r] {
			out = append(out, g.files[r])
		}
	}
	if err := checkCount("upgrade", len(out), n); err != nil {
		return nil, err
	}
	return out[:n], nil
}

// DowngradeN returns the last n applied revisions ("-N"), children before
// parents (reverse topological order). It returns an error when fewer than
// n are applied, or n < 1.
func (g *Graph) DowngradeN(applied map[string]bool, n int) ([]*File, error) {
	if err := g.checkApplied(applied); err != nil {
		return nil, err
	}
	var out []*File
	for i := len(g.order) - 1; i >= 0; i-- {
		if r := g.order[i]; applied[r] {
			out = append(out, g.files[r])
		}
	}
	if err := checkCount("downgrade", len(out), n); err != nil {
		return nil, err
	}
	return out[:n], nil
}

func checkCount(verb string, have, n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("cannot %s %d revisions: the count must be at least 1", verb, n)
	case have == 0:
		return fmt.Errorf("no revision to %s, asked for %d", verb, n)
	case have < n:
		noun := "revisions"
		if have == 1 {
			noun = "revision"
		}
		return fmt.Errorf("only %d %s to %s, asked for %d", have, noun, verb, n)
	}
	return nil
}
