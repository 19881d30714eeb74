package mysql

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// myType is a column type as normType leaves it, reduced to what decides
// whether a value fits.
type myType struct {
	name     string   // canonical: int, decimal, varchar, tinytext, enum, datetime, …
	fam      string   // int, decimal, float, char, text, binary, blob, enum, set, temporal, other
	n, s     int      // length, precision or fractional digits; scale (-1: none)
	unsigned bool     // numbers
	bits     int      // integers: 8 … 64
	bytes    int64    // text and blob types: capacity in bytes
	values   []string // enum and set members
	raw      string
}

var myAliases = map[string]string{"integer": "int", "numeric": "decimal", "dec": "decimal", "fixed": "decimal",
	"real": "double", "double precision": "double", "bool": "tinyint", "boolean": "tinyint", "character": "char",
	"character varying": "varchar"}

var intBits = map[string]int{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}

var lobBytes = map[string]int64{"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": 4294967295,
	"tinyblob": 255, "blob": 65535, "mediumblob": 16777215, "longblob": 4294967295}

func parseMyType(typ string) myType {
	tn := dialect.ParseType(typ)
	if len(tn.Args) == 0 { // "int unsigned": the attributes follow the name
		words := strings.Fields(tn.Base)
		for len(words) > 1 && (words[len(words)-1] == "unsigned" || words[len(words)-1] == "signed" || words[len(words)-1] == "zerofill") {
			tn.Rest = words[len(words)-1] + " " + tn.Rest
			words = words[:len(words)-1]
		}
		tn.Base = strings.Join(words, " ")
	}
	t := myType{n: -1, s: -1, raw: strings.TrimSpace(typ), name: tn.Base}
	if a, ok := myAliases[t.name]; ok {
		t.name = a
	}
	t.unsigned = strings.Contains(tn.Rest, "unsigned")
	switch {
	case intBits[t.name] > 0:
		t.fam, t.bits = "int", intBits[t.name]
	case t.name == "decimal":
		t.fam, t.n, t.s = "decimal", tn.Arg(0, 10), tn.Arg(1, 0)
	case (t.name == "float" || t.name == "double") && len(tn.Args) == 0:
		t.fam = "float"
	case t.name == "char" || t.name == "varchar":
		t.fam, t.n = "char", tn.Arg(0, 1)
	case t.name == "binary" || t.name == "varbinary":
		t.fam, t.n = "binary", tn.Arg(0, 1)
	case strings.HasSuffix(t.name, "text"):
		t.fam, t.bytes = "text", lobBytes[t.name]
	case strings.HasSuffix(t.name, "blob"):
		t.fam, t.bytes = "blob", lobBytes[t.name]
	case t.name == "enum" || t.name == "set":
		t.fam = t.name
		for _, a := range tn.Args {
			t.values = append(t.values, unquoteValue(a))
		}
	case t.name == "date" || t.name == "datetime" || t.name == "timestamp" || t.name == "time":
		t.fam, t.n = "temporal", tn.Arg(0, 0)
	default:
		t.fam = "other"
	}
	if t.fam == "text" && t.bytes == 0 || t.fam == "blob" && t.bytes == 0 {
		t.fam = "other"
	}
	return t
}

