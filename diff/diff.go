// Package diff compares two schemas into an ordered list of changes. It is
// pure: no SQL is generated here, no database is touched, and no dialect is
// imported. Engines turn the changes into SQL (dialect.Planner).
package diff

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Unowned lists the tables retort never creates, alters or drops, whatever
// the schemas say: its own history table, other migration tools' version
// tables and SQLite's internal tables. Patterns use path.Match syntax and
// are compared case-insensitively.
var unowned = []string{
	"retort_revisions", "retort_lock",
	"alembic_version", "goose_db_version", "schema_migrations", "flyway_schema_history",
	"atlas_schema_revisions", "gorp_migrations", "knex_migrations", "knex_migrations_lock",
	"sqlite_*",
}

// Option configures Compare.
type Option func(*options)

type options struct {
	exclude []string
}

// Exclude adds table-name patterns (path.Match syntax, case-insensitive)
// that Compare leaves alone on both sides, as it does the unowned tables.
func Exclude(patterns ...string) Option {
	return func(o *options) { o.exclude = append(o.exclude, patterns...) }
}

// Excluded reports whether the table name is one retort never touches,
// given the extra patterns.
func Excluded(name string, patterns []string) bool {
	n := strings.ToLower(name)
	for _, p := range slices.Concat(unowned, patterns) {
		if ok, _ := path.Match(strings.ToLower(p), n); ok {
			return true
		}
	}
	return false
}

// Compare returns the changes that turn from into to, in an order that an
// engine can execute: triggers and views that go away are dropped first, new
// tables are created parents before children, existing tables are modified,
// tables that go away are dropped children before parents, and new views and
// triggers come last. The result is deterministic.
func Compare(from, to *schema.Schema, opts ...Option) []Change {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	keep := func(t *schema.Table) bool { return !Excluded(t.Name, o.exclude) }

	var changes []Change
	// Triggers and views that disappear or change. A view that reads one of
	// those is redefined with it, and a trigger on one of those is recreated
	// after it: dropping a view drops its triggers (SQLite, PostgreSQL) and
	// either leaves the views reading it dangling (SQLite, whose next ALTER
	// TABLE then fails) or is refused (PostgreSQL).
	redefined := redefinedViews(from, to)
	for _, tr := range sortedTriggers(from.Triggers) {
		if !keep(&schema.Table{Name: tr.Table}) {
			continue
		}
		if other, ok := to.Trigger(tr.Name); !ok || !sameSQL(tr.Def, other.Def) || redefined[strings.ToLower(tr.Table)] {
			changes = append(changes, &DropTrigger{T: tr})
		}
	}
	for i := len(from.Views) - 1; i >= 0; i-- {
		v := from.Views[i]
		if redefined[strings.ToLower(v.Name)] {
			changes = append(changes, &DropView{V: v})
		}
	}
	viewDrops, viewAdds := viewIndexChanges(from, to, redefined)
	changes = append(changes, viewDrops...)

	var added, dropped []*schema.Table
	var modified []Change
	for _, t := range sortedTables(to.Tables) {
		if !keep(t) {
			continue
		}
		old, ok := from.Table(t.Name)
		if !ok {
			added = append(added, t)
			continue
		}
		a, b := old, t
		if (old.PartitionOf == "") != (t.PartitionOf == "") {
			a, b = asTable(old, from), asTable(t, to)
		}
		if cs := compareTable(a, b); len(cs) > 0 {
			modified = append(modified, &ModifyTable{From: old, To: t, Changes: cs})
		}
	}
	for _, t := range sortedTables(from.Tables) {
		if _, ok := to.Table(t.Name); !ok && keep(t) {
			dropped = append(dropped, t)
		}
	}
	changes = append(changes, typeChanges(from, to)...)
	for _, t := range parentsFirst(added) {
		changes = append(changes, &AddTable{T: t})
	}
	changes = append(changes, modified...)
	dropOrder := parentsFirst(dropped)
	slices.Reverse(dropOrder)
	for _, t := range dropOrder {
		changes = append(changes, &DropTable{T: t})
	}
	changes = append(changes, typeDrops(from, to)...)

	for _, v := range to.Views {
		if _, ok := from.View(v.Name); !ok || redefined[strings.ToLower(v.Name)] {
			changes = append(changes, &AddView{V: v})
		}
	}
	changes = append(changes, viewAdds...)
	for _, tr := range to.Triggers {
		if !keep(&schema.Table{Name: tr.Table}) {
			continue
		}
		if old, ok := from.Trigger(tr.Name); !ok || !sameSQL(tr.Def, old.Def) || redefined[strings.ToLower(old.Table)] {
			changes = append(changes, &AddTrigger{T: tr})
		}
	}
	return changes
}

