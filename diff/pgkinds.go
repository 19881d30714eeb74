package diff

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

// PostgreSQL extensions, domains and composite types. Compare puts new and
// changed extensions first of all (routines, types and tables may use
// them) and drops them last; domains and composite types come with the
// enum types: created or changed before the tables, dropped after them.
type (
	// AddExtension installs an extension (CREATE EXTENSION IF NOT EXISTS).
	AddExtension struct{ E *schema.Extension }
	// DropExtension removes an extension.
	DropExtension struct{ E *schema.Extension }
	// ModifyExtension moves an extension to another schema, or updates it
	// to the version the desired schema asks for.
	ModifyExtension struct{ From, To *schema.Extension }
	// AddDomain creates a domain.
	AddDomain struct{ D *schema.Domain }
	// DropDomain drops a domain.
	DropDomain struct{ D *schema.Domain }
	// ModifyDomain changes a domain's default, NOT NULL, checks or comment
	// (or its base type or collation, which PostgreSQL cannot alter in
	// place: the planner refuses).
	ModifyDomain struct{ From, To *schema.Domain }
	// AddComposite creates a composite type.
	AddComposite struct{ C *schema.Composite }
	// DropComposite drops a composite type.
	DropComposite struct{ C *schema.Composite }
	// ModifyComposite changes a composite type's attributes or comment.
	ModifyComposite struct{ From, To *schema.Composite }
)

// Table-level and comment changes (PostgreSQL).
type (
	// AddExclusion adds an exclusion constraint (inside ModifyTable).
	AddExclusion struct{ X *schema.Exclusion }
	// DropExclusion drops an exclusion constraint; a redefined one is a
	// DropExclusion and an AddExclusion.
	DropExclusion struct{ X *schema.Exclusion }
	// SetComment changes the comment of an object that is otherwise
	// unchanged: at the top level of the changes a VIEW, MATERIALIZED VIEW,
	// TYPE or SEQUENCE (Table ""), a FUNCTION, PROCEDURE or AGGREGATE
	// (Table "", identified with Args), a COLUMN of the view Table, or a
	// TRIGGER or POLICY on the table Table; inside ModifyTable a CONSTRAINT or an INDEX of
	// that table. Comment "" removes the comment.
	SetComment struct {
		Kind, Table, Name string
		Comment           string
		// Args is the identity signature of a routine (schema.Routine.Args).
		Args string
		// Schema is the schema of the object (of Table when there is
		// one) when several are managed, "" otherwise.
		Schema string
	}
)

func (*AddExtension) change()    {}
func (*DropExtension) change()   {}
func (*ModifyExtension) change() {}
func (*AddDomain) change()       {}
func (*DropDomain) change()      {}
func (*ModifyDomain) change()    {}
func (*AddComposite) change()    {}
func (*DropComposite) change()   {}
func (*ModifyComposite) change() {}
func (*AddExclusion) change()    {}
func (*DropExclusion) change()   {}
func (*SetComment) change()      {}

// Column properties of PostgreSQL columns (ModifyColumn.What).
const (
	// ChangeStorage: ALTER COLUMN … SET STORAGE.
	ChangeStorage ColumnChange = 1 << (13 + iota)
	// ChangeStatistics: ALTER COLUMN … SET STATISTICS.
	ChangeStatistics
)

// pgColumnChanges returns the PostgreSQL column properties that differ.
func pgColumnChanges(a, b *schema.Column) ColumnChange {
	var w ColumnChange
	if a.Storage != b.Storage {
		w |= ChangeStorage
	}
	if (a.Statistics == nil) != (b.Statistics == nil) || a.Statistics != nil && *a.Statistics != *b.Statistics {
		w |= ChangeStatistics
	}
	return w
}

// extensionChanges returns the extensions to adds, moves or updates, by
// name. Like the version, the schema is only compared when to names one
// other than its own (""): an extension the desired schema creates
// without a schema is satisfied wherever the database has it.
func extensionChanges(from, to *schema.Schema) []Change {
	var out []Change
	for _, e := range sortedByName(to.Extensions, func(e *schema.Extension) string { return e.Name }) {
		old, ok := from.Extension(e.Name)
		switch {
		case !ok:
			out = append(out, &AddExtension{E: e})
		case e.Schema != "" && old.Schema != e.Schema || e.Version != "" && old.Version != e.Version:
			out = append(out, &ModifyExtension{From: old, To: e})
		}
	}
	return out
}

