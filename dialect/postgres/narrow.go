package postgres

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// pgType is a column type as format_type prints it, reduced to what
// decides whether a value fits: the type's canonical name, its length or
// precision n and scale s (-1 when not given), and its array dimensions.
type pgType struct {
	name string
	n, s int
	dims int
}

var pgTypeNames = map[string]string{
	"character varying": "varchar", "varchar": "varchar", "character": "bpchar", "char": "bpchar", "bpchar": "bpchar",
	"text": "text", "smallint": "int2", "int2": "int2", "integer": "int4", "int": "int4", "int4": "int4",
	"bigint": "int8", "int8": "int8", "numeric": "numeric", "decimal": "numeric", "real": "float4", "float4": "float4",
	"double precision": "float8", "float8": "float8", "date": "date", "timestamp": "timestamp", "timestamptz": "timestamptz",
	"time": "time", "timetz": "timetz", "boolean": "bool", "bool": "bool", "bit": "bit", "bit varying": "varbit", "varbit": "varbit",
}

func parsePGType(typ string) pgType {
	typ = strings.TrimSpace(baseType(typ))
	t := pgType{n: -1, s: -1}
	for strings.HasSuffix(typ, "[]") {
		typ = strings.TrimSpace(strings.TrimSuffix(typ, "[]"))
		t.dims++
	}
	tn := dialect.ParseType(typ)
	base, rest := tn.Base, tn.Rest
	for _, z := range []string{" with time zone", " without time zone"} {
		if b, ok := strings.CutSuffix(base, z); ok {
			base, rest = b, strings.TrimSpace(z)
		}
	}
	t.name = pgTypeNames[base]
	if t.name == "" {
		t.name = strings.ToLower(typ) // not one the rules below know
		return t
	}
	if rest == "with time zone" {
		t.name += "tz"
	}
	t.n, t.s = tn.Arg(0, -1), tn.Arg(1, -1)
	switch {
	case t.name == "bpchar" && t.n < 0, t.name == "bit" && t.n < 0:
		t.n = 1 // char and bit are char(1) and bit(1)
	case t.name == "numeric" && t.n >= 0 && t.s < 0:
		t.s = 0
	case strings.HasPrefix(t.name, "time") && t.n < 0:
		t.n = 6
	}
	return t
}

// intDigits is how many decimal digits the integer types need.
var intDigits = map[string]int{"int2": 5, "int4": 10, "int8": 19}

// widens reports whether every value of type from is a value of type to,
// unchanged.
func widens(from, to pgType) bool {
	if to.dims == 0 && (to.name == "text" || to.name == "varchar" && to.n < 0) {
		return true // every value has a text form
	}
	if from.dims != to.dims {
		return false
	}
	if from == to {
		return true
	}
	atLeast := func(m, n int) bool { return m < 0 || n >= 0 && m >= n } // -1: unbounded
	switch from.name {
	case "varchar":
		return to.name == "varchar" && atLeast(to.n, from.n)
	case "bpchar": // trailing blanks are insignificant in char(n)
		return (to.name == "bpchar" || to.name == "varchar") && atLeast(to.n, from.n)
	case "int2", "int4", "int8":
		switch to.name {
		case "int2", "int4", "int8":
			return intDigits[to.name] >= intDigits[from.name]
		case "numeric":
			return to.n < 0 || to.n-to.s >= intDigits[from.name]
		case "float4":
			return from.name == "int2"
		case "float8":
			return from.name != "int8"
		}
	case "numeric":
		return to.name == "numeric" && (to.n < 0 || from.n >= 0 && to.s >= from.s && to.n-to.s >= from.n-from.s)
	case "float4":
		return to.name == "float8"
	case "date":
		return to.name == "timestamp" || to.name == "timestamptz"
	case "timestamp", "timestamptz", "time", "timetz":
		return to.name == from.name && to.n >= from.n
	case "bit", "varbit":
		return to.name == "varbit" && atLeast(to.n, from.n)
	}
	return false
}

// comparable types have an equality that ignores the text form (7.00 =
// 7), so a value survives when cast to the new type and back it is equal.
var comparable = map[string]bool{"int2": true, "int4": true, "int8": true, "numeric": true, "float4": true, "float8": true,
	"date": true, "timestamp": true, "timestamptz": true, "time": true, "timetz": true}

// narrows reports whether changing a column from one type to another may
// change a stored value.
func narrows(from, to *schema.Column) bool {
	if to.Generated != nil || strings.EqualFold(baseType(from.Type), baseType(to.Type)) {
		return false
	}
	return !widens(parsePGType(from.Type), parsePGType(to.Type))
}

