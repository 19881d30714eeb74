package dialect

import (
	"context"
	"fmt"
	"time"
)

// FirstContact runs contact, the first use of a new connection pool to
// host, within timeout (none when timeout is 0), so that a server that
// accepts connections and never answers fails instead of hanging. The
// error then names host and the timeout.
func FirstContact(ctx context.Context, timeout time.Duration, host string, contact func(context.Context) error) error {
	if timeout <= 0 {
		return contact(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := contact(cctx)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: no answer within %v: %w", host, timeout, err)
	}
	return err
}
