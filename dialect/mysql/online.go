package mysql

import (
	"strings"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
	"github.com/retortdb/retort/schema"
)

// algorithm is how the plan asks the server to run one ALTER TABLE on a
// table that exists: the plan says so, so that the server refuses a change
// it would otherwise run by copying the table (error 1845/1846) instead of
// silently blocking writers for the length of the copy.
type algorithm uint8

const (
	// algoUnclaimed adds no clause: the server chooses (primary key
	// changes, tables with FULLTEXT or SPATIAL indexes, other engines
	// than InnoDB, changes whose algorithm depends on more than the plan
	// knows).
	algoUnclaimed algorithm = iota
	// algoInstant: metadata only. Written ALGORITHM=INSTANT on MySQL
	// 8.0.29+ for ADD and DROP COLUMN; on MariaDB ALGORITHM=INPLACE
	// already lets the server pick INSTANT.
	algoInstant
	// algoInplace: no table copy, writers not blocked: ALGORITHM=INPLACE,
	// LOCK=NONE.
	algoInplace
	// algoCopy: the change needs a copy of the table, during which
	// writers wait: ALGORITHM=COPY, said in the SQL and in a comment.
	algoCopy
)

// clause returns the clause that ends an ALTER TABLE statement run with
// algorithm a (", ALGORITHM=…"), "" for algoUnclaimed.
func (a algorithm) clause() string {
	switch a {
	case algoInstant:
		return ", ALGORITHM=INSTANT"
	case algoInplace:
		return ", ALGORITHM=INPLACE, LOCK=NONE"
	case algoCopy:
		return ", ALGORITHM=COPY"
	}
	return ""
}

// indexOption returns the options that end a CREATE INDEX statement run
// with algorithm a (CREATE INDEX takes INPLACE or COPY, without commas).
func (a algorithm) indexOption() string {
	switch a {
	case algoInstant, algoInplace:
		return " ALGORITHM=INPLACE LOCK=NONE"
	case algoCopy:
		return " ALGORITHM=COPY"
	}
	return ""
}

// CopiesTable reports whether stmt, an ALTER TABLE or CREATE INDEX
// statement, asks the server to copy the table (ALGORITHM=COPY, or
// ALGORITHM COPY), during which writers to the table wait. The planner
// writes ALGORITHM=COPY for every change to an existing table that needs a
// copy (a column type change other than a longer VARCHAR or new ENUM/SET
// members at the end, a stored generated column added or redefined), and
// ALGORITHM=INPLACE, LOCK=NONE or ALGORITHM=INSTANT where the server can
// do without, so a migration file's statements say which ones copy.
func CopiesTable(stmt string) bool {
	toks := sqltok.Significant(sqltok.Tokenize(stmt, lexMySQL))
	if len(toks) == 0 || !toks[0].Is("ALTER") && !toks[0].Is("CREATE") {
		return false
	}
	depth := 0
	for i, t := range toks {
		switch {
		case t.Kind == sqltok.Punct && t.Text == "(":
			depth++
		case t.Kind == sqltok.Punct && t.Text == ")":
			depth--
		case depth == 0 && t.Is("ALGORITHM"):
			j := i + 1
			if j < len(toks) && toks[j].Kind == sqltok.Punct && toks[j].Text == "=" {
				j++
			}
			if j < len(toks) && toks[j].Is("COPY") {
				return true
			}
		}
	}
	return false
}

// onlineTable reports whether the plan claims algorithms for the
// statements on this table: InnoDB tables (the engine not named is the
// server's default, InnoDB) without FULLTEXT or SPATIAL indexes, on which
// MariaDB refuses LOCK=NONE for a rebuild.
func (a *tableAlter) onlineTable() bool {
	for _, t := range []*schema.Table{a.from, a.to} {
		if t.Engine != "" && !strings.EqualFold(t.Engine, "InnoDB") {
			return false
		}
		for _, ix := range t.Indexes {
			if ix.Method == "FULLTEXT" || ix.Method == "SPATIAL" {
				return false
			}
		}
	}
	return true
}

// claim returns algo for a statement on the table: algoUnclaimed for an
// online algorithm on a table that onlineTable refuses, and for every
// statement when online plans are off (WithOnline(false)).
func (a *tableAlter) claim(algo algorithm) algorithm {
	if a.p.d.offline {
		return algoUnclaimed
	}
	if algo != algoCopy && !a.onlineTable() {
		return algoUnclaimed
	}
	return algo
}

// columnAlgorithm returns the algorithm of ADD COLUMN c or DROP COLUMN c:
// INSTANT on MySQL 8.0.29+ (which otherwise rebuilds the table for
// ALGORITHM=INPLACE), unless the table is compressed or, for a drop, the
// column is indexed; INPLACE otherwise (MariaDB 10.4+ then picks INSTANT
// itself). A stored generated column is computed for every row: a copy. A
// new AUTO_INCREMENT column needs a lock (LOCK=SHARED): unclaimed.
func (a *tableAlter) columnAlgorithm(c *schema.Column, drop bool) algorithm {
	switch {
	case c.AutoIncrement:
		return algoUnclaimed
	case !drop && storedGenerated(c):
		return a.claim(algoCopy)
	}
	srv := a.p.srv
	if srv != nil && !srv.MariaDB && srv.AtLeast(8, 0, 29) && !strings.EqualFold(a.from.RowFormat, "COMPRESSED") &&
		!(drop && indexed(a.from, c.Name)) {
		return a.claim(algoInstant)
	}
	return a.claim(algoInplace)
}

