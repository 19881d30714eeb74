package sqlite

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect/dialecttest"
)

// The random schema pairs below drive the same convergence check as the
// golden cases (dialecttest.ConvergeCase): a random schema with rows, a random set of
// changes to it, and the plan must get the database there with every row.

type rTable struct {
	name         string
	autoinc      bool
	withoutRowID bool
	strict       bool
	cols         []*rCol
	indexes      []*rIndex
	checks       []*rCheck
	uniques      [][]string // table UNIQUE constraints
}

type rCol struct {
	name, typ   string
	notNull     bool
	dflt        string
	nocase      bool
	unique      bool
	generated   string // expression on id; "" for none
	stored      bool
	fk          *rFK
	checkExpr   string // column CHECK, "" for none
	checkName   string
	constraintN string // name of the column's FK constraint
}

type rFK struct {
	ref              string
	onDelete         string
	onUpdate         string
	deferred         bool
	explicitNoAction bool
}

type rIndex struct {
	name   string
	cols   []string
	unique bool
	where  bool
	expr   bool
	desc   bool
}

type rCheck struct{ name, expr string }

type rView struct{ name, def string }

type rTrigger struct{ name, table, other string }

type rSchema struct {
	tables   []*rTable
	views    []*rView
	triggers []*rTrigger
}

var (
	rTableNames = []string{"users", "Notes", "order", "tag s", `we"ird`, "items", "t7"}
	rColNames   = []string{"name", "Email", "select", "col x", "n2", "body", `q"c`, "price", "group"}
	rTypes      = []string{"TEXT", "INTEGER", "VARCHAR(20)", "NUMERIC(10,2)", "REAL", "", "unsigned big int", "INT"}
	rStrict     = []string{"TEXT", "INTEGER", "REAL", "ANY", "INT"}
	rDefaults   = []string{"0", "'x'", "(1 + 1)", "-1", "(datetime('now'))", "CURRENT_TIMESTAMP", "NULL"}
	rChecks     = []string{"length(%s) < 50", "typeof(%s) <> 'blob'", "%s = %s OR %s IS NULL"}
	rActions    = []string{"", "CASCADE", "SET NULL", "RESTRICT", "NO ACTION"}
	bareName    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	rReserved   = map[string]bool{"order": true, "select": true, "group": true}
)