// unquoteValue reads an ENUM or SET member as COLUMN_TYPE writes it.
func unquoteValue(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

// intRange returns the smallest and largest value of an integer type.
func (t myType) intRange() (lo, hi *big.Int) {
	one := big.NewInt(1)
	if t.unsigned {
		return big.NewInt(0), new(big.Int).Sub(new(big.Int).Lsh(one, uint(t.bits)), one)
	}
	hi = new(big.Int).Sub(new(big.Int).Lsh(one, uint(t.bits-1)), one)
	return new(big.Int).Neg(new(big.Int).Add(hi, one)), hi
}

// digits is how many decimal digits an integer type's values need.
func (t myType) digits() int {
	lo, hi := t.intRange()
	return max(len(hi.String()), len(lo.String())-1)
}

// textChars is the most characters a value of t needs as text, or -1 when
// that is not fixed.
func (t myType) textChars() int {
	switch t.fam {
	case "int":
		lo, hi := t.intRange()
		return max(len(hi.String()), len(lo.String()))
	case "decimal":
		n := t.n + 1 // sign
		if t.s > 0 {
			n++ // point
		}
		return n
	case "char":
		return t.n
	case "enum":
		m := 0
		for _, v := range t.values {
			m = max(m, len([]rune(v)))
		}
		return m
	case "set":
		m := max(len(t.values)-1, 0)
		for _, v := range t.values {
			m += len([]rune(v))
		}
		return m
	case "temporal":
		n := map[string]int{"date": 10, "datetime": 19, "timestamp": 19, "time": 10}[t.name]
		if t.n > 0 {
			n += t.n + 1
		}
		return n
	}
	return -1
}

// maxBytesPerChar is the longest character of a character set; 4 when the
// set is not known.
func maxBytesPerChar(charset string) int64 {
	switch charset {
	case "latin1", "latin2", "latin5", "latin7", "ascii", "binary", "cp1250", "cp1251", "cp1256", "cp1257", "cp850",
		"cp852", "cp866", "greek", "hebrew", "koi8r", "koi8u", "swe7", "tis620", "armscii8", "geostd8", "dec8", "hp8", "keybcs2", "macce", "macroman":
		return 1
	case "ucs2", "gbk", "big5", "sjis", "cp932", "euckr", "gb2312":
		return 2
	case "utf8", "utf8mb3", "ujis", "eucjpms":
		return 3
	}
	return 4
}

// widens reports whether every value of type from is a value of type to,
// unchanged. cpc is the most bytes a character of the column takes.
func widens(from, to myType, cpc int64) bool {
	if from.raw == to.raw || sameFamilyWidens(from, to) {
		return true
	}
	// Into a string: every value's text must fit; CHAR drops trailing
	// spaces, which a VARCHAR or TEXT value may have.
	chars := from.textChars()
	switch {
	case chars < 0, to.name == "char" && from.name == "varchar":
		return false
	case to.fam == "char":
		return to.n >= chars
	case to.fam == "text":
		return to.bytes >= int64(chars)*cpc
	}
	return false
}

// sameFamilyWidens reports whether to holds every value of from, both
// numbers, binary strings, ENUMs, SETs or times.
func sameFamilyWidens(from, to myType) bool {
	switch from.fam {
	case "int":
		switch to.fam {
		case "int":
			flo, fhi := from.intRange()
			tlo, thi := to.intRange()
			return tlo.Cmp(flo) <= 0 && thi.Cmp(fhi) >= 0
		case "decimal":
			return to.n-to.s >= from.digits() && (!to.unsigned || from.unsigned)
		case "float": // exact up to 24 (float) and 53 (double) bits
			return from.bits <= 24 || to.name == "double" && from.bits <= 32
		}
	case "decimal":
		return to.fam == "decimal" && to.s >= from.s && to.n-to.s >= from.n-from.s && (!to.unsigned || from.unsigned)
	case "float":
		return from.name == "float" && to.name == "double" && to.fam == "float"
	case "text":
		return to.fam == "text" && to.bytes >= from.bytes
	case "binary":
		switch to.fam {
		case "binary": // BINARY pads with zero bytes whatever its length
			return to.n >= from.n && (to.name == "varbinary" || from.name == "binary")
		case "blob":
			return to.bytes >= int64(from.n)
		}
	case "blob":
		return to.fam == "blob" && to.bytes >= from.bytes
	case "enum", "set":
		if to.fam != from.fam {
			return false
		}
		for _, v := range from.values {
			if !slices.Contains(to.values, v) {
				return false
			}
		}
		return true
	case "temporal":
		switch {
		case from.name == "date":
			return to.name == "datetime"
		case from.name == to.name, from.name == "timestamp" && to.name == "datetime":
			return to.n >= from.n
		}
	}
	return false
}

// bytesPerChar returns the most bytes a character of column c of table t
// takes.
func (d *Dialect) bytesPerChar(t *schema.Table, c *schema.Column) int64 {
	coll := c.Collation
	if coll == "" {
		coll = t.Collation
	}
	if coll == "" {
		if srv := d.Server(); srv != nil {
			coll = srv.DBCollation
		}
	}
	return maxBytesPerChar(charsetOf(coll))
}

// Narrows reports whether the column's type change may change a stored
// value: a shorter string, a smaller integer (or signed ↔ unsigned), a
// lower precision or scale, fewer fractional seconds, ENUM or SET members
// removed, or a change of type family (varchar → int turns '007' into 7).
// A type that holds every value of the old one unchanged (varchar(100) →
// varchar(200) or text, int → bigint, decimal(4,1) → decimal(10,2), new
// ENUM members) is a widening.
func (d *Dialect) Narrows(mt *diff.ModifyTable, c *diff.ModifyColumn) bool {
	if c.To.Generated != nil {
		return false // computed, not converted
	}
	from, to := parseMyType(normType(c.From.Type)), parseMyType(normType(c.To.Type))
	return !widens(from, to, d.bytesPerChar(mt.From, c.From))
}

// asText is column expression v as a string: itself for strings, a
// character string for binary ones and everything else.
func asText(v string, t myType) string {
	switch t.fam {
	case "char", "text", "enum", "set":
		return v
	case "binary", "blob":
		return "CONVERT(" + v + " USING utf8mb4)"
	}
	return "CAST(" + v + " AS CHAR)"
}

// differs is the condition that two strings are not the same bytes.
func differs(a, b string) string {
	return "NOT (CAST(" + a + " AS BINARY) <=> CAST(" + b + " AS BINARY))"
}

// castTarget returns the CAST type that converts a value to t, or "".
func castTarget(t myType) string {
	switch t.fam {
	case "int":
		return "DECIMAL(65,0)"
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", t.n, t.s)
	case "float":
		return strings.ToUpper(t.name)
	case "temporal":
		if t.n > 0 && t.name != "date" {
			return fmt.Sprintf("%s(%d)", strings.ToUpper(t.name), t.n)
		}
		if t.name == "timestamp" {
			return "DATETIME"
		}
		return strings.ToUpper(t.name)
	}
	return ""
}

// lostValue returns the condition under which the value v (not NULL) of
// a column of type from does not survive the change to type to: numbers
// and times that the new type does not hold equal (out of range, rounded),
// strings longer than the new type or not among its ENUM members, and
// values that change type family whose text would not read the same
// ('007' → 7). The result is "TRUE" when retort cannot tell (a change to
// a spatial, JSON, BIT or YEAR type, or to a SET from another type).
func lostValue(v string, from, to myType) string {
	numeric := func(t myType) bool { return t.fam == "int" || t.fam == "decimal" || t.fam == "float" }
	str := asText(v, from)
	switch to.fam {
	case "int", "decimal", "float":
		var cond []string
		if numeric(from) {
			if to.fam == "int" {
				lo, hi := to.intRange()
				cond = append(cond, fmt.Sprintf("%s NOT BETWEEN %s AND %s", v, lo, hi))
				if from.fam != "int" {
					cond = append(cond, v+" <> FLOOR("+v+")")
				}
			} else if to.fam == "float" && from.fam != "float" {
				// Compared as decimals: as doubles 2^53 + 1 would equal
				// its rounded self.
				cond = append(cond, "CAST("+v+" AS DECIMAL(65,30)) <> CAST(CAST("+v+" AS "+castTarget(to)+") AS DECIMAL(65,30))")
			} else {
				cond = append(cond, v+" <> CAST("+v+" AS "+castTarget(to)+")")
				if to.unsigned {
					cond = append(cond, v+" < 0")
				}
			}
		} else {
			cond = append(cond, differs("CAST(CAST("+str+" AS "+castTarget(to)+") AS CHAR)", str))
			if to.fam == "int" {
				lo, hi := to.intRange()
				cond = append(cond, fmt.Sprintf("CAST(%s AS DECIMAL(65,0)) NOT BETWEEN %s AND %s", str, lo, hi))
			}
		}
		return strings.Join(cond, " OR ")
	case "char":
		cond := fmt.Sprintf("CHAR_LENGTH(%s) > %d", str, to.n)
		if to.name == "char" && from.name != "char" {
			cond += " OR " + str + " LIKE '% '"
		}
		return cond
	case "text":
		return fmt.Sprintf("LENGTH(%s) > %d", str, to.bytes)
	case "binary":
		return fmt.Sprintf("LENGTH(%s) > %d", v, to.n)
	case "blob":
		return fmt.Sprintf("LENGTH(%s) > %d", v, to.bytes)
	case "enum":
		members := make([]string, len(to.values))
		for i, m := range to.values {
			members[i] = "CAST(_utf8mb4" + literal(m) + " AS BINARY)"
		}
		return "CAST(CONVERT(" + str + " USING utf8mb4) AS BINARY) NOT IN (" + strings.Join(members, ", ") + ")"
	case "set":
		if from.fam != "set" {
			return "TRUE"
		}
		var cond []string
		for _, m := range from.values {
			if !slices.Contains(to.values, m) {
				cond = append(cond, "FIND_IN_SET("+literal(m)+", "+v+") > 0")
			}
		}
		if len(cond) == 0 {
			return "FALSE"
		}
		return strings.Join(cond, " OR ")
	case "temporal":
		if from.fam != "temporal" || from.name == "time" || to.name == "time" {
			if from.name == "time" && to.name == "time" {
				return "NOT (" + v + " <=> CAST(" + v + " AS " + castTarget(to) + "))"
			}
			return differs("CAST(CAST("+str+" AS "+castTarget(to)+") AS CHAR)", str)
		}
		if to.name == "timestamp" {
			// What TIMESTAMP stores: seconds since 1970 in the session's
			// time zone, in range.
			return "NOT (" + v + " <=> CAST(FROM_UNIXTIME(UNIX_TIMESTAMP(" + v + ")) AS " + castTarget(to) + "))"
		}
		return "NOT (" + v + " <=> CAST(" + v + " AS " + castTarget(to) + "))"
	}
	return "TRUE"
}

// narrowCheck returns one statement that counts the rows of table whose
// value of column c.From would not survive the change to c.To's type and,
// if there are any, fails with the count and up to three values, the way
// orphanCheck fails (see there): by setting sql_mode to the message.
func narrowCheck(table string, c *diff.ModifyColumn) string {
	from, to := parseMyType(normType(c.From.Type)), parseMyType(normType(c.To.Type))
	col := quote(c.From.Name)
	lost := lostValue(col, from, to)
	where := col + " IS NOT NULL AND (" + lost + ")"
	short := func(typ string) string { // the server shows 200 characters of the message
		if r := []rune(typ); len(r) > 30 {
			return string(r[:27]) + "..."
		}
		return typ
	}
	head := fmt.Sprintf(" row(s) of %s would lose data in column %s changed from %s to %s; e.g. ",
		noComma(table), noComma(c.From.Name), noComma(short(c.From.Type)), noComma(short(c.To.Type)))
	if lost == "TRUE" {
		head = fmt.Sprintf(" row(s) of %s: retort cannot check that column %s keeps its values from %s to %s (convert them by hand); e.g. ",
			noComma(table), noComma(c.From.Name), noComma(short(c.From.Type)), noComma(short(c.To.Type)))
	}
	return fmt.Sprintf(`SET SESSION sql_mode = (
  SELECT IF(COUNT(*) = 0, @@SESSION.sql_mode, CONCAT('retort: ', COUNT(*), %s,
    (SELECT REPLACE(GROUP_CONCAT(v SEPARATOR ' '), ',', ' ') FROM (
      SELECT QUOTE(LEFT(%s, 20)) AS v FROM %s
      WHERE %s
      LIMIT 3) e)))
  FROM %s
  WHERE %s)`, literal(head), asText(col, from), quote(table), where, quote(table), where)
}

// narrowComment is the comment above a narrowing check in a plan.
func narrowComment(table string, c *diff.ModifyColumn) string {
	if lostValue("v", parseMyType(normType(c.From.Type)), parseMyType(normType(c.To.Type))) == "TRUE" {
		return fmt.Sprintf("%s.%s: %s → %s may change stored values, and retort cannot check them: any row stops the migration here",
			table, c.To.Name, c.From.Type, c.To.Type)
	}
	return fmt.Sprintf("%s.%s: %s → %s may change stored values; rows whose value would change stop the migration here",
		table, c.To.Name, c.From.Type, c.To.Type)
}

// narrowChecks adds a check step for every column whose type the changes
// narrow, before anything changes, and returns the narrowed columns by
// table and column (lower case).
func (p *planner) narrowChecks(changes []diff.Change) map[string]bool {
	out := map[string]bool{}
	for _, n := range dialect.Narrowed(p.d, changes) {
		p.add(dialect.Step{SQL: narrowCheck(n.Table.From.Name, n.Column), Comment: narrowComment(n.Table.From.Name, n.Column)})
		out[lower(n.Table.To.Name)+"\x00"+lower(n.Column.To.Name)] = true
	}
	return out
}
