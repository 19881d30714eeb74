package mysql

import (
	"testing"

	"github.com/retortdb/retort/schema"
)

func TestCaseRules(t *testing.T) {
	for _, tt := range []struct {
		lctn               int
		tablesEqual, colEq bool
	}{
		{0, false, true}, // Linux default: Users and users are two tables
		{1, true, true},  // stored lower-cased, compared ignoring case
		{2, true, true},  // stored as given, compared ignoring case
	} {
		r := caseRules(tt.lctn)
		if got := r.Tables.Equal("Users", "users"); got != tt.tablesEqual {
			t.Errorf("lower_case_table_names=%d: tables Users = users is %v, want %v", tt.lctn, got, tt.tablesEqual)
		}
		if got := r.Triggers.Equal("Tr", "tr"); got != tt.tablesEqual {
			t.Errorf("lower_case_table_names=%d: triggers Tr = tr is %v, want %v", tt.lctn, got, tt.tablesEqual)
		}
		for _, f := range []schema.Fold{r.Columns, r.Indexes, r.Constraints, r.Routines} {
			if !f.Equal("Name", "name") {
				t.Errorf("lower_case_table_names=%d: columns, indexes, constraints and routines must ignore case", tt.lctn)
			}
		}
	}
}
