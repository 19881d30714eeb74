package dialect

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// Naming is the convention that names the constraints retort creates when
// the desired schema leaves them unnamed, so that a later migration can
// always drop them. Each template may use {table}, {columns} (column names
// joined by "_") and, for checks, {column} (the first column the expression
// names, or nothing when it names none; a doubled "_" is collapsed). The zero
// value is not usable; start from DefaultNaming.
type Naming struct {
	PrimaryKey string
	ForeignKey string
	Unique     string
	Index      string
	Check      string
	// MaxLen truncates generated names to this many bytes (PostgreSQL: 63);
	// 0 means no limit.
	MaxLen int
}

// DefaultNaming returns PostgreSQL's own default names:
// <table>_pkey, <table>_<cols>_fkey, <table>_<cols>_key, <table>_<cols>_idx
// and <table>_<column>_check.
func DefaultNaming() Naming {
	return Naming{
		PrimaryKey: "{table}_pkey",
		ForeignKey: "{table}_{columns}_fkey",
		Unique:     "{table}_{columns}_key",
		Index:      "{table}_{columns}_idx",
		Check:      "{table}_{column}_check",
	}
}

// Validate reports a template that is empty or cannot give distinct names.
func (n Naming) Validate() error {
	for kind, tmpl := range map[string]string{
		"primary_key": n.PrimaryKey, "foreign_key": n.ForeignKey, "unique": n.Unique,
		"index": n.Index, "check": n.Check,
	} {
		if !strings.Contains(tmpl, "{table}") {
			return fmt.Errorf("naming: %s template %q must contain {table}", kind, tmpl)
		}
	}
	return nil
}

func (n Naming) expand(tmpl, table string, cols []string, column string) string {
	r := strings.NewReplacer("{table}", table, "{columns}", strings.Join(cols, "_"), "{column}", column)
	name := r.Replace(tmpl)
	name = strings.ReplaceAll(name, "__", "_")
	if n.MaxLen > 0 && len(name) > n.MaxLen {
		name = name[:n.MaxLen]
	}
	return name
}

// ForeignKeyName returns the name for fk on table.
func (n Naming) ForeignKeyName(table string, fk *schema.ForeignKey) string {
	return n.expand(n.ForeignKey, table, fk.Columns, "")
}

// UniqueName returns the name for a UNIQUE constraint on table.
func (n Naming) UniqueName(table string, ix *schema.Index) string {
	return n.expand(n.Unique, table, partNames(ix), "")
}

// IndexName returns the name for an index on table.
func (n Naming) IndexName(table string, ix *schema.Index) string {
	return n.expand(n.Index, table, partNames(ix), "")
}

// PrimaryKeyName returns the name for table's primary key.
func (n Naming) PrimaryKeyName(table string) string {
	return n.expand(n.PrimaryKey, table, nil, "")
}

// CheckName returns the name for a CHECK constraint on t: the first column
// of t that the expression names stands for {column}.
func (n Naming) CheckName(t *schema.Table, c *schema.Check) string {
	column := ""
	for _, tok := range sqltok.Tokenize(c.Expr, sqltok.Options{}) {
		if tok.Kind != sqltok.Word && tok.Kind != sqltok.QuotedIdent {
			continue
		}
		name, _ := tok.Ident()
		if col, ok := t.Column(name); ok {
			column = col.Name
			break
		}
	}
	return n.expand(n.Check, t.Name, nil, column)
}

func partNames(ix *schema.Index) []string {
	var out []string
	for _, p := range ix.Parts {
		if p.Column != "" {
			out = append(out, p.Column)
		} else {
			out = append(out, "expr")
		}
	}
	return out
}

// NameConstraints returns a copy of t in which every unnamed foreign key,
// UNIQUE constraint and CHECK is named by n. Names already present are kept;
// a generated name that would collide gets a numeric suffix.
func (n Naming) NameConstraints(t *schema.Table) *schema.Table {
	c := *t
	used := map[string]bool{}
	for _, fk := range t.ForeignKeys {
		used[strings.ToLower(fk.Name)] = true
	}
	for _, ix := range t.Indexes {
		used[strings.ToLower(ix.Name)] = true
	}
	for _, ck := range t.Checks {
		used[strings.ToLower(ck.Name)] = true
	}
	unique := func(name string) string {
		base, i := name, 1
		for used[strings.ToLower(name)] {
			name = fmt.Sprintf("%s%d", base, i)
			i++
		}
		used[strings.ToLower(name)] = true
		return name
	}
	c.ForeignKeys = make([]*schema.ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		cp := *fk
		if cp.Name == "" {
			cp.Name = unique(n.ForeignKeyName(t.Name, fk))
		}
		c.ForeignKeys[i] = &cp
	}
	c.Indexes = make([]*schema.Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		cp := *ix
		if cp.Name == "" && cp.Constraint {
			cp.Name = unique(n.UniqueName(t.Name, ix))
		}
		c.Indexes[i] = &cp
	}
	c.Checks = make([]*schema.Check, len(t.Checks))
	for i, ck := range t.Checks {
		cp := *ck
		if cp.Name == "" {
			cp.Name = unique(n.CheckName(t, ck))
		}
		c.Checks[i] = &cp
	}
	return &c
}
