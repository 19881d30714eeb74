package cli

import (
	"context"
	"fmt"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

func (env *Env) loadDir(ctx context.Context, s source, d dialect.Dialect) (*schema.Schema, *retort.Database, error) {
	return nil, nil, fmt.Errorf("dir:// sources: TODO")
}

// retortSQL prints a schema as the engine's CREATE statements.
func retortSQL(d dialect.Dialect, s *schema.Schema) (string, error) {
	p, ok := d.(interface{ SQL(*schema.Schema) string })
	if !ok {
		return "", fmt.Errorf("%s: cannot print a schema as SQL", d.Name())
	}
	return p.SQL(s), nil
}