// redefinedViews returns the lower-cased names of the views of from that
// are dropped: those to lacks or defines differently, and, transitively,
// those that read one of them.
func redefinedViews(from, to *schema.Schema) map[string]bool {
	out := map[string]bool{}
	for _, v := range from.Views {
		if other, ok := to.View(v.Name); !ok || !sameSQL(v.Def, other.Def) {
			out[strings.ToLower(v.Name)] = true
		}
	}
	for grew := len(out) > 0; grew; {
		grew = false
		for _, v := range from.Views {
			if n := strings.ToLower(v.Name); !out[n] && mentions(v.Def, out) {
				out[n] = true
				grew = true
			}
		}
	}
	return out
}

// viewIndexChanges returns the indexes to drop from and add to the
// (materialized) views that both schemas have and that are not redefined.
func viewIndexChanges(from, to *schema.Schema, redefined map[string]bool) (drops, adds []Change) {
	for _, v := range to.Views {
		old, ok := from.View(v.Name)
		if !ok || redefined[strings.ToLower(v.Name)] {
			continue
		}
		fromIdx := slices.Clone(old.Indexes)
		for _, ix := range v.Indexes {
			i := slices.IndexFunc(fromIdx, func(o *schema.Index) bool { return o != nil && sameIndexIdentity(o, ix) })
			if i >= 0 && sameIndex(fromIdx[i], ix) {
				fromIdx[i] = nil
				continue
			}
			if i >= 0 {
				drops = append(drops, &DropViewIndex{V: old, I: fromIdx[i]})
				fromIdx[i] = nil
			}
			adds = append(adds, &AddViewIndex{V: v, I: ix})
		}
		for _, ix := range fromIdx {
			if ix != nil {
				drops = append(drops, &DropViewIndex{V: old, I: ix})
			}
		}
	}
	return drops, adds
}

// mentions reports whether the SQL text src names any of names (lower-cased)
// as a bare or quoted identifier.
func mentions(src string, names map[string]bool) bool {
	for _, t := range sqltok.Tokenize(src, sqltok.Options{}) {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		if name, ok := t.Ident(); ok && names[strings.ToLower(name)] {
			return true
		}
	}
	return false
}

