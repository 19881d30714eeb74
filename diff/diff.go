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
	exclude     []string
	rules       *schema.CaseRules
	columnOrder bool
	renames     []schema.Rename
}

// Case sets the case rules by which Compare matches names. Without it,
// Compare uses the rules of from, or of to when from's are the zero value
// (a schema built by hand).
func Case(r schema.CaseRules) Option {
	return func(o *options) { o.rules = &r }
}

// ColumnOrder makes Compare report a column that stays but whose place
// among the other columns that stay differs (ModifyColumn with
// ChangePosition), for engines that can move a column (MySQL's MODIFY …
// AFTER). The fewest columns are moved: those outside a longest run of
// columns already in the desired order.
func ColumnOrder() Option {
	return func(o *options) { o.columnOrder = true }
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
	r := from.Case
	if r == (schema.CaseRules{}) {
		r = to.Case
	}
	if o.rules != nil {
		r = *o.rules
	}
	// Every lookup below matches names by r, on both sides (not by the
	// schemas' own lookups, which follow each schema's rules).
	tk := r.Tables.Key

	// Renames first; everything after compares the renamed schema.
	changes := renames(from, to, o.renames, r)
	from = afterRenames(from, changes, r)
	// Triggers and views that disappear or change. A view that reads one of
	// those is redefined with it, and a trigger on one of those is recreated
	// after it: dropping a view drops its triggers (SQLite, PostgreSQL) and
	// either leaves the views reading it dangling (SQLite, whose next ALTER
	// TABLE then fails) or is refused (PostgreSQL).
	redefined := redefinedViews(from, to, r)
	for _, tr := range sortedTriggers(from.Triggers) {
		if !keep(&schema.Table{Name: tr.Table}) {
			continue
		}
		if other, ok := findTrigger(to.Triggers, tr, r); !ok || !sameTrigger(tr, other) || redefined[tk(tr.Table)] {
			changes = append(changes, &DropTrigger{T: tr})
		}
	}
	for i := len(from.Views) - 1; i >= 0; i-- {
		v := from.Views[i]
		if redefined[tk(v.Name)] {
			changes = append(changes, &DropView{V: v})
		}
	}
	viewDrops, viewAdds := viewIndexChanges(from, to, redefined, r)
	changes = append(changes, viewDrops...)

	// Schemas (namespaces) that are new come before everything they hold.
	changes = append(changes, schemaAdds(from, to)...)

	// Routines that are new or redefined are created before the tables,
	// views and triggers that may call them.
	changes = append(changes, extensionChanges(from, to)...)
	changes = append(changes, routineChanges(from, to, r.Routines)...)

	var added, dropped []*schema.Table
	var modified []Change
	for _, t := range sortedTables(to.Tables) {
		if !keep(t) {
			continue
		}
		old, ok := find(from.Tables, tableName, tableName(t), r.Tables)
		if !ok {
			added = append(added, t)
			continue
		}
		a, b := old, t
		if (old.PartitionOf == "") != (t.PartitionOf == "") {
			a, b = asTable(old, from), asTable(t, to)
		}
		if cs := compareTable(a, b, r, &o); len(cs) > 0 {
			modified = append(modified, &ModifyTable{From: old, To: t, Changes: cs})
		}
	}
	for _, t := range sortedTables(from.Tables) {
		if _, ok := find(to.Tables, tableName, tableName(t), r.Tables); !ok && keep(t) {
			dropped = append(dropped, t)
		}
	}
	changes = append(changes, typeChanges(from, to)...)
	changes = append(changes, pgTypeChanges(from, to)...)
	for _, t := range parentsFirst(added, r) {
		changes = append(changes, &AddTable{T: t})
	}
	changes = append(changes, modified...)
	dropOrder := parentsFirst(dropped, r)
	slices.Reverse(dropOrder)
	for _, t := range dropOrder {
		changes = append(changes, &DropTable{T: t})
	}
	changes = append(changes, pgTypeDrops(from, to)...)
	changes = append(changes, typeDrops(from, to)...)
	changes = append(changes, viewComments(from, to, r, redefined)...)

	for _, v := range to.Views {
		if _, ok := find(from.Views, viewName, viewName(v), r.Tables); !ok || redefined[tk(v.Name)] {
			changes = append(changes, &AddView{V: v})
		}
	}
	changes = append(changes, viewAdds...)
	for _, tr := range to.Triggers {
		if !keep(&schema.Table{Name: tr.Table}) {
			continue
		}
		if old, ok := findTrigger(from.Triggers, tr, r); !ok || !sameTrigger(tr, old) || redefined[tk(old.Table)] {
			changes = append(changes, &AddTrigger{T: tr})
		}
	}
	changes = append(changes, triggerPolicyComments(from, to, r, redefined, keep)...)
	// Routines that go away are dropped last, once nothing calls them.
	for _, rt := range sortedRoutines(from.Routines) {
		if _, ok := findRoutine(to.Routines, rt, r.Routines); !ok {
			changes = append(changes, &DropRoutine{R: rt})
		}
	}
	changes = append(changes, extensionDrops(from, to)...)
	// Schemas that go away are dropped last, once they are empty.
	changes = append(changes, schemaDrops(from, to)...)
	return changes
}

