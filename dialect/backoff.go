package dialect

import (
	"math/rand/v2"
	"time"
)

// Backoff returns the pause before retry n (1, 2, …) of a statement or
// transaction that gave up waiting for a lock: base, 1.5 times longer for
// each retry after the first, at most 10s, jittered by ±25% so that two
// migrations (or a migration and a cron job) do not retry in step.
func Backoff(base time.Duration, n int) time.Duration {
	d := float64(base)
	for i := 1; i < n && d < float64(10*time.Second); i++ {
		d *= 1.5
	}
	d = min(d, float64(10*time.Second))
	return time.Duration(d * (0.75 + 0.5*rand.Float64()))
}