// Narrows reports whether the column's type change may change a stored
// value: a shorter string, a smaller integer, a lower precision or scale,
// a float of fewer digits, a coarser timestamp, text into a bounded
// string, or a change of type family (text → integer turns '007' into 7).
// Anything to text, and a type whose every value the new type holds
// unchanged (varchar(10) → varchar(200), integer → bigint, numeric(4,1) →
// numeric(10,2), date → timestamp), is a widening.
func (d *Dialect) Narrows(_ *diff.ModifyTable, c *diff.ModifyColumn) bool {
	return narrows(c.From, c.To)
}

// lostValue returns the condition under which the value v of a column of
// type from does not survive the cast to type to: for numbers, dates and
// times, cast back it is not equal (1.55 → numeric(4,1) → 1.60); for
// anything else its text form changes ('007' → integer → '7').
//
// viaText casts through text first, as the ALTER's USING does for an enum
// (no cast leads from an enum type to another but to text).
func lostValue(v, from, to string, viaText bool) string {
	f, t := parsePGType(from), parsePGType(to)
	intBool := f.name == "int4" && t.name == "bool" || f.name == "bool" && t.name == "int4" // cast both ways: 0 ↔ false
	if (comparable[f.name] && comparable[t.name] || intBool) && f.dims == t.dims {
		return fmt.Sprintf("%s::%s::%s IS DISTINCT FROM %s", v, baseType(to), baseType(from), v)
	}
	if viaText {
		return fmt.Sprintf("%s::text::%s::text IS DISTINCT FROM %s::text", v, baseType(to), v)
	}
	return fmt.Sprintf("%s::%s::text IS DISTINCT FROM %s::text", v, baseType(to), v)
}

// narrowCheck returns a DO block that counts the rows of table whose value
// of column c.From would not survive the cast to c.To's type that the
// ALTER … TYPE … USING runs, and, if there are any, raises data_exception
// with the count and up to five values. A value the cast rejects outright
// (text → integer of 'abc') makes the set-based count fail; the rows are
// then tried one by one, each cast in a block of its own.
//
// viaText: the column's type is an enum (see lostValue).
func narrowCheck(table string, c *diff.ModifyColumn, viaText bool) string {
	col := "c." + quote(c.From.Name)
	lost := lostValue(col, c.From.Type, c.To.Type, viaText)
	esc := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	msg := "retort: % row(s) of " + esc(display(table)) + " would lose data in column " + esc(c.From.Name) +
		" changed from " + esc(c.From.Type) + " to " + esc(c.To.Type) + "; e.g. %"
	from := qualified("", table) + " c"
	body := fmt.Sprintf(`DECLARE
  n bigint := 0;
  examples text[] := '{}';
  r record;
BEGIN
  BEGIN
    SELECT count(*) INTO n FROM %[1]s
      WHERE %[2]s IS NOT NULL AND %[3]s;
    IF n > 0 THEN
      SELECT array_agg(e.v) INTO examples FROM (
        SELECT quote_literal(left(%[2]s::text, 40)) AS v FROM %[1]s
        WHERE %[2]s IS NOT NULL AND %[3]s
        LIMIT 5) e;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    -- a value the cast rejects: try the rows one by one
    n := 0;
    examples := '{}';
    FOR r IN SELECT %[2]s AS v FROM %[1]s WHERE %[2]s IS NOT NULL LOOP
      BEGIN
        IF NOT (%[4]s) THEN
          CONTINUE;
        END IF;
      EXCEPTION WHEN OTHERS THEN
        NULL;
      END;
      n := n + 1;
      IF n <= 5 THEN
        examples := examples || quote_literal(left(r.v::text, 40));
      END IF;
    END LOOP;
  END;
  IF n > 0 THEN
    RAISE EXCEPTION %[5]s, n, array_to_string(examples, ', ')
      USING ERRCODE = 'data_exception',
            HINT = 'change or delete those rows, or write the conversion (ALTER … TYPE … USING) by hand';
  END IF;
END`, from, col, lost, lostValue("r.v", c.From.Type, c.To.Type, viaText), literal(msg))
	tag := "$retort$"
	for i := 1; strings.Contains(body, tag); i++ {
		tag = fmt.Sprintf("$retort%d$", i)
	}
	return "DO " + tag + "\n" + body + "\n" + tag
}

// narrowComment is the comment above a narrowing check in a plan.
func narrowComment(table string, c *diff.ModifyColumn) string {
	return fmt.Sprintf("%s.%s: %s → %s may change stored values; rows whose value would change stop the migration here",
		display(table), c.To.Name, c.From.Type, c.To.Type)
}
