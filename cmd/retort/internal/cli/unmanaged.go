package cli

import (
	"fmt"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/schema"
)

// warnUnmanaged writes one warning on stderr naming, by kind and count,
// the objects of the schema read from where that retort does not manage.
func (env *Env) warnUnmanaged(where string, us []schema.Unmanaged) {
	if len(us) == 0 {
		return
	}
	fmt.Fprintf(env.Stderr, "retort: warning: %s has objects retort does not manage (never created, altered, dropped or compared): %s\n",
		where, schema.DescribeUnmanaged(us))
}

// label names a source in messages (a URL without its password).
func (s source) label() string {
	if s.kind == "url" {
		return retort.Redact(s.raw)
	}
	return s.raw
}

// unmanagedJSON is the "unmanaged" field of diff and apply: each side's
// objects retort does not manage.
type unmanagedJSON struct {
	From []schema.Unmanaged `json:"from"`
	To   []schema.Unmanaged `json:"to"`
}

// nonNilUnmanaged returns us, or an empty slice for nil.
func nonNilUnmanaged(us []schema.Unmanaged) []schema.Unmanaged {
	if us == nil {
		return []schema.Unmanaged{}
	}
	return us
}
