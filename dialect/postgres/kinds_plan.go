package postgres

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Planning of extensions, domains, composite types, exclusion constraints,
// UNLOGGED, column options and comments (see kinds_inspect.go).

func steps(sqls []string) []dialect.Step {
	out := make([]dialect.Step, len(sqls))
	for i, s := range sqls {
		out[i] = dialect.Step{SQL: s}
	}
	return out
}

// commentOnly replaces the drop and re-creation of an index, UNIQUE
// constraint or primary key that differ only in their comment, which the
// differ reports as for engines that must rebuild them, by a SetComment.
func commentOnly(changes []diff.Change) []diff.Change {
	out := slices.Clone(changes)
	for i, c := range out {
		mt, ok := c.(*diff.ModifyTable)
		if !ok {
			continue
		}
		var cs []diff.Change
		var dropped []*schema.Index
		for _, tc := range mt.Changes {
			if d, ok := tc.(*diff.DropIndex); ok {
				dropped = append(dropped, d.I)
			}
		}
		skip := map[*schema.Index]bool{}
		replaced := false
		for _, tc := range mt.Changes {
			switch tc := tc.(type) {
			case *diff.ModifyPrimaryKey:
				if tc.From != nil && tc.To != nil && tc.From.Comment != tc.To.Comment {
					a, b := *tc.From, *tc.To
					a.Comment, b.Comment = "", ""
					if a.Name == b.Name && slices.Equal(a.Columns, b.Columns) && a.Deferrable == b.Deferrable && a.InitiallyDeferred == b.InitiallyDeferred {
						cs = append(cs, &diff.SetComment{Kind: "CONSTRAINT", Schema: mt.To.Schema, Table: mt.To.Name, Name: b.Name, Comment: tc.To.Comment})
						replaced = true
						continue
					}
				}
			case *diff.AddIndex:
				j := slices.IndexFunc(dropped, func(o *schema.Index) bool { return o.Name == tc.I.Name && sameButComment(o, tc.I) })
				if j >= 0 {
					skip[dropped[j]] = true
					kind := "INDEX"
					if tc.I.Constraint {
						kind = "CONSTRAINT"
					}
					cs = append(cs, &diff.SetComment{Kind: kind, Schema: mt.To.Schema, Table: mt.To.Name, Name: tc.I.Name, Comment: tc.I.Comment})
					continue
				}
			}
			cs = append(cs, tc)
		}
		cs = slices.DeleteFunc(cs, func(tc diff.Change) bool {
			d, ok := tc.(*diff.DropIndex)
			return ok && skip[d.I]
		})
		if replaced || len(skip) > 0 {
			out[i] = &diff.ModifyTable{From: mt.From, To: mt.To, Changes: cs}
		}
	}
	return out
}

func sameButComment(a, b *schema.Index) bool {
	x, y := *a, *b
	x.Comment, y.Comment = "", ""
	return len(diff.Compare(&schema.Schema{Tables: []*schema.Table{{Name: "t", Indexes: []*schema.Index{&x}}}},
		&schema.Schema{Tables: []*schema.Table{{Name: "t", Indexes: []*schema.Index{&y}}}}, diff.Case(schema.ExactCase))) == 0
}

