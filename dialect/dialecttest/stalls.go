package dialecttest

import (
	"context"
	"log/slog"
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
	Samples []Sample      // every write, in order
}

// Sample is one write: when it started and how long it took.
type Sample struct {
	Start time.Time
	Took  time.Duration
}

// Window is a span of time, e.g. one attempt of a DDL statement waiting
// for its lock.
type Window struct{ From, To time.Time }

// Within returns the time spent in writes slower than threshold that
// overlap one of windows, how many there were, and the longest: the
// writes that a DDL statement waiting for its lock in those windows
// blocked, leaving out the slow writes of a busy machine at other times.
func (s Stalls) Within(windows []Window, threshold time.Duration) (blocked time.Duration, n int, longest time.Duration) {
	for _, w := range s.Samples {
		if w.Took <= threshold {
			continue
		}
		end := w.Start.Add(w.Took)
		for _, win := range windows {
			if end.After(win.From) && w.Start.Before(win.To) {
				blocked += w.Took
				n++
				longest = max(longest, w.Took)
				break
			}
		}
	}
	return blocked, n, longest
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
			s.Samples = append(s.Samples, Sample{start, took})
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

// Retries is a slog.Handler that records when each warning was logged:
// the engines log one each time a statement gives up waiting for a lock
// and is retried.
type Retries struct {
	mu    sync.Mutex
	times []time.Time
}

// Enabled implements slog.Handler: warnings and above.
func (r *Retries) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

// Handle implements slog.Handler.
func (r *Retries) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.times = append(r.times, rec.Time)
	return nil
}

// WithAttrs implements slog.Handler.
func (r *Retries) WithAttrs([]slog.Attr) slog.Handler { return r }

// WithGroup implements slog.Handler.
func (r *Retries) WithGroup(string) slog.Handler { return r }

// Windows returns the attempts that gave up, each the attempt's lock
// timeout long and ending when it was logged, and the last attempt, from
// the end of the last pause (at most attempt before end) to end.
func (r *Retries) Windows(attempt time.Duration, end time.Time) []Window {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Window
	for _, t := range r.times {
		out = append(out, Window{t.Add(-attempt), t})
	}
	return append(out, Window{end.Add(-attempt), end})
}

// Count returns how many warnings were logged.
func (r *Retries) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.times)
}