func ident(name string) string {
	if bareName.MatchString(name) && !rReserved[name] {
		return name
	}
	return quote(name)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (s *rSchema) clone() *rSchema {
	c := &rSchema{}
	for _, t := range s.tables {
		ct := *t
		ct.cols = nil
		for _, col := range t.cols {
			cc := *col
			if col.fk != nil {
				f := *col.fk
				cc.fk = &f
			}
			ct.cols = append(ct.cols, &cc)
		}
		ct.indexes = nil
		for _, ix := range t.indexes {
			ci := *ix
			ci.cols = slices.Clone(ix.cols)
			ct.indexes = append(ct.indexes, &ci)
		}
		ct.checks = nil
		for _, ck := range t.checks {
			cc := *ck
			ct.checks = append(ct.checks, &cc)
		}
		ct.uniques = nil
		for _, u := range t.uniques {
			ct.uniques = append(ct.uniques, slices.Clone(u))
		}
		c.tables = append(c.tables, &ct)
	}
	for _, v := range s.views {
		cv := *v
		c.views = append(c.views, &cv)
	}
	for _, tr := range s.triggers {
		ct := *tr
		c.triggers = append(c.triggers, &ct)
	}
	return c
}

func (s *rSchema) table(name string) *rTable {
	for _, t := range s.tables {
		if t.name == name {
			return t
		}
	}
	return nil
}

func (t *rTable) col(name string) *rCol {
	for _, c := range t.cols {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (g *gen) newCol(t *rTable, parents []*rTable) *rCol {
	var free []string
	for _, n := range rColNames {
		if t.col(n) == nil {
			free = append(free, n)
		}
	}
	if len(free) == 0 {
		return nil
	}
	c := &rCol{name: pick(g.r, free), typ: pick(g.r, rTypes)}
	if t.strict {
		c.typ = pick(g.r, rStrict)
	}
	switch g.r.IntN(10) {
	case 0:
		c.generated = "id * 2"
		c.stored = g.r.IntN(2) == 0
		return c
	case 1, 2:
		if len(parents) > 0 {
			p := pick(g.r, parents)
			c.fk = &rFK{ref: p.name, onDelete: pick(g.r, rActions), onUpdate: pick(g.r, rActions), deferred: g.r.IntN(4) == 0}
			c.typ = "INTEGER"
			if g.r.IntN(3) == 0 {
				c.constraintN = t.name + "_" + c.name + "_ref"
			}
			return c
		}
	}
	if g.r.IntN(3) == 0 {
		c.dflt = pick(g.r, rDefaults)
		if t.strict && !slices.Contains([]string{"0", "-1", "(1 + 1)", "NULL"}, c.dflt) {
			c.dflt = "0" // a STRICT column must be able to hold its default
		}
	}
	c.notNull = g.r.IntN(3) == 0 && c.dflt != "NULL"
	c.nocase = g.r.IntN(5) == 0
	c.unique = g.r.IntN(6) == 0
	if g.r.IntN(5) == 0 {
		c.checkExpr = pick(g.r, rChecks)
		if g.r.IntN(2) == 0 {
			c.checkName = t.name + "_" + c.name + "_ok"
		}
	}
	return c
}

type gen struct{ r *rand.Rand }

func (g *gen) newTable(name string, parents []*rTable) *rTable {
	t := &rTable{name: name}
	switch g.r.IntN(6) {
	case 0:
		t.autoinc = true
	case 1:
		t.withoutRowID = true
	case 2:
		t.strict = true
	}
	for range 1 + g.r.IntN(4) {
		if c := g.newCol(t, parents); c != nil {
			t.cols = append(t.cols, c)
		}
	}
	g.maybeIndex(t)
	if g.r.IntN(4) == 0 {
		t.checks = append(t.checks, &rCheck{expr: "id >= 0"})
	}
	if cols := t.plainCols(); len(cols) >= 2 && g.r.IntN(4) == 0 {
		t.uniques = append(t.uniques, []string{cols[0], cols[1]})
	}
	return t
}

// plainCols returns the names of the columns that are neither generated nor
// foreign keys.
func (t *rTable) plainCols() []string {
	var out []string
	for _, c := range t.cols {
		if c.generated == "" && c.fk == nil {
			out = append(out, c.name)
		}
	}
	return out
}

func (g *gen) maybeIndex(t *rTable) {
	cols := t.plainCols()
	if len(cols) == 0 || g.r.IntN(2) == 0 {
		return
	}
	n := 1
	for t.indexName(n) {
		n++
	}
	ix := &rIndex{name: fmt.Sprintf("%s_idx%d", t.name, n), cols: []string{pick(g.r, cols)},
		unique: g.r.IntN(4) == 0, where: g.r.IntN(4) == 0, expr: g.r.IntN(4) == 0, desc: g.r.IntN(3) == 0}
	t.indexes = append(t.indexes, ix)
}

func (t *rTable) indexName(n int) bool {
	for _, ix := range t.indexes {
		if ix.name == fmt.Sprintf("%s_idx%d", t.name, n) {
			return true
		}
	}
	return false
}

func (g *gen) schema() *rSchema {
	s := &rSchema{}
	names := slices.Clone(rTableNames)
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, name := range names[:1+g.r.IntN(4)] {
		s.tables = append(s.tables, g.newTable(name, slices.Clone(s.tables)))
	}
	for _, t := range s.tables {
		if g.r.IntN(3) == 0 {
			s.views = append(s.views, &rView{name: "v_" + t.name, def: "SELECT * FROM " + ident(t.name)})
		}
		if g.r.IntN(3) == 0 {
			other := pick(g.r, s.tables)
			s.triggers = append(s.triggers, &rTrigger{name: "trg_" + t.name, table: t.name, other: other.name})
		}
	}
	if len(s.views) > 0 && g.r.IntN(3) == 0 {
		v := s.views[0]
		s.views = append(s.views, &rView{name: "vv", def: "SELECT count(*) AS n FROM " + ident(v.name)})
	}
	return s
}

// mutate changes s in one to four random ways, keeping it valid.
func (g *gen) mutate(s *rSchema) {
	for range 1 + g.r.IntN(4) {
		t := pick(g.r, s.tables)
		var c *rCol
		if len(t.cols) > 0 {
			c = pick(g.r, t.cols)
		}
		switch g.r.IntN(16) {
		case 0:
			if c != nil && c.generated == "" && c.fk == nil {
				c.typ = pick(g.r, rTypes)
				if t.strict {
					c.typ = pick(g.r, rStrict)
				}
			}
		case 1:
			if c != nil && c.generated == "" && c.fk == nil && c.dflt != "NULL" {
				c.notNull = !c.notNull
			}
		case 2:
			if c != nil && c.generated == "" && c.fk == nil && !t.strict {
				c.dflt = pick(g.r, append(rDefaults, ""))
				if c.dflt == "NULL" {
					c.notNull = false
				}
			}
		case 3:
			if c != nil && c.generated == "" && c.fk == nil {
				c.nocase = !c.nocase
			}
		case 4:
			var parents []*rTable
			for _, p := range s.tables {
				if p != t {
					parents = append(parents, p)
				}
			}
			if nc := g.newCol(t, parents); nc != nil {
				if nc.notNull && nc.dflt == "" {
					nc.dflt = "0"
				}
				nc.unique = false // existing rows would all get the default
				t.cols = append(t.cols, nc)
			}
		case 5:
			if c != nil && len(t.cols) > 1 && !s.referenced(t, c) {
				t.dropCol(c.name)
			}
		case 6:
			if c != nil && c.fk != nil {
				c.fk.onDelete, c.fk.onUpdate = pick(g.r, rActions), pick(g.r, rActions)
				if g.r.IntN(3) == 0 {
					c.fk.deferred = !c.fk.deferred
				}
			}
		case 7:
			if c != nil && c.fk != nil {
				c.fk = nil
				c.constraintN = ""
			}
		case 8:
			if c != nil && c.generated == "" {
				if c.checkExpr == "" {
					c.checkExpr = pick(g.r, rChecks)
				} else if g.r.IntN(2) == 0 {
					c.checkExpr = ""
					c.checkName = ""
				} else {
					c.checkExpr = pick(g.r, rChecks)
				}
			}
		case 9:
			if len(t.indexes) > 0 && g.r.IntN(2) == 0 {
				i := g.r.IntN(len(t.indexes))
				t.indexes = slices.Delete(t.indexes, i, i+1)
			} else {
				g.maybeIndex(t)
			}
		case 10:
			if len(t.indexes) > 0 {
				ix := pick(g.r, t.indexes)
				ix.desc, ix.where = !ix.desc, g.r.IntN(2) == 0
			}
		case 11:
			if c != nil && c.generated == "" && c.fk == nil && c.unique {
				c.unique = false
			}
		case 12:
			if !t.withoutRowID {
				t.autoinc = !t.autoinc
			}
		case 13:
			if !t.autoinc {
				t.withoutRowID = !t.withoutRowID
			}
		case 14:
			t.strict = !t.strict
			if t.strict {
				for _, col := range t.cols {
					if !slices.Contains(rStrict, col.typ) {
						col.typ = "ANY"
					}
				}
			}
		case 15:
			if len(s.tables) < len(rTableNames) && g.r.IntN(2) == 0 {
				var free []string
				for _, n := range rTableNames {
					if s.table(n) == nil {
						free = append(free, n)
					}
				}
				s.tables = append(s.tables, g.newTable(pick(g.r, free), slices.Clone(s.tables)))
			} else if len(s.tables) > 1 && !s.referencedTable(t) {
				s.dropTable(t)
			}
		}
	}
	if g.r.IntN(4) == 0 && len(s.views) > 0 {
		v := pick(g.r, s.views)
		if !strings.Contains(v.def, " WHERE ") && strings.HasPrefix(v.def, "SELECT * FROM") {
			v.def += " WHERE 1"
		}
	}
}

// referenced reports whether c is named by something that would stop it
// from being dropped in the desired schema: another table's foreign key
// (they only reference id) or an index or table UNIQUE on it.
func (s *rSchema) referenced(t *rTable, c *rCol) bool {
	for _, ix := range t.indexes {
		if slices.Contains(ix.cols, c.name) {
			return true
		}
	}
	for _, u := range t.uniques {
		if slices.Contains(u, c.name) {
			return true
		}
	}
	return false
}

func (t *rTable) dropCol(name string) {
	t.cols = slices.DeleteFunc(t.cols, func(c *rCol) bool { return c.name == name })
}

func (s *rSchema) referencedTable(t *rTable) bool {
	for _, o := range s.tables {
		for _, c := range o.cols {
			if o != t && c.fk != nil && c.fk.ref == t.name {
				return true
			}
		}
	}
	return false
}

func (s *rSchema) dropTable(t *rTable) {
	s.tables = slices.DeleteFunc(s.tables, func(o *rTable) bool { return o == t })
	gone := map[string]bool{t.name: true}
	s.views = slices.DeleteFunc(s.views, func(v *rView) bool {
		if strings.Contains(v.def, ident(t.name)) {
			gone[v.name] = true
			return true
		}
		return false
	})
	s.views = slices.DeleteFunc(s.views, func(v *rView) bool {
		for n := range gone {
			if strings.HasSuffix(v.def, " "+ident(n)) {
				return true
			}
		}
		return false
	})
	s.triggers = slices.DeleteFunc(s.triggers, func(tr *rTrigger) bool { return gone[tr.table] || gone[tr.other] })
}

func (s *rSchema) sql() string {
	var b strings.Builder
	for _, t := range s.tables {
		var items []string
		id := "id INTEGER PRIMARY KEY"
		if t.autoinc {
			id += " AUTOINCREMENT"
		}
		items = append(items, id)
		for _, c := range t.cols {
			def := ident(c.name)
			if c.typ != "" {
				def += " " + c.typ
			}
			if c.generated != "" {
				def += " AS (" + c.generated + ")"
				if c.stored {
					def += " STORED"
				}
				items = append(items, def)
				continue
			}
			if c.notNull {
				def += " NOT NULL"
			}
			if c.dflt != "" {
				def += " DEFAULT " + c.dflt
			}
			if c.nocase {
				def += " COLLATE NOCASE"
			}
			if c.unique {
				def += " UNIQUE"
			}
			if c.checkExpr != "" {
				n := ident(c.name)
				if c.checkName != "" {
					def += " CONSTRAINT " + ident(c.checkName)
				}
				def += " CHECK (" + strings.ReplaceAll(c.checkExpr, "%s", n) + ")"
			}
			if c.fk != nil {
				if c.constraintN != "" {
					def += " CONSTRAINT " + ident(c.constraintN)
				}
				def += " REFERENCES " + ident(c.fk.ref) + " (id)"
				if c.fk.onDelete != "" {
					def += " ON DELETE " + c.fk.onDelete
				}
				if c.fk.onUpdate != "" {
					def += " ON UPDATE " + c.fk.onUpdate
				}
				if c.fk.deferred {
					def += " DEFERRABLE INITIALLY DEFERRED"
				}
			}
			items = append(items, def)
		}
		for _, ck := range t.checks {
			items = append(items, "CHECK ("+ck.expr+")")
		}
		for _, u := range t.uniques {
			var cols []string
			for _, c := range u {
				cols = append(cols, ident(c))
			}
			items = append(items, "UNIQUE ("+strings.Join(cols, ", ")+")")
		}
		fmt.Fprintf(&b, "CREATE TABLE %s (\n  %s\n)", ident(t.name), strings.Join(items, ",\n  "))
		var opts []string
		if t.withoutRowID {
			opts = append(opts, "WITHOUT ROWID")
		}
		if t.strict {
			opts = append(opts, "STRICT")
		}
		b.WriteString(" " + strings.Join(opts, ", ") + ";\n")
		for _, ix := range t.indexes {
			key := ident(ix.cols[0])
			if ix.expr {
				key = "lower(" + key + ")"
			}
			if ix.desc {
				key += " DESC"
			}
			u := ""
			if ix.unique {
				u = "UNIQUE "
				key += ", id"
			}
			fmt.Fprintf(&b, "CREATE %sINDEX %s ON %s (%s)", u, ident(ix.name), ident(t.name), key)
			if ix.where {
				fmt.Fprintf(&b, " WHERE %s IS NOT NULL", ident(ix.cols[0]))
			}
			b.WriteString(";\n")
		}
	}
	for _, v := range s.views {
		fmt.Fprintf(&b, "CREATE VIEW %s AS %s;\n", ident(v.name), v.def)
	}
	for _, tr := range s.triggers {
		fmt.Fprintf(&b, "CREATE TRIGGER %s AFTER UPDATE ON %s BEGIN SELECT count(*) FROM %s; END;\n",
			ident(tr.name), ident(tr.table), ident(tr.other))
	}
	return b.String()
}

// data returns INSERT statements for from: a few rows per table, every
// value an integer unique in its column and every key pointing at a row
// that exists, so that the rows satisfy any desired schema mutate makes.
func (s *rSchema) data(r *rand.Rand) string {
	var b strings.Builder
	rows := map[string]int{}
	for _, t := range s.tables {
		n := r.IntN(4)
		rows[t.name] = n
		for i := 1; i <= n; i++ {
			cols := []string{"id"}
			vals := []string{fmt.Sprint(i)}
			for j, c := range t.cols {
				if c.generated != "" {
					continue
				}
				cols = append(cols, ident(c.name))
				if c.fk != nil {
					if p := rows[c.fk.ref]; p > 0 {
						vals = append(vals, fmt.Sprint(1+r.IntN(p)))
					} else if !c.notNull {
						vals = append(vals, "NULL")
					} else {
						return "" // cannot satisfy: no rows at all
					}
					continue
				}
				vals = append(vals, fmt.Sprint(i*100+j))
			}
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s);\n", ident(t.name), strings.Join(cols, ", "), strings.Join(vals, ", "))
		}
	}
	return b.String()
}

// randomCase returns from.sql, data.sql and to.sql for seed.
func randomCase(seed uint64) (from, data, to string) {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	s := g.schema()
	d := s.data(g.r)
	m := s.clone()
	g.mutate(m)
	// Rows that exist get the default of a column added to their table.
	for _, t := range m.tables {
		old := s.table(t.name)
		for _, c := range t.cols {
			if old != nil && old.col(c.name) == nil && c.notNull && c.dflt == "" && c.generated == "" {
				c.dflt = "0"
			}
		}
	}
	return s.sql(), d, m.sql()
}

// TestConvergeRandom runs a fixed set of random cases, so that every test
// run covers them; FuzzConverge explores more.
func TestConvergeRandom(t *testing.T) {
	d := New()
	n := 60
	if testing.Short() {
		n = 10
	}
	for seed := range uint64(n) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			from, data, to := randomCase(seed)
			t.Logf("from.sql:\n%s\ndata.sql:\n%s\nto.sql:\n%s", from, data, to)
			dialecttest.ConvergeCase(t, d, openTB, &dialecttest.Case{Name: t.Name(), From: from, Data: data, To: to}, convergeOptions()...)
		})
	}
}

// FuzzConverge checks convergence for random schema pairs drawn from the
// fuzzer's seed.
func FuzzConverge(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed)
	}
	d := New()
	f.Fuzz(func(t *testing.T, seed uint64) {
		from, data, to := randomCase(seed)
		t.Logf("from.sql:\n%s\ndata.sql:\n%s\nto.sql:\n%s", from, data, to)
		dialecttest.ConvergeCase(t, d, openTB, &dialecttest.Case{Name: t.Name(), From: from, Data: data, To: to}, convergeOptions()...)
	})
}