// typeChange plans the creation and change of extensions, domains and
// composite types, and the comments of types and views that stay.
func (p *planner) typeChange(c diff.Change) error {
	add := func(sqls ...string) { p.creates = append(p.creates, steps(sqls)...) }
	switch c := c.(type) {
	case *diff.AddExtension:
		add(createExtension(c.E))
	case *diff.ModifyExtension:
		if c.To.Version != "" && c.From.Version != c.To.Version {
			add("ALTER EXTENSION " + quote(c.To.Name) + " UPDATE TO " + literal(c.To.Version))
		}
		if c.To.Schema != "" && c.From.Schema != c.To.Schema {
			add("ALTER EXTENSION " + quote(c.To.Name) + " SET SCHEMA " + quote(c.To.Schema))
		}
	case *diff.AddDomain:
		add(domainStatements(c.D)...)
	case *diff.ModifyDomain:
		return p.modifyDomain(c.From, c.To)
	case *diff.AddComposite:
		add(compositeStatements(c.C)...)
	case *diff.ModifyComposite:
		return p.modifyComposite(c.From, c.To)
	case *diff.SetComment:
		switch c.Kind {
		case "TYPE", "SEQUENCE":
			add(commentOn(c.Kind, quote(qkey(c.Schema, c.Name)), c.Comment))
		case "COLUMN":
			p.views = append(p.views, dialect.Step{SQL: commentOn("COLUMN", quote(qkey(c.Schema, c.Table))+"."+quote(c.Name), c.Comment)})
		case schema.Function, schema.Procedure, schema.Aggregate:
			add(routineComment(&schema.Routine{Kind: c.Kind, Name: c.Name, Args: c.Args, Comment: c.Comment}))
		case "TRIGGER", "POLICY":
			// planned last (triggerPolicyComments): after the
			// triggers and policies the plan drops and creates again
		default:
			p.views = append(p.views, dialect.Step{SQL: commentOn(c.Kind, quote(qkey(c.Schema, c.Name)), c.Comment)})
		}
	}
	return nil
}

// typeDrop plans the drop of composite types, domains and extensions.
func (p *planner) typeDrop(c diff.Change) {
	switch c := c.(type) {
	case *diff.DropComposite:
		p.removes = append(p.removes, dialect.Step{SQL: "DROP TYPE " + quote(qkey(c.C.Schema, c.C.Name))})
	case *diff.DropDomain:
		p.removes = append(p.removes, dialect.Step{SQL: "DROP DOMAIN " + quote(qkey(c.D.Schema, c.D.Name))})
	case *diff.DropExtension:
		p.removes = append(p.removes, dialect.Step{SQL: "DROP EXTENSION " + quote(c.E.Name)})
	}
}

func (p *planner) modifyDomain(from, to *schema.Domain) error {
	if !strings.EqualFold(from.Type, to.Type) || from.Collation != to.Collation {
		return fmt.Errorf("postgres: plan: domain %s: its base type or collation changes (%s → %s), which PostgreSQL cannot alter in place; change it by hand (create a new domain and move the columns to it)",
			to.Name, from.Type, to.Type)
	}
	ad := "ALTER DOMAIN " + quote(qkey(to.Schema, to.Name)) + " "
	add := func(sql string) { p.creates = append(p.creates, dialect.Step{SQL: sql}) }
	for _, c := range from.Checks {
		i := slices.IndexFunc(to.Checks, func(o *schema.Check) bool { return o.Name == c.Name })
		if i < 0 || to.Checks[i].Expr != c.Expr {
			add(ad + "DROP CONSTRAINT " + quote(c.Name))
		}
	}
	if from.Default != to.Default {
		if to.Default == "" {
			add(ad + "DROP DEFAULT")
		} else {
			add(ad + "SET DEFAULT " + to.Default)
		}
	}
	if from.NotNull != to.NotNull {
		if to.NotNull {
			add(ad + "SET NOT NULL")
		} else {
			add(ad + "DROP NOT NULL")
		}
	}
	for _, c := range to.Checks {
		i := slices.IndexFunc(from.Checks, func(o *schema.Check) bool { return o.Name == c.Name })
		if i < 0 || from.Checks[i].Expr != c.Expr {
			add(ad + "ADD " + checkDef(c))
			if c.Comment != "" {
				add(commentOn("CONSTRAINT", quote(c.Name)+" ON DOMAIN "+quote(qkey(to.Schema, to.Name)), c.Comment))
			}
		} else if from.Checks[i].Comment != c.Comment {
			add(commentOn("CONSTRAINT", quote(c.Name)+" ON DOMAIN "+quote(qkey(to.Schema, to.Name)), c.Comment))
		}
	}
	if from.Comment != to.Comment {
		add(commentOn("DOMAIN", quote(qkey(to.Schema, to.Name)), to.Comment))
	}
	return nil
}

