package postgres

import (
	"context"
	"net/url"
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

// serverHost returns the scratch server's host:port, for errors (never its
// password).
func (d *Dialect) serverHost() string {
	if u, err := url.Parse(d.server); err == nil && u.Host != "" {
		return u.Host
	}
	return "the server"
}
