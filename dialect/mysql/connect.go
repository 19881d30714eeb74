package mysql

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// WithConnectTimeout bounds the first contact with the scratch server
// (see WithScratchServer): a server that accepts connections and never
// answers fails Scratch after t instead of hanging. 0, the default, leaves
// it to the context.
func WithConnectTimeout(t time.Duration) Option { return func(d *Dialect) { d.connectTimeout = t } }

// firstContact runs contact, the first use of a new pool, within the
// connect timeout.
func (d *Dialect) firstContact(ctx context.Context, contact func(context.Context) error) error {
	if d.connectTimeout <= 0 {
		return contact(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, d.connectTimeout)
	defer cancel()
	err := contact(cctx)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: no answer within %v: %w", d.serverHost(), d.connectTimeout, err)
	}
	return err
}

// serverHost returns the scratch server's address from its DSN
// (user:pass@tcp(host:port)/db), for errors (never its password).
func (d *Dialect) serverHost() string {
	if _, rest, ok := strings.Cut(d.server, "@tcp("); ok {
		if host, _, ok := strings.Cut(rest, ")"); ok {
			return host
		}
	}
	return "the server"
}