// findRoutine returns the routine of rs with r's kind, name (by f) and
// identity signature.
func findRoutine(rs []*schema.Routine, r *schema.Routine, f schema.Fold) (*schema.Routine, bool) {
	for _, x := range rs {
		if x.Kind == r.Kind && x.Args == r.Args && f.Equal(x.Name, r.Name) {
			return x, true
		}
	}
	return nil, false
}

// routineChanges returns the drop and add of every routine of to that from
// defines differently, and the add of every routine from lacks.
func routineChanges(from, to *schema.Schema, f schema.Fold) []Change {
	var out []Change
	for _, r := range sortedRoutines(to.Routines) {
		old, ok := findRoutine(from.Routines, r, f)
		if ok && sameSQL(old.Def, r.Def) && sameSession(old.Session, r.Session) {
			if old.Comment != r.Comment {
				out = append(out, &SetComment{Kind: r.Kind, Schema: r.Schema, Name: r.Name, Args: r.Args, Comment: r.Comment})
			}
			continue
		}
		if ok {
			out = append(out, &DropRoutine{R: old})
		}
		out = append(out, &AddRoutine{R: r})
	}
	return out
}

// sortedRoutines returns rs ordered by kind and lower-cased name.
func sortedRoutines(rs []*schema.Routine) []*schema.Routine {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b *schema.Routine) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Args, b.Args)
	})
	return out
}

// sameTrigger reports whether two triggers have the same definition,
// session and firing state.
func sameTrigger(a, b *schema.Trigger) bool {
	return sameSQL(a.Def, b.Def) && sameSession(a.Session, b.Session) && a.State == b.State
}

// sameSession reports whether a trigger or routine was created under the
// same sql_mode on both sides (the order of its flags aside). The client
// character set and collation are not compared: they are reproduced when
// retort creates the object, but a difference alone is no reason to
// recreate it. An unknown mode ("") matches any.
func sameSession(a, b schema.Session) bool {
	if a.SQLMode == "" || b.SQLMode == "" {
		return true
	}
	fa, fb := strings.Split(strings.ToUpper(a.SQLMode), ","), strings.Split(strings.ToUpper(b.SQLMode), ",")
	slices.Sort(fa)
	slices.Sort(fb)
	return slices.Equal(fa, fb)
}

// find returns the element of xs whose name equals name by f.
func find[T any](xs []T, nameOf func(T) string, name string, f schema.Fold) (T, bool) {
	for _, x := range xs {
		if f.Equal(nameOf(x), name) {
			return x, true
		}
	}
	var zero T
	return zero, false
}

// tableName and viewName return the name under which a table or view is
// matched: its name, qualified by its schema when it has one (several
// schemas are managed), so that app.log and audit.log are two tables.
func tableName(t *schema.Table) string   { return qualifiedKey(t.Schema, t.Name) }
func viewName(v *schema.View) string     { return qualifiedKey(v.Schema, v.Name) }
func columnName(c *schema.Column) string { return c.Name }