// extensionDrops returns the extensions to lacks, by name.
func extensionDrops(from, to *schema.Schema) []Change {
	var out []Change
	for _, e := range sortedByName(from.Extensions, func(e *schema.Extension) string { return e.Name }) {
		if _, ok := to.Extension(e.Name); !ok {
			out = append(out, &DropExtension{E: e})
		}
	}
	return out
}

// pgTypeChanges returns the domains and composite types that to adds or
// changes, domains first (a composite attribute may be of a domain), and
// the comments of enum types and sequences that change.
func pgTypeChanges(from, to *schema.Schema) []Change {
	var out []Change
	for _, d := range sortedByName(to.Domains, func(d *schema.Domain) string { return d.Name }) {
		old, ok := find(from.Domains, domainName, domainName(d), schema.FoldExact)
		switch {
		case !ok:
			out = append(out, &AddDomain{D: d})
		case !sameDomain(old, d):
			out = append(out, &ModifyDomain{From: old, To: d})
		}
	}
	for _, c := range sortedByName(to.Composites, func(c *schema.Composite) string { return c.Name }) {
		old, ok := find(from.Composites, compositeName, compositeName(c), schema.FoldExact)
		switch {
		case !ok:
			out = append(out, &AddComposite{C: c})
		case !sameComposite(old, c):
			out = append(out, &ModifyComposite{From: old, To: c})
		}
	}
	for _, e := range sortedByName(to.Enums, func(e *schema.Enum) string { return e.Name }) {
		if old, ok := find(from.Enums, enumName, enumName(e), schema.FoldExact); ok && old.Comment != e.Comment {
			out = append(out, &SetComment{Kind: "TYPE", Schema: e.Schema, Name: e.Name, Comment: e.Comment})
		}
	}
	// A sequence's comment, also that of a new sequence (created before).
	for _, q := range sortedByName(to.Sequences, func(q *schema.Sequence) string { return q.Name }) {
		if old, ok := find(from.Sequences, sequenceName, sequenceName(q), schema.FoldExact); ok && old.Comment != q.Comment || !ok && q.Comment != "" {
			out = append(out, &SetComment{Kind: "SEQUENCE", Schema: q.Schema, Name: q.Name, Comment: q.Comment})
		}
	}
	return out
}

// pgTypeDrops returns the composite types and domains that to lacks,
// composites first.
func pgTypeDrops(from, to *schema.Schema) []Change {
	var out []Change
	for _, c := range lacking(from.Composites, to.Composites, func(c *schema.Composite) string { return c.Name }, compositeName) {
		out = append(out, &DropComposite{C: c})
	}
	for _, d := range lacking(from.Domains, to.Domains, func(d *schema.Domain) string { return d.Name }, domainName) {
		out = append(out, &DropDomain{D: d})
	}
	return out
}

func domainName(d *schema.Domain) string       { return qualifiedKey(d.Schema, d.Name) }
func compositeName(c *schema.Composite) string { return qualifiedKey(c.Schema, c.Name) }

func sameDomain(a, b *schema.Domain) bool {
	return sameType(a.Type, b.Type) && a.Collation == b.Collation && sameSQL(a.Default, b.Default) &&
		a.NotNull == b.NotNull && a.Comment == b.Comment &&
		slices.EqualFunc(a.Checks, b.Checks, func(x, y *schema.Check) bool {
			return x.Name == y.Name && sameSQL(x.Expr, y.Expr) && x.Comment == y.Comment
		})
}

func sameComposite(a, b *schema.Composite) bool {
	return a.Comment == b.Comment && slices.EqualFunc(a.Attributes, b.Attributes, func(x, y *schema.Column) bool {
		return x.Name == y.Name && sameType(x.Type, y.Type) && x.Collation == y.Collation && x.Comment == y.Comment
	})
}