// modifyComposite adds, drops and retypes attributes. A new attribute can
// only go last: a desired order that needs one elsewhere, or a reordering,
// is refused.
func (p *planner) modifyComposite(from, to *schema.Composite) error {
	find := func(as []*schema.Column, name string) int {
		return slices.IndexFunc(as, func(a *schema.Column) bool { return a.Name == name })
	}
	var kept []string
	var actions []string
	for _, a := range from.Attributes {
		if find(to.Attributes, a.Name) < 0 {
			actions = append(actions, "DROP ATTRIBUTE "+quote(a.Name))
		} else {
			kept = append(kept, a.Name)
		}
	}
	var order []string
	lastKept, firstNew := -1, len(to.Attributes)
	for i, a := range to.Attributes {
		j := find(from.Attributes, a.Name)
		switch {
		case j < 0:
			actions = append(actions, "ADD ATTRIBUTE "+attributeDef(a))
			firstNew = min(firstNew, i)
			continue
		case !strings.EqualFold(from.Attributes[j].Type, a.Type) || from.Attributes[j].Collation != a.Collation:
			if user := p.typeUser(p.typeName(&schema.Enum{Schema: to.Schema, Name: to.Name})); user != "" {
				return fmt.Errorf("postgres: plan: composite type %s: attribute %s changes type (%s → %s) while column %s uses the type, which PostgreSQL refuses; change it by hand",
					to.Name, a.Name, from.Attributes[j].Type, a.Type, user)
			}
			s := "ALTER ATTRIBUTE " + quote(a.Name) + " TYPE " + a.Type
			if a.Collation != "" {
				s += " COLLATE " + quote(a.Collation)
			}
			actions = append(actions, s)
		}
		lastKept = i
		order = append(order, a.Name)
	}
	if !slices.Equal(order, kept) || firstNew < lastKept {
		return fmt.Errorf("postgres: plan: composite type %s: its attributes change order (PostgreSQL only adds attributes last); change the type by hand", to.Name)
	}
	if len(actions) > 0 {
		p.creates = append(p.creates, dialect.Step{SQL: "ALTER TYPE " + quote(qkey(to.Schema, to.Name)) + " " + strings.Join(actions, ", ")})
	}
	if from.Comment != to.Comment {
		p.creates = append(p.creates, dialect.Step{SQL: commentOn("TYPE", quote(qkey(to.Schema, to.Name)), to.Comment)})
	}
	for _, a := range to.Attributes {
		if j := find(from.Attributes, a.Name); j < 0 && a.Comment != "" || j >= 0 && from.Attributes[j].Comment != a.Comment {
			p.creates = append(p.creates, dialect.Step{SQL: commentOn("COLUMN", quote(qkey(to.Schema, to.Name))+"."+quote(a.Name), a.Comment)})
		}
	}
	return nil
}