// findTrigger returns the trigger of xs with tr's name on tr's table: on
// PostgreSQL a trigger's name is unique per table only (every table may
// have its own "last_updated"); elsewhere it is unique in the schema, so a
// trigger that moves to another table is dropped and created either way.
func findTrigger(xs []*schema.Trigger, tr *schema.Trigger, r schema.CaseRules) (*schema.Trigger, bool) {
	for _, x := range xs {
		if r.Triggers.Equal(x.Name, tr.Name) && r.Tables.Equal(x.Table, tr.Table) {
			return x, true
		}
	}
	return nil, false
}

// redefinedViews returns the keys (by r's table rule) of the names of the views of from that
// are dropped: those to lacks or defines differently, and, transitively,
// those that read one of them.
func redefinedViews(from, to *schema.Schema, r schema.CaseRules) map[string]bool {
	out := map[string]bool{}
	for _, v := range from.Views {
		if other, ok := find(to.Views, viewName, viewName(v), r.Tables); !ok || !sameSQL(v.Def, other.Def) {
			out[r.Tables.Key(v.Name)] = true
		}
	}
	for grew := len(out) > 0; grew; {
		grew = false
		for _, v := range from.Views {
			if n := r.Tables.Key(v.Name); !out[n] && mentions(v.Def, out, r.Tables) {
				out[n] = true
				grew = true
			}
		}
	}
	return out
}

// viewIndexChanges returns the indexes to drop from and add to the
// (materialized) views that both schemas have and that are not redefined.
func viewIndexChanges(from, to *schema.Schema, redefined map[string]bool, r schema.CaseRules) (drops, adds []Change) {
	for _, v := range to.Views {
		old, ok := find(from.Views, viewName, viewName(v), r.Tables)
		if !ok || redefined[r.Tables.Key(v.Name)] {
			continue
		}
		dropped, added := indexChanges(old.Indexes, v.Indexes, r)
		for _, ix := range dropped {
			drops = append(drops, &DropViewIndex{V: old, I: ix})
		}
		for _, ix := range added {
			adds = append(adds, &AddViewIndex{V: v, I: ix})
		}
	}
	return drops, adds
}

// indexChanges matches the indexes of to against those of from by
// identity. An index matched but changed is both dropped and added; the
// dropped come in the order they are found (changed ones first, then the
// unmatched of from), the added in the order of to.
func indexChanges(from, to []*schema.Index, r schema.CaseRules) (dropped, added []*schema.Index) {
	fromIdx := slices.Clone(from)
	for _, ix := range to {
		i := slices.IndexFunc(fromIdx, func(o *schema.Index) bool { return o != nil && sameIndexIdentity(o, ix, r) })
		if i >= 0 && sameIndex(fromIdx[i], ix, r) {
			fromIdx[i] = nil
			continue
		}
		if i >= 0 {
			dropped = append(dropped, fromIdx[i])
			fromIdx[i] = nil
		}
		added = append(added, ix)
	}
	for _, ix := range fromIdx {
		if ix != nil {
			dropped = append(dropped, ix)
		}
	}
	return dropped, added
}

// mentions reports whether the SQL text src names any of names (keys by
// f) as a bare or quoted identifier. A bare word is also tried lower-cased
// (PostgreSQL folds it so): a view taken to read one more view is only
// redefined with it, which is safe.
func mentions(src string, names map[string]bool, f schema.Fold) bool {
	for _, t := range sqltok.Tokenize(src, sqltok.Options{}) {
		if t.Kind != sqltok.Word && t.Kind != sqltok.QuotedIdent {
			continue
		}
		if name, ok := t.Ident(); ok && (names[f.Key(name)] || t.Kind == sqltok.Word && names[f.Key(strings.ToLower(name))]) {
			return true
		}
	}
	return false
}