func compareTable(from, to *schema.Table) []Change {
	var drops, adds, mods []Change

	// Foreign keys: matched by identity (columns and target).
	fromFKs := slices.Clone(from.ForeignKeys)
	for _, fk := range to.ForeignKeys {
		i := slices.IndexFunc(fromFKs, func(o *schema.ForeignKey) bool { return o != nil && sameFKIdentity(o, fk) })
		if i < 0 {
			adds = append(adds, &AddForeignKey{FK: fk})
			continue
		}
		old := fromFKs[i]
		fromFKs[i] = nil
		if what := fkChanges(old, fk); what != 0 {
			mods = append(mods, &ModifyForeignKey{From: old, To: fk, What: what})
		}
	}
	for _, fk := range fromFKs {
		if fk != nil {
			drops = append(drops, &DropForeignKey{FK: fk})
		}
	}

	// Indexes and UNIQUE constraints.
	fromIdx := slices.Clone(from.Indexes)
	for _, ix := range to.Indexes {
		i := slices.IndexFunc(fromIdx, func(o *schema.Index) bool { return o != nil && sameIndexIdentity(o, ix) })
		if i >= 0 && sameIndex(fromIdx[i], ix) {
			fromIdx[i] = nil
			continue
		}
		if i >= 0 {
			drops = append(drops, &DropIndex{I: fromIdx[i]})
			fromIdx[i] = nil
		}
		adds = append(adds, &AddIndex{I: ix})
	}
	for _, ix := range fromIdx {
		if ix != nil {
			drops = append(drops, &DropIndex{I: ix})
		}
	}

	// Checks: by name when both are named, else by expression.
	fromChecks := slices.Clone(from.Checks)
	for _, c := range to.Checks {
		i := slices.IndexFunc(fromChecks, func(o *schema.Check) bool {
			return o != nil && o.Name != "" && c.Name != "" && strings.EqualFold(o.Name, c.Name)
		})
		if i < 0 {
			i = slices.IndexFunc(fromChecks, func(o *schema.Check) bool {
				return o != nil && sameSQL(o.Expr, c.Expr) && (o.Name == "" || c.Name == "" || strings.EqualFold(o.Name, c.Name))
			})
		}
		if i >= 0 && sameCheck(fromChecks[i], c) {
			// Only the way to validity is a change, as for foreign keys.
			if fromChecks[i].NotValid && !c.NotValid {
				mods = append(mods, &ValidateCheck{C: c})
			}
			fromChecks[i] = nil
			continue
		}
		if i >= 0 {
			drops = append(drops, &DropCheck{C: fromChecks[i]})
			fromChecks[i] = nil
		}
		adds = append(adds, &AddCheck{C: c})
	}
	for _, c := range fromChecks {
		if c != nil {
			drops = append(drops, &DropCheck{C: c})
		}
	}

	// Columns.
	var colChanges []Change
	for _, c := range from.Columns {
		if _, ok := to.Column(c.Name); !ok {
			colChanges = append(colChanges, &DropColumn{C: c})
		}
	}
	for _, c := range to.Columns {
		old, ok := from.Column(c.Name)
		if !ok {
			colChanges = append(colChanges, &AddColumn{C: c})
			continue
		}
		if what := columnChanges(old, c); what != 0 {
			colChanges = append(colChanges, &ModifyColumn{From: old, To: c, What: what})
		}
	}

	var out []Change
	if from.PartitionBy != to.PartitionBy {
		out = append(out, &ModifyPartitionKey{From: from, To: to})
	}
	if from.PartitionOf != to.PartitionOf || !sameSQL(from.PartitionBound, to.PartitionBound) {
		out = append(out, &ModifyPartitionOf{From: from, To: to})
	}
	out = append(out, drops...)
	out = append(out, colChanges...)
	if !samePK(from.PrimaryKey, to.PrimaryKey) {
		out = append(out, &ModifyPrimaryKey{From: from.PrimaryKey, To: to.PrimaryKey})
	}
	if from.WithoutRowID != to.WithoutRowID || from.Strict != to.Strict || from.Comment != to.Comment ||
		!strings.EqualFold(from.Engine, to.Engine) || !strings.EqualFold(from.Charset, to.Charset) ||
		!strings.EqualFold(from.Collation, to.Collation) {
		out = append(out, &ModifyTableOptions{From: from, To: to})
	}
	out = append(out, adds...)
	out = append(out, mods...)
	return out
}

// sameCheck reports whether two checks that match by name or expression
// are the same constraint; whether it is validated is no part of that.
func sameCheck(a, b *schema.Check) bool {
	return sameSQL(a.Expr, b.Expr) && a.NoInherit == b.NoInherit
}

// asTable returns t, or, when t is a partition, a copy of it with the
// columns and the primary key (unnamed) of its parent in s, which are a
// partition's too: a table that becomes or stops being a partition keeps
// them (ATTACH adopts a matching key, DETACH leaves the partition its
// copy). Other inherited constraints and indexes are not carried over.
func asTable(t *schema.Table, s *schema.Schema) *schema.Table {
	if t.PartitionOf == "" {
		return t
	}
	p, ok := s.Table(t.PartitionOf)
	if !ok || p == t {
		return t
	}
	p = asTable(p, s)
	c := *t
	c.Columns = p.Columns
	if c.PrimaryKey == nil && p.PrimaryKey != nil {
		pk := *p.PrimaryKey
		pk.Name = ""
		c.PrimaryKey = &pk
	}
	return &c
}

