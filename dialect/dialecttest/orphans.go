package dialecttest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect"
)

// CheckTranslated checks what an engine's TranslateError returned (got)
// for the error in: a *dialect.OrphanRowsError equal to want (its Err
// aside) that wraps in and keeps its text, or, for a nil want, in itself.
func CheckTranslated(t *testing.T, got, in error, want *dialect.OrphanRowsError) {
	t.Helper()
	var oe *dialect.OrphanRowsError
	if !errors.As(got, &oe) {
		if want != nil {
			t.Fatalf("not translated: %v", got)
		}
		if got != in {
			t.Fatalf("got %v, want the error unchanged", got)
		}
		return
	}
	if want == nil {
		t.Fatalf("translated to %+v, want the error unchanged", oe)
	}
	if oe.Err != in || got.Error() != in.Error() {
		t.Errorf("the engine's error is not kept: %v", got)
	}
	cmpd := *oe
	cmpd.Err = nil
	if d := cmp.Diff(want, &cmpd); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