func compareTable(from, to *schema.Table, r schema.CaseRules, o *options) []Change {
	drops, adds, mods := compareForeignKeys(from, to, r)

	// Indexes and UNIQUE constraints.
	dropped, added := indexChanges(from.Indexes, to.Indexes, r)
	for _, ix := range dropped {
		drops = append(drops, &DropIndex{I: ix})
	}
	for _, ix := range added {
		adds = append(adds, &AddIndex{I: ix})
	}

	cDrops, cAdds, cMods := compareChecks(from, to, r)
	drops = append(drops, cDrops...)
	adds = append(adds, cAdds...)
	mods = append(mods, cMods...)

	colChanges := compareColumns(from, to, r, o)

	xDrops, xAdds, comments := compareExclusions(from, to, r)
	drops = append(drops, xDrops...)
	adds = append(adds, xAdds...)
	mods = append(mods, comments...)

	var out []Change
	if from.PartitionBy != to.PartitionBy {
		out = append(out, &ModifyPartitionKey{From: from, To: to})
	}
	if from.PartitionOf != to.PartitionOf || !sameSQL(from.PartitionBound, to.PartitionBound) {
		out = append(out, &ModifyPartitionOf{From: from, To: to})
	}
	out = append(out, drops...)
	out = append(out, colChanges...)
	if !samePK(from.PrimaryKey, to.PrimaryKey, r) {
		out = append(out, &ModifyPrimaryKey{From: from.PrimaryKey, To: to.PrimaryKey})
	}
	if optionsDiffer(from, to) {
		out = append(out, &ModifyTableOptions{From: from, To: to})
	}
	if !sameSQL(from.Partition, to.Partition) {
		out = append(out, &ModifyPartition{From: from, To: to})
	}
	out = append(out, adds...)
	out = append(out, mods...)
	return append(out, policyChanges(from, to, r)...)
}

// optionsDiffer reports whether the table options of from and to differ.
func optionsDiffer(from, to *schema.Table) bool {
	return from.WithoutRowID != to.WithoutRowID || from.Strict != to.Strict || from.Comment != to.Comment || from.Unlogged != to.Unlogged ||
		!strings.EqualFold(from.Engine, to.Engine) || !strings.EqualFold(from.Charset, to.Charset) ||
		!strings.EqualFold(from.Collation, to.Collation) ||
		!strings.EqualFold(from.RowFormat, to.RowFormat) || from.KeyBlockSize != to.KeyBlockSize
}

// compareForeignKeys matches foreign keys by identity (columns and
// target) and returns the ones dropped, added and changed.
func compareForeignKeys(from, to *schema.Table, r schema.CaseRules) (drops, adds, mods []Change) {
	fromFKs := slices.Clone(from.ForeignKeys)
	for _, fk := range to.ForeignKeys {
		i := slices.IndexFunc(fromFKs, func(o *schema.ForeignKey) bool { return o != nil && sameFKIdentity(o, fk, r) })
		if i < 0 {
			adds = append(adds, &AddForeignKey{FK: fk})
			continue
		}
		old := fromFKs[i]
		fromFKs[i] = nil
		if what := fkChanges(old, fk, r); what != 0 {
			mods = append(mods, &ModifyForeignKey{From: old, To: fk, What: what})
		}
	}
	for _, fk := range fromFKs {
		if fk != nil {
			drops = append(drops, &DropForeignKey{FK: fk})
		}
	}
	return drops, adds, mods
}

