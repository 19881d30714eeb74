package mysql

import (
	"context"
	"strings"
	"time"

	"github.com/retortdb/retort/dialect"
)

// WithConnectTimeout bounds the first contact with the scratch server
// (see WithScratchServer): a server that accepts connections and never
// answers fails Scratch after t instead of hanging. 0, the default, leaves
// it to the context.
func WithConnectTimeout(t time.Duration) Option { return func(d *Dialect) { d.connectTimeout = t } }

// firstContact runs contact, the first use of a new pool on the scratch
// server, within the connect timeout.
func (d *Dialect) firstContact(ctx context.Context, contact func(context.Context) error) error {
	return dialect.FirstContact(ctx, d.connectTimeout, d.serverHost(), contact)
}

// serverHost returns the scratch server's address from its DSN
// (user:pass@tcp(host:port)/db), for errors (never its password).
func (d *Dialect) serverHost() string {
	if i := strings.LastIndex(d.server, "tcp("); i >= 0 {
		rest := d.server[i+len("tcp("):]
		if host, _, ok := strings.Cut(rest, ")"); ok {
			return host
		}
	}
	return "the server"
}
