package retort

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// DefaultConnectTimeout is how long Open waits for a server to answer when
// neither WithConnectTimeout nor the URL (connect_timeout=, timeout=) says.
const DefaultConnectTimeout = 10 * time.Second

// WithConnectTimeout sets how long Open waits for the server to answer one
// connection attempt (default: the URL's connect_timeout= or timeout=
// parameter, else DefaultConnectTimeout), and the engine built from a URL
// or name for the connections to its scratch server. It must be positive.
func WithConnectTimeout(d time.Duration) Option {
	return option("WithConnectTimeout", inConnect|inEngine, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("retort: WithConnectTimeout: %v is not positive", d)
		}
		c.connectTimeout = d
		return nil
	})
}

// scratchConnectTimeout bounds the first contact with the server where
// scratch databases are created.
func (c *config) scratchConnectTimeout() time.Duration {
	if c.connectTimeout > 0 {
		return c.connectTimeout
	}
	return DefaultConnectTimeout
}

// ConnectWait reports one failed connection attempt while Open waits for a
// server (WithConnectWait).
type ConnectWait struct {
	// Target is the server (host:port) or, for SQLite, the redacted URL.
	Target string
	// Waited is the time since the first attempt; Err the attempt's error.
	Waited time.Duration
	Err    error
}

// WithConnectWait makes Open retry, for up to max, a server that refuses
// connections or does not answer (one that is still starting), instead of
// failing at the first attempt. notify, if not nil, is called after each
// failed attempt. max must be positive. It applies to Open and
// OpenMigrator.
func WithConnectWait(max time.Duration, notify func(ConnectWait)) Option {
	return option("WithConnectWait", inConnect, func(c *config) error {
		if max <= 0 {
			return fmt.Errorf("retort: WithConnectWait: %v is not positive", max)
		}
		c.connectWait, c.connectNotify = max, notify
		return nil
	})
}

// ConnectError is a database that could not be reached. It names the
// server and never contains a password.
type ConnectError struct {
	// URL is the redacted database URL; Host the server's host:port.
	URL, Host string
	// Timeout is set when the server did not answer within it.
	Timeout time.Duration
	// Waited is set when Open retried (WithConnectWait) for that long.
	Waited time.Duration
	// Msg is the driver's error text, the password removed.
	Msg string
	// Err is the driver's error: read it with errors.Is/As, not printed.
	Err error
}

func (e *ConnectError) Error() string {
	where := e.URL
	if e.Host != "" {
		where = e.Host + " (" + e.URL + ")"
	}
	var msg string
	if e.Timeout > 0 {
		msg = fmt.Sprintf("connect to %s: no answer within %v (the server accepts connections but does not respond; raise --connect-timeout, or wait for it with --wait)", where, e.Timeout)
	} else {
		msg = fmt.Sprintf("connect to %s: %s", where, e.Msg)
	}
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (still failing after waiting %v)", e.Waited.Round(time.Second))
	}
	return msg
}

// Unwrap returns the driver's error.
func (e *ConnectError) Unwrap() error { return e.Err }

// connect pings db until the server answers: each attempt bounded by the
// connect timeout, retried while cfg's connect wait lasts.
func connect(ctx context.Context, db *sql.DB, t *Target, rawURL string, cfg *config) error {
	timeout := cfg.connectTimeout
	if timeout == 0 {
		timeout = t.ConnectTimeout
	}
	if timeout == 0 {
		timeout = DefaultConnectTimeout
	}
	target := t.Host
	if target == "" {
		target = t.Redacted
	}
	start := time.Now()
	for {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := db.PingContext(actx)
		timedOut := err != nil && actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		ce := &ConnectError{URL: t.Redacted, Host: t.Host, Msg: redactErr(err, rawURL, t.Redacted), Err: err}
		if timedOut {
			ce.Timeout = timeout
		}
		waited := time.Since(start)
		if cfg.connectWait == 0 || ctx.Err() != nil || !(timedOut || retriable(err)) {
			if cfg.connectWait > 0 {
				ce.Waited = waited
			}
			return ce
		}
		if waited >= cfg.connectWait {
			ce.Waited = waited
			return ce
		}
		if cfg.connectNotify != nil {
			cfg.connectNotify(ConnectWait{Target: target, Waited: waited, Err: ce})
		}
		pause := min(time.Second, cfg.connectWait-waited)
		select {
		case <-ctx.Done():
			return ce
		case <-time.After(pause):
		}
	}
}

// retriable reports whether a connection error may go away by itself: the
// server refuses connections, drops them or does not answer yet (it is
// starting). Authentication errors, unknown databases and the like are not.
func retriable(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	msg := err.Error()
	// The drivers' texts for a server that is up but not ready yet.
	for _, s := range []string{"invalid connection", "the database system is starting up", "connection refused", "connection reset"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