func columnChanges(a, b *schema.Column) ColumnChange {
	var w ColumnChange
	if !sameType(a.Type, b.Type) {
		w |= ChangeType
	}
	if a.NotNull != b.NotNull {
		w |= ChangeNull
	}
	if !sameSQL(a.Default, b.Default) {
		w |= ChangeDefault
	}
	if !strings.EqualFold(a.Collation, b.Collation) {
		w |= ChangeCollation
	}
	if (a.Generated == nil) != (b.Generated == nil) ||
		(a.Generated != nil && (a.Generated.Stored != b.Generated.Stored || !sameSQL(a.Generated.Expr, b.Generated.Expr))) {
		w |= ChangeGenerated
	}
	if a.AutoIncrement != b.AutoIncrement {
		w |= ChangeAutoIncrement
	}
	if a.Comment != b.Comment {
		w |= ChangeComment
	}
	if !strings.EqualFold(a.Identity, b.Identity) ||
		(a.IdentityOptions == nil) != (b.IdentityOptions == nil) ||
		(a.IdentityOptions != nil && !sameSequence(a.IdentityOptions, b.IdentityOptions)) {
		w |= ChangeIdentity
	}
	if !sameSQL(a.OnUpdate, b.OnUpdate) {
		w |= ChangeOnUpdateExpr
	}
	return w
}

func sameFKIdentity(a, b *schema.ForeignKey) bool {
	return equalFoldSlices(a.Columns, b.Columns) &&
		strings.EqualFold(a.RefTable, b.RefTable) &&
		strings.EqualFold(a.RefSchema, b.RefSchema) &&
		equalFoldSlices(a.RefColumns, b.RefColumns)
}

func fkChanges(a, b *schema.ForeignKey) FKChange {
	var w FKChange
	if a.OnDelete != b.OnDelete {
		w |= ChangeOnDelete
	}
	if a.OnUpdate != b.OnUpdate {
		w |= ChangeOnUpdate
	}
	if a.Deferrable != b.Deferrable || a.InitiallyDeferred != b.InitiallyDeferred {
		w |= ChangeDeferrable
	}
	if normMatch(a.Match) != normMatch(b.Match) {
		w |= ChangeMatch
	}
	if a.Name != "" && b.Name != "" && !strings.EqualFold(a.Name, b.Name) {
		w |= ChangeName
	}
	// Only the way to validity is a change: a desired NOT VALID key that
	// the database has validated already is as good.
	if a.NotValid && !b.NotValid {
		w |= ChangeValidated
	}
	return w
}

func normMatch(m string) string {
	switch strings.ToUpper(m) {
	case "", "NONE", "SIMPLE":
		return ""
	}
	return strings.ToUpper(m)
}

func sameIndexIdentity(a, b *schema.Index) bool {
	if a.Constraint != b.Constraint {
		return false
	}
	// An index the engine keeps for a foreign key is known by its key: the
	// engine names and renames it at will (MySQL).
	if a.Implicit && b.Implicit {
		return sameParts(a.Parts, b.Parts)
	}
	if a.Name != "" && b.Name != "" {
		return strings.EqualFold(a.Name, b.Name)
	}
	// An unnamed UNIQUE constraint is known by its key.
	return a.Constraint && sameParts(a.Parts, b.Parts)
}

func sameIndex(a, b *schema.Index) bool {
	return a.Unique == b.Unique && a.Constraint == b.Constraint &&
		sameParts(a.Parts, b.Parts) && sameSQL(a.Where, b.Where) &&
		strings.EqualFold(a.Method, b.Method) &&
		equalFoldSlices(a.Include, b.Include) && a.NullsNotDistinct == b.NullsNotDistinct &&
		slices.Equal(a.StorageParams, b.StorageParams)
}

func sameParts(a, b []schema.IndexPart) bool {
	return slices.EqualFunc(a, b, func(x, y schema.IndexPart) bool {
		return strings.EqualFold(x.Column, y.Column) && sameSQL(x.Expr, y.Expr) &&
			x.Desc == y.Desc && strings.EqualFold(x.Collation, y.Collation) &&
			strings.EqualFold(x.OpClass, y.OpClass) && strings.EqualFold(x.Nulls, y.Nulls) &&
			x.Length == y.Length
	})
}

