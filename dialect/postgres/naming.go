package postgres

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// clip cuts s to at most n bytes without splitting a UTF-8 character, as
// PostgreSQL's pg_mbcliplen does.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// objectName returns name1_name2_label cut to 63 bytes the way
// PostgreSQL's makeObjectName cuts the names it chooses: the label stays
// whole, and the longer of name1 and name2 loses a byte until both fit.
func objectName(name1, name2, label string) string {
	overhead := 0
	if label != "" {
		overhead += len(label) + 1
	}
	n1, n2 := len(name1), 0
	if name2 != "" {
		n2 = len(name2)
		overhead++
	}
	avail := MaxIdentLen - overhead
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	out := clip(name1, n1)
	if name2 != "" {
		out += "_" + clip(name2, n2)
	}
	if label != "" {
		out += "_" + label
	}
	return out
}

// namer names the constraints and indexes a desired schema leaves unnamed:
// with PostgreSQL's own algorithm when the convention is the default one,
// else with the convention's templates cut to 63 bytes. Cut names are
// reported to the logger.
type namer struct {
	d *Dialect
}

func (n namer) isDefault() bool {
	def := dialect.DefaultNaming()
	c := n.d.naming
	return c.PrimaryKey == def.PrimaryKey && c.ForeignKey == def.ForeignKey && c.Unique == def.Unique &&
		c.Index == def.Index && c.Check == def.Check
}

func (n namer) template(tmpl, label, table string, cols []string, column string) string {
	if n.isDefault() {
		name2 := strings.Join(cols, "_")
		if column != "" {
			name2 = column
		}
		return objectName(table, name2, label)
	}
	r := strings.NewReplacer("{table}", table, "{columns}", strings.Join(cols, "_"), "{column}", column)
	name := strings.ReplaceAll(r.Replace(tmpl), "__", "_")
	if len(name) > MaxIdentLen {
		cut := clip(name, MaxIdentLen)
		n.d.logger.Warn("postgres: generated name longer than 63 bytes is truncated, as PostgreSQL would", "name", name, "truncated", cut)
		name = cut
	}
	return name
}

func (n namer) primaryKey(table string) string {
	return n.template(n.d.naming.PrimaryKey, "pkey", table, nil, "")
}

func (n namer) foreignKey(table string, fk *schema.ForeignKey) string {
	return n.template(n.d.naming.ForeignKey, "fkey", table, fk.Columns, "")
}

func (n namer) unique(table string, ix *schema.Index) string {
	return n.template(n.d.naming.Unique, "key", table, partNames(ix), "")
}

func (n namer) index(table string, ix *schema.Index) string {
	return n.template(n.d.naming.Index, "idx", table, partNames(ix), "")
}

// check names a CHECK as PostgreSQL does: <table>_<column>_check when the
// expression names exactly one column of t, else <table>_check.
func (n namer) check(t *schema.Table, c *schema.Check) string {
	seen := map[string]bool{}
	var cols []string
	for _, tok := range sqltok.Tokenize(c.Expr, sqltok.Options{DollarQuotes: true}) {
		if tok.Kind != sqltok.Word && tok.Kind != sqltok.QuotedIdent {
			continue
		}
		name, _ := tok.Ident()
		if col, ok := t.Column(name); ok && !seen[col.Name] {
			seen[col.Name] = true
			cols = append(cols, col.Name)
		}
	}
	column := ""
	if len(cols) == 1 {
		column = cols[0]
	}
	return n.template(n.d.naming.Check, "check", t.Name, nil, column)
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

// named returns a copy of t in which the primary key, every foreign key,
// UNIQUE constraint, index and CHECK has a name: the given one (cut to 63
// bytes, as PostgreSQL would), else one chosen by the convention, with a
// number appended when it would collide.
func (n namer) named(t *schema.Table) *schema.Table {
	c := *t
	used := map[string]bool{}
	fix := func(name string) string {
		if len(name) > MaxIdentLen {
			cut := clip(name, MaxIdentLen)
			n.d.logger.Warn("postgres: name longer than 63 bytes is truncated, as PostgreSQL would", "name", name, "truncated", cut)
			return cut
		}
		return name
	}
	for _, fk := range t.ForeignKeys {
		used[fix(fk.Name)] = true
	}
	for _, ix := range t.Indexes {
		used[fix(ix.Name)] = true
	}
	for _, ck := range t.Checks {
		used[fix(ck.Name)] = true
	}
	if t.PrimaryKey != nil {
		used[fix(t.PrimaryKey.Name)] = true
	}
	uniq := func(name string) string {
		base, i := name, 1
		for used[name] {
			suffix := fmt.Sprint(i)
			name = clip(base, MaxIdentLen-len(suffix)) + suffix
			i++
		}
		used[name] = true
		return name
	}
	if t.PrimaryKey != nil {
		pk := *t.PrimaryKey
		if pk.Name == "" {
			pk.Name = uniq(n.primaryKey(t.Name))
		}
		pk.Name = fix(pk.Name)
		c.PrimaryKey = &pk
	}
	c.ForeignKeys = make([]*schema.ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		cp := *fk
		if cp.Name == "" {
			cp.Name = uniq(n.foreignKey(t.Name, fk))
		}
		cp.Name = fix(cp.Name)
		c.ForeignKeys[i] = &cp
	}
	c.Indexes = make([]*schema.Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		cp := *ix
		if cp.Name == "" {
			if cp.Constraint {
				cp.Name = uniq(n.unique(t.Name, ix))
			} else {
				cp.Name = uniq(n.index(t.Name, ix))
			}
		}
		cp.Name = fix(cp.Name)
		c.Indexes[i] = &cp
	}
	c.Checks = make([]*schema.Check, len(t.Checks))
	for i, ck := range t.Checks {
		cp := *ck
		if cp.Name == "" {
			cp.Name = uniq(n.check(t, ck))
		}
		cp.Name = fix(cp.Name)
		c.Checks[i] = &cp
	}
	return &c
}
