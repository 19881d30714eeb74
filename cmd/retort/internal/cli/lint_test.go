package cli

import (
	"bytes"
	"testing"

	"github.com/retortdb/retort/lint"
)

func TestWriteAnnotation(t *testing.T) {
	tests := []struct {
		name string
		path string
		d    lint.Diagnostic
		want string
	}{
		{name: "error", path: "migrations/1_a.sql",
			d:    lint.Diagnostic{Code: "RT101", Severity: lint.Error, Line: 6, Message: "drops table t", Hint: "back it up"},
			want: "::error file=migrations/1_a.sql,line=6,title=RT101 error::drops table t%0Ahint: back it up\n"},
		{name: "acknowledged error is a notice", path: "m/1.sql",
			d:    lint.Diagnostic{Code: "RT101", Severity: lint.Error, Line: 1, Message: "m", Hint: "h", Acknowledged: "nolint"},
			want: "::notice file=m/1.sql,line=1,title=RT101 error::m%0Ahint: h%0Aacknowledged: nolint\n"},
		{name: "escapes", path: "a,b:c%.sql",
			d:    lint.Diagnostic{Code: "RT116", Severity: lint.Warning, Line: 2, Message: "100% of\r\nrows", Hint: "x::y"},
			want: "::warning file=a%2Cb%3Ac%25.sql,line=2,title=RT116 warning::100%25 of%0D%0Arows%0Ahint: x::y\n"},
		{name: "info", path: "p",
			d:    lint.Diagnostic{Code: "RT107", Severity: lint.Info, Line: 3, Message: "m", Hint: "h"},
			want: "::notice file=p,line=3,title=RT107 info::m%0Ahint: h\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeAnnotation(&b, tt.path, tt.d)
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}