func samePK(a, b *schema.PrimaryKey) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.Name != "" && b.Name != "" && !strings.EqualFold(a.Name, b.Name) {
		return false
	}
	return a.Desc == b.Desc && equalFoldSlices(a.Columns, b.Columns) &&
		sameParts(a.Parts, b.Parts) && strings.EqualFold(a.OnConflict, b.OnConflict) &&
		equalFoldSlices(a.Include, b.Include) && slices.Equal(a.StorageParams, b.StorageParams)
}

func equalFoldSlices(a, b []string) bool {
	return slices.EqualFunc(a, b, strings.EqualFold)
}

// sameSQL compares two pieces of SQL text ignoring layout, comments and
// keyword case.
func sameSQL(a, b string) bool {
	if a == b {
		return true
	}
	return sqltok.Normalize(a, sqltok.Options{}) == sqltok.Normalize(b, sqltok.Options{})
}

// sameType compares declared types ignoring case and spacing.
func sameType(a, b string) bool {
	return strings.EqualFold(a, b) || sameSQL(a, b)
}

func sortedTables(ts []*schema.Table) []*schema.Table {
	out := slices.Clone(ts)
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

func sortedTriggers(ts []*schema.Trigger) []*schema.Trigger {
	out := slices.Clone(ts)
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// parentsFirst orders tables so that a table comes after the tables of the
// same list that its foreign keys reference. Cycles are broken by name
// order; the input order (by name) is kept wherever dependencies allow.
func parentsFirst(ts []*schema.Table) []*schema.Table {
	byName := make(map[string]*schema.Table, len(ts))
	for _, t := range ts {
		byName[strings.ToLower(t.Name)] = t
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make(map[*schema.Table]int, len(ts))
	out := make([]*schema.Table, 0, len(ts))
	var visit func(t *schema.Table)
	visit = func(t *schema.Table) {
		if state[t] != unseen {
			return
		}
		state[t] = visiting
		for _, fk := range t.ForeignKeys {
			if p, ok := byName[strings.ToLower(fk.RefTable)]; ok && p != t {
				visit(p)
			}
		}
		if p, ok := byName[strings.ToLower(t.PartitionOf)]; ok && t.PartitionOf != "" && p != t {
			visit(p)
		}
		state[t] = done
		out = append(out, t)
	}
	for _, t := range ts {
		visit(t)
	}
	return out
}

// typeChanges returns the enum types and sequences that to adds or changes,
// by name order. They come before the tables, which may use them.
func typeChanges(from, to *schema.Schema) []Change {
	var out []Change
	for _, e := range sortedByName(to.Enums, func(e *schema.Enum) string { return e.Name }) {
		old, ok := from.Enum(e.Name)
		switch {
		case !ok:
			out = append(out, &AddEnum{E: e})
		case !slices.Equal(old.Values, e.Values):
			out = append(out, &ModifyEnum{From: old, To: e})
		}
	}
	for _, q := range sortedByName(to.Sequences, func(q *schema.Sequence) string { return q.Name }) {
		old, ok := from.Sequence(q.Name)
		switch {
		case !ok:
			out = append(out, &AddSequence{S: q})
		case !sameSequence(old, q):
			out = append(out, &ModifySequence{From: old, To: q})
		}
	}
	return out
}

// typeDrops returns the sequences and enum types that to lacks, by name
// order. They come after the tables, which may still use them.
func typeDrops(from, to *schema.Schema) []Change {
	var out []Change
	for _, q := range sortedByName(from.Sequences, func(q *schema.Sequence) string { return q.Name }) {
		if _, ok := to.Sequence(q.Name); !ok {
			out = append(out, &DropSequence{S: q})
		}
	}
	for _, e := range sortedByName(from.Enums, func(e *schema.Enum) string { return e.Name }) {
		if _, ok := to.Enum(e.Name); !ok {
			out = append(out, &DropEnum{E: e})
		}
	}
	return out
}

func sameSequence(a, b *schema.Sequence) bool {
	return sameType(a.Type, b.Type) && a.Start == b.Start && a.Increment == b.Increment &&
		a.Min == b.Min && a.Max == b.Max && a.Cache == b.Cache && a.Cycle == b.Cycle &&
		a.OwnerTable == b.OwnerTable && a.OwnerColumn == b.OwnerColumn
}

func sortedByName[T any](xs []T, name func(T) string) []T {
	out := slices.Clone(xs)
	sort.SliceStable(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}
