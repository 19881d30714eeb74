package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/schema"
)

func fn(name, args, def string) *schema.Routine {
	return &schema.Routine{Kind: schema.Function, Name: name, Args: args, Def: def}
}

func TestCompareRoutineSignatures(t *testing.T) {
	pg := schema.ExactCase
	mysql := schema.CaseRules{Routines: schema.FoldUnicode}
	for _, tt := range []struct {
		name     string
		rules    schema.CaseRules
		from, to []*schema.Routine
		want     []string
	}{
		{"an overload added keeps the other", pg,
			[]*schema.Routine{fn("f", "x integer", "A")},
			[]*schema.Routine{fn("f", "x integer", "A"), fn("f", "x text", "B")},
			[]string{"function f(x text): created"}},
		{"a changed signature is a new routine, the old one dropped last", pg,
			[]*schema.Routine{fn("f", "x integer", "A")},
			[]*schema.Routine{fn("f", "x bigint", "A")},
			[]string{"function f(x bigint): created", "function f(x integer): dropped"}},
		{"a redefined body is a drop and an add", pg,
			[]*schema.Routine{fn("f", "x integer", "SELECT 1")},
			[]*schema.Routine{fn("f", "x integer", "SELECT 2")},
			[]string{"function f(x integer): dropped", "function f(x integer): created"}},
		{"layout alone is no change", pg,
			[]*schema.Routine{fn("f", "", "SELECT  1")},
			[]*schema.Routine{fn("f", "", "select 1")},
			nil},
		{"PostgreSQL names differ by case", pg,
			[]*schema.Routine{fn("F", "", "A")},
			[]*schema.Routine{fn("f", "", "A")},
			[]string{"function f: created", "function F: dropped"}},
		{"MySQL names ignore case", mysql,
			[]*schema.Routine{fn("F", "", "A")},
			[]*schema.Routine{fn("f", "", "A")},
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := &schema.Schema{Routines: tt.from, Case: tt.rules}
			to := &schema.Schema{Routines: tt.to, Case: tt.rules}
			got := Describe(Compare(from, to))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompareTriggerState(t *testing.T) {
	tr := func(state string) *schema.Trigger {
		return &schema.Trigger{Name: "tr", Table: "t", Def: "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", State: state}
	}
	s := func(tr *schema.Trigger) *schema.Schema {
		return &schema.Schema{Tables: []*schema.Table{table("t", col("id", "integer"))}, Triggers: []*schema.Trigger{tr}, Case: schema.ExactCase}
	}
	got := Describe(Compare(s(tr("")), s(tr("DISABLE"))))
	want := []string{"trigger tr on t: dropped", "trigger tr on t: created"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("disabling a trigger (-want +got):\n%s", diff)
	}
	if got := Compare(s(tr("DISABLE")), s(tr("DISABLE"))); len(got) != 0 {
		t.Errorf("same state: %v", Describe(got))
	}
}

// TestCompareTriggersSameNameOnTables: PostgreSQL trigger names are unique
// per table only, so several tables may each have a trigger of one name
// (Pagila's "last_updated"); each is matched with the one on its own
// table. Matching by name alone compared the trigger on b with the one on
// a and dropped and created it on every diff.
func TestCompareTriggersSameNameOnTables(t *testing.T) {
	tr := func(on, when string) *schema.Trigger {
		return &schema.Trigger{Name: "last_updated", Table: on,
			Def: "CREATE TRIGGER last_updated " + when + " UPDATE ON " + on + " FOR EACH ROW EXECUTE FUNCTION f()"}
	}
	s := func(trs ...*schema.Trigger) *schema.Schema {
		s := &schema.Schema{Tables: []*schema.Table{table("a", col("id", "integer")), table("b", col("id", "integer"))}, Triggers: trs}
		s.SetCase(schema.ExactCase)
		return s
	}
	if got := Compare(s(tr("a", "BEFORE"), tr("b", "BEFORE")), s(tr("b", "BEFORE"), tr("a", "BEFORE"))); len(got) != 0 {
		t.Errorf("same triggers: %v", Describe(got))
	}
	got := Describe(Compare(s(tr("a", "BEFORE"), tr("b", "BEFORE")), s(tr("a", "BEFORE"), tr("b", "AFTER"))))
	want := []string{"trigger last_updated on b: dropped", "trigger last_updated on b: created"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("one of them changed (-want +got):\n%s", diff)
	}
	got = Describe(Compare(s(tr("a", "BEFORE")), s(tr("a", "BEFORE"), tr("b", "BEFORE"))))
	if diff := cmp.Diff([]string{"trigger last_updated on b: created"}, got); diff != "" {
		t.Errorf("a second table gets one (-want +got):\n%s", diff)
	}
}

func TestComparePolicies(t *testing.T) {
	pol := func(name string, f func(*schema.Policy)) *schema.Policy {
		p := &schema.Policy{Name: name, Command: "ALL", Roles: []string{"public"}, Using: "(owner = CURRENT_USER)"}
		if f != nil {
			f(p)
		}
		return p
	}
	rls := func(on, force bool, ps ...*schema.Policy) *schema.Schema {
		t := table("docs", col("id", "integer"))
		t.RowSecurity, t.ForceRowSecurity, t.Policies = on, force, ps
		s := &schema.Schema{Tables: []*schema.Table{t}}
		s.SetCase(schema.ExactCase)
		return s
	}
	for _, tt := range []struct {
		name     string
		from, to *schema.Schema
		want     []string
	}{
		{"same", rls(true, false, pol("p", nil)), rls(true, false, pol("p", nil)), nil},
		{"layout of an expression alone", rls(true, false, pol("p", nil)),
			rls(true, false, pol("p", func(p *schema.Policy) { p.Using = "( owner  =  CURRENT_USER )" })), nil},
		{"enabled and forced", rls(false, false), rls(true, true),
			[]string{"docs: row level security disabled → enabled, forced"}},
		{"new policy", rls(true, false), rls(true, false, pol("p", nil)), []string{"docs: policy p created"}},
		{"policy gone", rls(true, false, pol("p", nil)), rls(true, false), []string{"docs: policy p dropped"}},
		{"restrictive", rls(true, false, pol("p", nil)), rls(true, false, pol("p", func(p *schema.Policy) { p.Restrictive = true })),
			[]string{"docs: policy p dropped", "docs: policy p created"}},
		{"command", rls(true, false, pol("p", nil)), rls(true, false, pol("p", func(p *schema.Policy) { p.Command = "SELECT" })),
			[]string{"docs: policy p dropped", "docs: policy p created"}},
		{"roles", rls(true, false, pol("p", nil)), rls(true, false, pol("p", func(p *schema.Policy) { p.Roles = []string{"app"} })),
			[]string{"docs: policy p dropped", "docs: policy p created"}},
		{"with check", rls(true, false, pol("p", nil)), rls(true, false, pol("p", func(p *schema.Policy) { p.Check = "true" })),
			[]string{"docs: policy p dropped", "docs: policy p created"}},
		{"names differ by case", rls(true, false, pol("P", nil)), rls(true, false, pol("p", nil)),
			[]string{"docs: policy P dropped", "docs: policy p created"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(Compare(tt.from, tt.to))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}
