package dialecttest

import (
	"context"
	"sync"
	"time"
)

// Stalls is what a writer that kept writing saw: how long its writes
// were blocked.
type Stalls struct {
	Writes  int           // writes that finished
	Errors  int           // writes that failed
	Blocked time.Duration // total time spent in writes slower than the threshold
	Longest time.Duration // the slowest write
	Slow    int           // writes slower than the threshold
}

// Writer runs write over and over (each call one short write, e.g. an
// INSERT) until the returned stop is called, which returns the stalls: a
// write slower than threshold counts as blocked for all its duration.
// Tests use it to check that a migration does not stall the writers of a
// table it waits for or changes.
func Writer(ctx context.Context, threshold time.Duration, write func(context.Context) error) (stop func() Stalls) {
	ctx, cancel := context.WithCancel(ctx)
	var (
		mu sync.Mutex
		s  Stalls
		wg sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			start := time.Now()
			err := write(ctx)
			took := time.Since(start)
			mu.Lock()
			if err != nil {
				if ctx.Err() == nil {
					s.Errors++
				}
			} else {
				s.Writes++
			}
			if took > threshold {
				s.Blocked += took
				s.Slow++
			}
			s.Longest = max(s.Longest, took)
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	return func() Stalls {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return s
	}
}