// viewComments returns a SetComment for every view both sides have, with
// the same definition, whose comment differs. A view that is redefined
// (redefined holds the keys of their names), also for reading one that
// is, is created again with its comment.
func viewComments(from, to *schema.Schema, r schema.CaseRules, redefined map[string]bool) []Change {
	var out []Change
	for _, v := range to.Views {
		old, ok := find(from.Views, viewName, viewName(v), r.Tables)
		if !ok || redefined[r.Tables.Key(v.Name)] || !sameSQL(old.Def, v.Def) {
			continue
		}
		if old.Comment != v.Comment {
			out = append(out, &SetComment{Kind: viewKind(v), Schema: v.Schema, Name: v.Name, Comment: v.Comment})
		}
		cols := slices.Sorted(maps.Keys(v.ColumnComments))
		for _, c := range slices.Sorted(maps.Keys(old.ColumnComments)) {
			if _, ok := v.ColumnComments[c]; !ok {
				cols = append(cols, c)
			}
		}
		for _, c := range cols {
			if old.ColumnComments[c] != v.ColumnComments[c] {
				out = append(out, &SetComment{Kind: "COLUMN", Schema: v.Schema, Table: v.Name, Name: c, Comment: v.ColumnComments[c]})
			}
		}
	}
	return out
}

// triggerPolicyComments returns a SetComment for every trigger and policy
// that both sides have, defined alike, on a table the diff keeps (keep),
// whose comment differs; one that is dropped and created gets its
// comment with it.
func triggerPolicyComments(from, to *schema.Schema, r schema.CaseRules, redefined map[string]bool, keep func(*schema.Table) bool) []Change {
	var out []Change
	for _, tr := range to.Triggers {
		old, ok := findTrigger(from.Triggers, tr, r)
		if ok && keep(&schema.Table{Name: tr.Table}) && sameTrigger(tr, old) && !redefined[r.Tables.Key(old.Table)] && old.Comment != tr.Comment {
			out = append(out, &SetComment{Kind: "TRIGGER", Table: tr.Table, Name: tr.Name, Comment: tr.Comment})
		}
	}
	for _, t := range sortedTables(to.Tables) {
		ot, ok := find(from.Tables, tableName, tableName(t), r.Tables)
		if !ok || !keep(t) {
			continue
		}
		for _, p := range t.Policies {
			if old, ok := findPolicy(ot.Policies, p.Name, r.Constraints); ok && samePolicy(p, old) && old.Comment != p.Comment {
				out = append(out, &SetComment{Kind: "POLICY", Schema: t.Schema, Table: t.Name, Name: p.Name, Comment: p.Comment})
			}
		}
	}
	return out
}

func viewKind(v *schema.View) string {
	if len(v.Def) >= 19 && sameSQL(v.Def[:19], "CREATE MATERIALIZED") {
		return "MATERIALIZED VIEW"
	}
	return "VIEW"
}

// compareExclusions returns the drops and adds of exclusion constraints
// (matched by name, compared by definition) and the SetComment of the
// constraints, checks and foreign keys that stay but whose comment
// changes.
func compareExclusions(from, to *schema.Table, r schema.CaseRules) (drops, adds, comments []Change) {
	for _, x := range from.Exclusions {
		other, ok := find(to.Exclusions, exclusionName, x.Name, r.Constraints)
		if !ok || !sameSQL(x.Def, other.Def) {
			drops = append(drops, &DropExclusion{X: x})
		}
	}
	for _, x := range to.Exclusions {
		old, ok := find(from.Exclusions, exclusionName, x.Name, r.Constraints)
		switch {
		case !ok || !sameSQL(x.Def, old.Def):
			adds = append(adds, &AddExclusion{X: x})
		case old.Comment != x.Comment:
			comments = append(comments, constraintComment(to, x.Name, x.Comment))
		}
	}
	for _, c := range to.Checks {
		if old, ok := find(from.Checks, checkName, c.Name, r.Constraints); ok && c.Name != "" && sameSQL(old.Expr, c.Expr) && old.Comment != c.Comment {
			comments = append(comments, constraintComment(to, c.Name, c.Comment))
		}
	}
	for _, fk := range to.ForeignKeys {
		i := slices.IndexFunc(from.ForeignKeys, func(o *schema.ForeignKey) bool { return sameFKIdentity(o, fk, r) })
		if i >= 0 && fk.Name != "" && fkChanges(from.ForeignKeys[i], fk, r) == 0 && from.ForeignKeys[i].Comment != fk.Comment {
			comments = append(comments, constraintComment(to, fk.Name, fk.Comment))
		}
	}
	return drops, adds, comments
}