// tableKinds plans, for a table that exists on both sides, what
// modifyTable leaves to it: exclusion constraints to add, UNLOGGED,
// column options, and the comments of the constraints and indexes that
// are added or whose comment changes.
func (p *planner) tableKinds(mt *diff.ModifyTable, named *schema.Table) {
	name := tkey(mt.To)
	add := func(sqls ...string) { p.modifies = append(p.modifies, steps(sqls)...) }
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.ModifyTableOptions:
			if c.From.Unlogged != c.To.Unlogged {
				if c.To.Unlogged {
					add(alter(name) + "SET UNLOGGED")
				} else {
					add(alter(name) + "SET LOGGED")
				}
			}
		case *diff.ModifyColumn:
			p.columnKinds(name, c)
		}
	}
	for _, c := range mt.Changes {
		switch c := c.(type) {
		case *diff.AddColumn:
			add(columnOptions(&schema.Table{Name: name, Columns: []*schema.Column{c.C}})...)
		case *diff.AddExclusion:
			add(alter(name) + "ADD CONSTRAINT " + quote(c.X.Name) + " " + c.X.Def)
			if c.X.Comment != "" {
				add(constraintCommentOn(name, c.X.Name, c.X.Comment))
			}
		case *diff.AddCheck:
			if i := slices.Index(mt.To.Checks, c.C); i >= 0 && c.C.Comment != "" {
				add(constraintCommentOn(name, named.Checks[i].Name, c.C.Comment))
			}
		case *diff.AddIndex:
			if i := slices.Index(mt.To.Indexes, c.I); i >= 0 && c.I.Comment != "" {
				ix := named.Indexes[i]
				sql := commentOn("INDEX", quote(qkey(mt.To.Schema, ix.Name)), ix.Comment)
				if ix.Constraint {
					sql = constraintCommentOn(name, ix.Name, ix.Comment)
				}
				if p.builtLate[name+"\x00"+ix.Name] { // the index is built after the transaction
					p.usingIndex = append(p.usingIndex, dialect.Step{SQL: sql})
				} else {
					add(sql)
				}
			}
		case *diff.ModifyPrimaryKey:
			if c.To != nil && c.To.Comment != "" {
				add(constraintCommentOn(name, named.PrimaryKey.Name, c.To.Comment))
			}
		case *diff.SetComment:
			if c.Kind == "INDEX" {
				add(commentOn("INDEX", quote(qkey(mt.To.Schema, c.Name)), c.Comment))
			} else if !p.fkComment(name, c) {
				add(constraintCommentOn(name, c.Name, c.Comment))
			}
		}
	}
}

// fkComment reports whether c is the comment of a foreign key of table,
// which is set with the foreign keys (planned after the tables), and plans
// it there.
func (p *planner) fkComment(table string, c *diff.SetComment) bool {
	t, ok := p.toTable(table)
	if !ok || !slices.ContainsFunc(t.ForeignKeys, func(fk *schema.ForeignKey) bool { return fk.Name == c.Name }) {
		return false
	}
	p.fks = append(p.fks, dialect.Step{SQL: constraintCommentOn(table, c.Name, c.Comment)})
	return true
}

// columnKinds plans the storage and statistics of a
// column that stays. A type change gives the column its new type's
// storage (but keeps its statistics target), so a storage kept by the
// schema is set again.
func (p *planner) columnKinds(table string, c *diff.ModifyColumn) {
	ac := alter(table) + "ALTER COLUMN " + quote(c.To.Name) + " "
	add := func(sql string) { p.modifies = append(p.modifies, dialect.Step{SQL: sql}) }
	retyped := c.What&(diff.ChangeType|diff.ChangeCollation) != 0
	switch {
	case c.To.Storage != "" && (c.What&diff.ChangeStorage != 0 || retyped):
		add(ac + "SET STORAGE " + c.To.Storage)
	case c.What&diff.ChangeStorage != 0:
		add(resetStorage(table, c.To.Name))
	}
	if c.What&diff.ChangeStatistics != 0 { // a type change keeps the statistics target
		n := -1
		if c.To.Statistics != nil {
			n = *c.To.Statistics
		}
		add(fmt.Sprintf("%sSET STATISTICS %d", ac, n))
	}
}

// typeUser returns a column (table.column) of the current schema whose type
// is the type named name or an array of it, "" when none is.
func (p *planner) typeUser(name string) string {
	for _, t := range p.from.Tables {
		for _, c := range t.Columns {
			if typeIs(strings.TrimRight(c.Type, "[]"), name) {
				return t.Name + "." + c.Name
			}
		}
	}
	return ""
}