// compareChecks matches checks by name when both are named, else by
// expression, and returns the ones dropped, added and validated.
func compareChecks(from, to *schema.Table, r schema.CaseRules) (drops, adds, mods []Change) {
	fromChecks := slices.Clone(from.Checks)
	for _, c := range to.Checks {
		i := slices.IndexFunc(fromChecks, func(o *schema.Check) bool {
			return o != nil && o.Name != "" && c.Name != "" && r.Constraints.Equal(o.Name, c.Name)
		})
		if i < 0 {
			i = slices.IndexFunc(fromChecks, func(o *schema.Check) bool {
				return o != nil && sameSQL(o.Expr, c.Expr) && (o.Name == "" || c.Name == "" || r.Constraints.Equal(o.Name, c.Name))
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
	return drops, adds, mods
}

// compareColumns returns the columns dropped, then those added and
// changed in to's order.
func compareColumns(from, to *schema.Table, r schema.CaseRules, o *options) []Change {
	var colChanges []Change
	for _, c := range from.Columns {
		if _, ok := find(to.Columns, columnName, c.Name, r.Columns); !ok {
			colChanges = append(colChanges, &DropColumn{C: c})
		}
	}
	var moved map[string]bool
	if o.columnOrder {
		moved = movedColumns(from, to)
	}
	for _, c := range to.Columns {
		old, ok := find(from.Columns, columnName, c.Name, r.Columns)
		if !ok {
			colChanges = append(colChanges, &AddColumn{C: c})
			continue
		}
		what := columnChanges(old, c)
		if moved[strings.ToLower(c.Name)] {
			what |= ChangePosition
		}
		if what != 0 {
			colChanges = append(colChanges, &ModifyColumn{From: old, To: c, What: what})
		}
	}
	return colChanges
}

// movedColumns returns the lower-cased names of the columns that both
// tables have and that must move so that they come in to's order: those
// outside a longest common subsequence of the two orders (the earliest
// such subsequence in to's order, so that the answer is deterministic).
func movedColumns(from, to *schema.Table) map[string]bool {
	var a, b []string // common columns in from's and in to's order
	for _, c := range from.Columns {
		if _, ok := to.Column(c.Name); ok {
			a = append(a, strings.ToLower(c.Name))
		}
	}
	for _, c := range to.Columns {
		if _, ok := from.Column(c.Name); ok {
			b = append(b, strings.ToLower(c.Name))
		}
	}
	if slices.Equal(a, b) {
		return nil
	}
	// lcs[i][j]: length of a longest common subsequence of a[i:], b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	moved := map[string]bool{}
	i, j := 0, 0
	for j < len(b) {
		switch {
		case i < len(a) && a[i] == b[j]:
			i, j = i+1, j+1
		case i < len(a) && lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			moved[b[j]] = true
			j++
		}
	}
	return moved
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
	if a.Invisible != b.Invisible {
		w |= ChangeInvisible
	}
	w |= pgColumnChanges(a, b)
	return w
}

func sameFKIdentity(a, b *schema.ForeignKey, r schema.CaseRules) bool {
	return r.Columns.EqualAll(a.Columns, b.Columns) &&
		r.Tables.Equal(a.RefTable, b.RefTable) &&
		r.Tables.Equal(a.RefSchema, b.RefSchema) &&
		r.Columns.EqualAll(a.RefColumns, b.RefColumns)
}

func fkChanges(a, b *schema.ForeignKey, r schema.CaseRules) FKChange {
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
	if a.Name != "" && b.Name != "" && !r.Constraints.Equal(a.Name, b.Name) {
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

func sameIndexIdentity(a, b *schema.Index, r schema.CaseRules) bool {
	if a.Constraint != b.Constraint {
		return false
	}
	// An index the engine keeps for a foreign key is known by its key: the
	// engine names and renames it at will (MySQL).
	if a.Implicit && b.Implicit {
		return sameParts(a.Parts, b.Parts, r)
	}
	if a.Name != "" && b.Name != "" {
		return r.Indexes.Equal(a.Name, b.Name)
	}
	// An unnamed UNIQUE constraint is known by its key.
	return a.Constraint && sameParts(a.Parts, b.Parts, r)
}

func sameIndex(a, b *schema.Index, r schema.CaseRules) bool {
	return a.Unique == b.Unique && a.Constraint == b.Constraint &&
		sameParts(a.Parts, b.Parts, r) && sameSQL(a.Where, b.Where) &&
		strings.EqualFold(a.Method, b.Method) &&
		r.Columns.EqualAll(a.Include, b.Include) && a.NullsNotDistinct == b.NullsNotDistinct &&
		a.Comment == b.Comment && slices.Equal(a.StorageParams, b.StorageParams) &&
		a.Deferrable == b.Deferrable && a.InitiallyDeferred == b.InitiallyDeferred
}

func sameParts(a, b []schema.IndexPart, r schema.CaseRules) bool {
	return slices.EqualFunc(a, b, func(x, y schema.IndexPart) bool {
		return r.Columns.Equal(x.Column, y.Column) && sameSQL(x.Expr, y.Expr) &&
			x.Desc == y.Desc && strings.EqualFold(x.Collation, y.Collation) &&
			strings.EqualFold(x.OpClass, y.OpClass) && strings.EqualFold(x.Nulls, y.Nulls) &&
			x.Length == y.Length
	})
}

func samePK(a, b *schema.PrimaryKey, r schema.CaseRules) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.Name != "" && b.Name != "" && !r.Constraints.Equal(a.Name, b.Name) {
		return false
	}
	return a.Desc == b.Desc && r.Columns.EqualAll(a.Columns, b.Columns) &&
		sameParts(a.Parts, b.Parts, r) && strings.EqualFold(a.OnConflict, b.OnConflict) && a.Comment == b.Comment &&
		r.Columns.EqualAll(a.Include, b.Include) && slices.Equal(a.StorageParams, b.StorageParams) &&
		a.Deferrable == b.Deferrable && a.InitiallyDeferred == b.InitiallyDeferred
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

// byFoldedName orders names case-insensitively, and names equal but for
// case by their bytes, so that the order is deterministic.
func byFoldedName(a, b string) bool {
	if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
		return la < lb
	}
	return a < b
}

func sortedTables(ts []*schema.Table) []*schema.Table {
	out := slices.Clone(ts)
	sort.SliceStable(out, func(i, j int) bool { return byFoldedName(out[i].Name, out[j].Name) })
	return out
}

func sortedTriggers(ts []*schema.Trigger) []*schema.Trigger {
	out := slices.Clone(ts)
	sort.SliceStable(out, func(i, j int) bool { return byFoldedName(out[i].Name, out[j].Name) })
	return out
}

// parentsFirst orders tables so that a table comes after the tables of the
// same list that its foreign keys reference. Cycles are broken by name
// order; the input order (by name) is kept wherever dependencies allow.
func parentsFirst(ts []*schema.Table, r schema.CaseRules) []*schema.Table {
	byName := make(map[string]*schema.Table, len(ts))
	for _, t := range ts {
		byName[r.Tables.Key(tableName(t))] = t
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
			if p, ok := byName[r.Tables.Key(qualifiedKey(fk.RefSchema, fk.RefTable))]; ok && p != t {
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
		old, ok := find(from.Enums, enumName, enumName(e), schema.FoldExact)
		switch {
		case !ok:
			out = append(out, &AddEnum{E: e})
		case !slices.Equal(old.Values, e.Values):
			out = append(out, &ModifyEnum{From: old, To: e})
		}
	}
	for _, q := range sortedByName(to.Sequences, func(q *schema.Sequence) string { return q.Name }) {
		old, ok := find(from.Sequences, sequenceName, sequenceName(q), schema.FoldExact)
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
	for _, q := range lacking(from.Sequences, to.Sequences, func(q *schema.Sequence) string { return q.Name }, sequenceName) {
		out = append(out, &DropSequence{S: q})
	}
	for _, e := range lacking(from.Enums, to.Enums, func(e *schema.Enum) string { return e.Name }, enumName) {
		out = append(out, &DropEnum{E: e})
	}
	return out
}

func sameSequence(a, b *schema.Sequence) bool {
	return sameType(a.Type, b.Type) && a.Start == b.Start && a.Increment == b.Increment &&
		a.Min == b.Min && a.Max == b.Max && a.Cache == b.Cache && a.Cycle == b.Cycle &&
		a.OwnerTable == b.OwnerTable && a.OwnerColumn == b.OwnerColumn
}

// lacking returns the objects of from, ordered by name, whose key (the
// exact name, qualified) none of to has.
func lacking[T any](from, to []T, name, key func(T) string) []T {
	var out []T
	for _, x := range sortedByName(from, name) {
		if _, ok := find(to, key, key(x), schema.FoldExact); !ok {
			out = append(out, x)
		}
	}
	return out
}

func sortedByName[T any](xs []T, name func(T) string) []T {
	out := slices.Clone(xs)
	sort.SliceStable(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}