func constraintComment(t *schema.Table, name, comment string) *SetComment {
	return &SetComment{Kind: "CONSTRAINT", Schema: t.Schema, Table: t.Name, Name: name, Comment: comment}
}

func exclusionName(x *schema.Exclusion) string { return x.Name }
func checkName(c *schema.Check) string         { return c.Name }

func describePG(c Change) (string, bool) {
	switch c := c.(type) {
	case *AddExtension:
		return fmt.Sprintf("extension %s: created", c.E.Name), true
	case *DropExtension:
		return fmt.Sprintf("extension %s: dropped", c.E.Name), true
	case *ModifyExtension:
		return fmt.Sprintf("extension %s: schema %s → %s", c.To.Name, orNone(c.From.Schema), orNone(c.To.Schema)), true
	case *AddDomain:
		return fmt.Sprintf("domain %s: new (%s)", c.D.Name, c.D.Type), true
	case *DropDomain:
		return fmt.Sprintf("domain %s: dropped", c.D.Name), true
	case *ModifyDomain:
		return fmt.Sprintf("domain %s: changed", c.To.Name), true
	case *AddComposite:
		return fmt.Sprintf("type %s: new composite", c.C.Name), true
	case *DropComposite:
		return fmt.Sprintf("type %s: composite dropped", c.C.Name), true
	case *ModifyComposite:
		return fmt.Sprintf("type %s: composite attributes changed", c.To.Name), true
	case *AddExclusion:
		return fmt.Sprintf("exclusion constraint %s added", c.X.Name), true
	case *DropExclusion:
		return fmt.Sprintf("exclusion constraint %s dropped", c.X.Name), true
	case *SetComment:
		switch c.Kind {
		case "COLUMN":
			return fmt.Sprintf("comment on column %s.%s changed", c.Table, c.Name), true
		case "TRIGGER", "POLICY":
			return fmt.Sprintf("comment on %s %s on %s changed", strings.ToLower(c.Kind), c.Name, c.Table), true
		case schema.Function, schema.Procedure, schema.Aggregate:
			return fmt.Sprintf("comment on %s %s(%s) changed", strings.ToLower(c.Kind), c.Name, c.Args), true
		}
		return fmt.Sprintf("comment on %s %s changed", strings.ToLower(c.Kind), c.Name), true
	case *ModifyPrimaryKey:
		if c.From != nil && c.To != nil && slices.Equal(c.From.Columns, c.To.Columns) &&
			(c.From.Deferrable != c.To.Deferrable || c.From.InitiallyDeferred != c.To.InitiallyDeferred) {
			return fmt.Sprintf("primary key %s %s → %s", pkLabel(c.To), keyDeferral(c.From.Deferrable, c.From.InitiallyDeferred),
				keyDeferral(c.To.Deferrable, c.To.InitiallyDeferred)), true
		}
	}
	return "", false
}

// describePGColumn lists the PostgreSQL column options of c that change.
func describePGColumn(c *ModifyColumn) []string {
	var parts []string
	if c.What&ChangeStorage != 0 {
		parts = append(parts, fmt.Sprintf("storage %s → %s", orDefault(c.From.Storage), orDefault(c.To.Storage)))
	}
	if c.What&ChangeStatistics != 0 {
		parts = append(parts, fmt.Sprintf("statistics %s → %s", statsWord(c.From.Statistics), statsWord(c.To.Statistics)))
	}
	return parts
}

func statsWord(n *int) string {
	if n == nil {
		return "default"
	}
	return fmt.Sprint(*n)
}

func keyDeferral(deferrable, deferred bool) string {
	return deferWord(&schema.ForeignKey{Deferrable: deferrable, InitiallyDeferred: deferred})
}
