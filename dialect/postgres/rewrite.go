package postgres

import (
	"regexp"
	"strconv"
	"strings"
)

// typeWithMods splits a type as format_type prints it into its name
// (modifiers removed, " without time zone" and the like kept) and its
// modifiers: "character varying(20)" → "character varying", [20];
// "timestamp(3) with time zone" → "timestamp with time zone", [3].
var typeWithMods = regexp.MustCompile(`^([a-z ]+?)\s*(?:\(([0-9, ]+)\))?(\s+with(?:out)? time zone)?$`)

// TypeChangeRewrites reports whether ALTER COLUMN … TYPE from a column of
// type from to type to (both as format_type prints them, as Inspect
// reports them) rewrites the table under an ACCESS EXCLUSIVE lock. It
// returns false for the changes PostgreSQL makes in the catalog only:
// varchar(n) to varchar(m ≥ n), varchar or text; text to varchar;
// numeric(p, s) to numeric(q ≥ p, s) or numeric; varbit(n) to a longer
// varbit; timestamp, timestamptz and time to a higher precision or none;
// cidr to inet. Anything else (an unknown type included) counts as a
// rewrite. Plan marks such steps dialect.Step.Rewrite.
func TypeChangeRewrites(from, to string) bool {
	from, to = strings.ToLower(strings.TrimSpace(from)), strings.ToLower(strings.TrimSpace(to))
	if from == to {
		return false
	}
	fn, fm, ok1 := splitType(from)
	tn, tm, ok2 := splitType(to)
	if !ok1 || !ok2 {
		return true
	}
	switch {
	case fn == "character varying" && tn == "text", fn == "text" && tn == "character varying" && tm == nil,
		fn == "cidr" && tn == "inet":
		return false
	case fn != tn:
		return true
	}
	switch fn {
	case "character varying", "bit varying":
		return !(tm == nil || (len(fm) == 1 && len(tm) == 1 && tm[0] >= fm[0]))
	case "numeric":
		return !(tm == nil || (len(fm) >= 1 && len(tm) >= 1 && tm[0] >= fm[0] && scale(fm) == scale(tm)))
	case "timestamp without time zone", "timestamp with time zone", "time without time zone":
		return !(tm == nil || (fm != nil && tm[0] >= fm[0]))
	}
	return true
}

func scale(mods []int) int {
	if len(mods) > 1 {
		return mods[1]
	}
	return 0
}

// splitType returns a type's name and numeric modifiers (nil for none).
func splitType(typ string) (string, []int, bool) {
	m := typeWithMods.FindStringSubmatch(typ)
	if m == nil {
		return "", nil, false
	}
	name := m[1] + m[3]
	switch name { // the names format_type prints for the short spellings
	case "varchar":
		name = "character varying"
	case "varbit":
		name = "bit varying"
	case "timestamp", "time":
		name += " without time zone"
	case "timestamptz":
		name = "timestamp with time zone"
	case "decimal":
		name = "numeric"
	}
	if m[2] == "" {
		return name, nil, true
	}
	var mods []int
	for _, f := range strings.Split(m[2], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return "", nil, false
		}
		mods = append(mods, n)
	}
	return name, mods, true
}
