package migrate

import (
	"fmt"
	"time"
)

// State is where a migration stands in a database.
type State uint8

const (
	// StatePending: not applied.
	StatePending State = iota
	// StateApplied: applied completely.
	StateApplied
	// StatePartial: its first Status.Done statements ran (on an engine
	// whose DDL commits on its own, or in committed segments), the rest
	// did not; the next upgrade resumes after them.
	StatePartial
)

// String returns "pending", "applied" or "partial".
func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateApplied:
		return "applied"
	case StatePartial:
		return "partial"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Kind is what a migration is made of.
type Kind string

// The kinds of migration.
const (
	// KindSQL is a migration file of SQL statements.
	KindSQL Kind = "sql"
	// KindGo is a Go-code migration: a placeholder file whose up and down
	// are Go functions (GoMigration). It runs in one transaction, so it is
	// never StatePartial.
	KindGo Kind = "go"
)

// Status is one migration's state in a database: a revision of the
// migrations directory, or one that the version table records and the
// directory lacks (Missing).
type Status struct {
	Revision string
	Parents  []string
	Message  string
	// File is the migration's file name; "" when Missing.
	File string
	// Kind is what the migration is made of ("" when Missing, except a
	// missing Go migration, which its version row's checksum tells).
	Kind Kind
	// Go is a Go migration's placeholder (version, program, and the code
	// when registered); nil for SQL.
	Go    *GoPlaceholder
	State State
	// Done and Total count the up statements of a StatePartial migration
	// that ran, and that it has (Total is 0 when Missing: unknown).
	Done, Total int
	// AppliedAt and Duration are the version table's, for a StateApplied
	// or StatePartial migration.
	AppliedAt time.Time
	Duration  time.Duration
	// Changed reports a migration whose file was edited since it was
	// applied (for StatePartial: one of the statements that ran), which
	// Upgrade refuses unless changes are allowed.
	Changed bool
	// Missing reports a revision the version table records and the
	// migrations directory does not have (a deleted file, another branch's
	// migration, or the wrong database): see MissingRevisionError.
	Missing bool
}

// Statuses returns the state of every revision of g, in g.Revisions()
// order, given the version table's records (nil: a database with nothing
// applied), followed by the recorded revisions that g lacks, in the
// records' order.
func Statuses(g *Graph, recs []Record) []Status {
	byRev := make(map[string]Record, len(recs))
	for _, r := range recs {
		byRev[r.Revision] = r
	}
	var out []Status
	for _, rev := range g.Revisions() {
		f, _ := g.Get(rev)
		s := Status{Revision: rev, Parents: f.Parents, Message: f.Message, File: f.Name, Kind: kindOf(f), Go: f.Go}
		if r, ok := byRev[rev]; ok {
			s.setRecord(r)
			same, _ := ChecksumMatches(r.Checksum, f)
			s.Changed = !same && (r.Complete() || r.Checksum != PrefixChecksum(f.Up, r.Progress))
			if s.State == StatePartial {
				s.Total = len(f.Up.Statements())
			}
		}
		out = append(out, s)
	}
	for _, r := range recs {
		if _, ok := g.Get(r.Revision); ok {
			continue
		}
		s := Status{Revision: r.Revision, Parents: r.Parents, Message: r.Message, Missing: true}
		if r.Go() {
			s.Kind = KindGo
		}
		s.setRecord(r)
		out = append(out, s)
	}
	return out
}

// setRecord sets the state that record r gives.
func (s *Status) setRecord(r Record) {
	s.AppliedAt, s.Duration = r.AppliedAt, r.Duration
	if r.Complete() {
		s.State = StateApplied
		return
	}
	s.State, s.Done = StatePartial, r.Progress
}

// kindOf returns what f is made of.
func kindOf(f *File) Kind {
	if f.Go != nil {
		return KindGo
	}
	return KindSQL
}