// indexed reports whether column col of t is part of an index or key.
func indexed(t *schema.Table, col string) bool {
	if t.PrimaryKey != nil {
		for _, k := range t.PrimaryKey.Columns {
			if strings.EqualFold(k, col) {
				return true
			}
		}
	}
	for _, ix := range t.Indexes {
		for _, p := range ix.Parts {
			if strings.EqualFold(p.Column, col) {
				return true
			}
		}
	}
	return false
}

// moveAlgorithm returns the algorithm of moving column c: in place, but a
// stored generated column is computed again (a copy), and an
// AUTO_INCREMENT one is left to the server.
func (a *tableAlter) moveAlgorithm(c *schema.Column) algorithm {
	switch {
	case storedGenerated(c):
		return a.claim(algoCopy)
	case c.AutoIncrement, a.hasVirtual():
		return algoUnclaimed
	}
	return a.claim(algoInplace)
}

// hasVirtual reports whether the table has a virtual generated column,
// with which MariaDB cannot rebuild it in place (error 1846: "INPLACE ADD
// or DROP of virtual columns cannot be combined with other ALTER TABLE
// actions"): a change that rebuilds the table is then left to the server.
func (a *tableAlter) hasVirtual() bool {
	for _, t := range []*schema.Table{a.from, a.to} {
		for _, c := range t.Columns {
			if c.Generated != nil && !c.Generated.Stored {
				return true
			}
		}
	}
	return false
}

func storedGenerated(c *schema.Column) bool { return c.Generated != nil && c.Generated.Stored }

// inplaceChanges are the column changes MODIFY COLUMN makes in place
// without blocking writers on both servers (MySQL's online DDL table:
// default, NULL/NOT NULL, reordering; a comment and ON UPDATE change only
// metadata).
const inplaceChanges = diff.ChangeDefault | diff.ChangeNull | diff.ChangePosition | diff.ChangeComment | diff.ChangeOnUpdateExpr

// modifyAlgorithm returns the algorithm of MODIFY COLUMN for mc (nil: the
// column's definition is written again without a change of its own).
func (a *tableAlter) modifyAlgorithm(mc *diff.ModifyColumn) algorithm {
	if mc == nil {
		return algoUnclaimed
	}
	what := mc.What
	if what&diff.ChangeType != 0 {
		from, to := parseMyType(normType(mc.From.Type)), parseMyType(normType(mc.To.Type))
		mariadb := a.p.srv != nil && a.p.srv.MariaDB && !strings.EqualFold(a.from.RowFormat, "REDUNDANT")
		if !typeInPlace(from, to, a.p.d.bytesPerChar(a.from, mc.From), mariadb) {
			return a.claim(algoCopy)
		}
		what &^= diff.ChangeType
	}
	if what&diff.ChangeCollation != 0 {
		// MariaDB changes a collation in place (10.11, checked); MySQL's
		// table lists a character set conversion as a copy.
		if a.p.srv != nil && !a.p.srv.MariaDB {
			return a.claim(algoCopy)
		}
		what &^= diff.ChangeCollation
	}
	if storedGenerated(mc.From) || storedGenerated(mc.To) {
		if what&diff.ChangeGenerated != 0 {
			return a.claim(algoCopy)
		}
		return algoUnclaimed
	}
	if mc.From.AutoIncrement || mc.To.AutoIncrement {
		return algoUnclaimed
	}
	if what&^inplaceChanges != 0 {
		return algoUnclaimed
	}
	if what&diff.ChangeNull != 0 && (mc.To.NotNull && !a.strict() || a.hasVirtual()) {
		// Without a strict sql_mode the server would turn NULLs into the
		// type's zero, which it does only by copying; a rebuild with
		// virtual columns is left to the server too.
		return algoUnclaimed
	}
	return a.claim(algoInplace)
}

// strict reports whether the server's sql_mode, as inspected, is strict
// (unknown counts as strict: both servers' default is).
func (a *tableAlter) strict() bool {
	srv := a.p.srv
	return srv == nil || srv.SQLMode == "" || strings.Contains(srv.SQLMode, "STRICT_")
}

// typeInPlace reports whether a column's type changes from from to to
// without a table copy: a longer VARCHAR or VARBINARY whose length still
// takes the same number of length bytes (both under 256 bytes, or both
// 256 and over; on MariaDB also any longer one from under 128 bytes,
// whose values all have a one-byte length either way: checked on 10.11),
// or ENUM or SET members added at the end that keep the storage size. cpc
// is the most bytes a character of the column takes.
func typeInPlace(from, to myType, cpc int64, mariadb bool) bool {
	longer := func(fromBytes, toBytes int64) bool {
		return toBytes >= fromBytes && ((fromBytes < 256) == (toBytes < 256) || mariadb && fromBytes < 128)
	}
	switch {
	case from.name == "varchar" && to.name == "varchar":
		return longer(int64(from.n)*cpc, int64(to.n)*cpc)
	case from.name == "varbinary" && to.name == "varbinary":
		return longer(int64(from.n), int64(to.n))
	case from.fam == "enum" && to.fam == "enum":
		return appended(from.values, to.values) && (len(from.values) < 256) == (len(to.values) < 256)
	case from.fam == "set" && to.fam == "set":
		return appended(from.values, to.values) && setBytes(len(from.values)) == setBytes(len(to.values))
	}
	return false
}

// appended reports whether to is from with members added at the end.
func appended(from, to []string) bool {
	if len(to) < len(from) {
		return false
	}
	for i, v := range from {
		if to[i] != v {
			return false
		}
	}
	return true
}

// setBytes is the storage size of a SET of n members: 1, 2, 3, 4 or 8.
func setBytes(n int) int {
	b := (n + 7) / 8
	if b > 4 {
		return 8
	}
	return b
}

// copyComment is the comment of a statement that copies the table.
func copyComment(table string) string {
	return table + ": the table is copied (ALGORITHM=COPY): writers to it wait until the copy ends"
}
