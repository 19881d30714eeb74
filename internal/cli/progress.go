package cli

import (
	"fmt"
	"time"

	"github.com/retortdb/retort"
)

// noticeEvery is how often a long wait says again what it waits for.
const noticeEvery = 10 * time.Second

// progressOptions turns the connecting, waiting and progress flags into
// library options. The library reports; this file only renders, on stderr,
// so that stdout stays SQL or JSON.
func (env *Env) progressOptions() []retort.Option {
	var opts []retort.Option
	if env.connectTimeout > 0 {
		opts = append(opts, retort.WithConnectTimeout(env.connectTimeout))
	}
	if env.wait > 0 {
		opts = append(opts, retort.WithConnectWait(env.wait, env.connectNotice()))
	}
	return opts
}

// connectNotice prints what a connect wait waits for: at the first failed
// attempt, then every noticeEvery.
func (env *Env) connectNotice() func(retort.ConnectWait) {
	var last time.Duration
	first := true
	return func(w retort.ConnectWait) {
		if env.quiet || (!first && w.Waited-last < noticeEvery) {
			return
		}
		first, last = false, w.Waited
		fmt.Fprintf(env.Stderr, "retort: waiting for %s to answer (%s so far): %v\n", w.Target, w.Waited.Round(time.Second), w.Err)
	}
}
