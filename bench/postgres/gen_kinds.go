package postgres

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/internal/benchkit"
)

// writeRoutines writes the functions the generated tables use: a trigger
// function and the function the row-level security policies call.
func writeRoutines(b *strings.Builder) {
	b.WriteString("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.qty := coalesce(NEW.qty, 0); RETURN NEW; END $$;\n")
	b.WriteString("CREATE FUNCTION visible(n text) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT n <> '' $$;\n\n")
}

// writeTableKinds writes the triggers and row-level security of table i:
// a trigger on every fifth table (with a WHEN on every tenth), row-level
// security and two policies, one calling a function, on every tenth.
func writeTableKinds(b *strings.Builder, i int) {
	t := benchkit.TableName(i)
	if i%5 == 0 {
		when := ""
		if i%10 == 0 {
			when = " WHEN (NEW.qty IS NULL)"
		}
		fmt.Fprintf(b, "CREATE TRIGGER %s_touch BEFORE INSERT OR UPDATE ON %s FOR EACH ROW%s EXECUTE FUNCTION touch();\n", t, t, when)
	}
	if i%10 == 0 {
		fmt.Fprintf(b, "ALTER TABLE %s ENABLE ROW LEVEL SECURITY;\n", t)
		fmt.Fprintf(b, "CREATE POLICY %s_read ON %s FOR SELECT USING (visible(name));\n", t, t)
		fmt.Fprintf(b, "CREATE POLICY %s_write ON %s AS RESTRICTIVE FOR INSERT WITH CHECK (amount >= 0);\n", t, t)
	}
}
