package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/migrate"
)

// fleetProgress renders a fleet's progress on stderr: on a terminal, a
// block of lines redrawn in place (counts, the databases running, the
// slowest so far) with each failure printed above it as it happens;
// otherwise one plain line per database as it ends.
type fleetProgress struct {
	env      *Env
	w        io.Writer
	name     string
	terminal bool

	mu       sync.Mutex
	total    int
	counts   map[retort.TargetStatus]int
	running  map[int]*runningTarget
	slowest  string
	slowTime time.Duration
	began    time.Time
	drawn    int // lines of the block on screen
	done     chan struct{}
	wg       sync.WaitGroup
}

type runningTarget struct {
	name     string
	start    time.Time
	revision string
}

// maxRunningShown bounds the running databases listed in the block.
const maxRunningShown = 5

func newFleetProgress(env *Env, name string) *fleetProgress {
	return &fleetProgress{env: env, w: env.Stderr, name: name, terminal: isTerminal(env.Stderr, env.Getenv),
		counts: map[retort.TargetStatus]int{}, running: map[int]*runningTarget{}}
}

// start begins the display for the fleet's targets.
func (p *fleetProgress) start(targets []*retort.Target) {
	p.total, p.began = len(targets), time.Now()
	if !p.terminal || p.env.quiet {
		return
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
}

// stop ends the display, clearing the block.
func (p *fleetProgress) stop() {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// event takes the fleet's events (called one at a time).
func (p *fleetProgress) event(e retort.FleetEvent) {
	if p.env.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case retort.EventTargetStarted:
		p.running[e.Index] = &runningTarget{name: e.Target.Redacted, start: time.Now()}
	case retort.EventTargetProgress:
		if r := p.running[e.Index]; r != nil && e.Event.Kind == migrate.Started {
			r.revision = e.Event.Revision
		}
	case retort.EventTargetFinished:
		p.finished(e.Index, e.Result)
	}
}

func (p *fleetProgress) finished(i int, r *retort.TargetResult) {
	delete(p.running, i)
	p.counts[r.Status]++
	if r.Duration > p.slowTime {
		p.slowest, p.slowTime = r.Name(), r.Duration
	}
	n := p.counts[retort.TargetDone] + p.counts[retort.TargetUpToDate] + p.counts[retort.TargetFailed]
	line := fmt.Sprintf("%s: %s %s", p.name, r.Status, r.Name())
	if r.Err != nil {
		msg, _, _ := strings.Cut(r.Err.Error(), "\n")
		line += ": " + msg
	} else {
		line += fmt.Sprintf(" %s (%s)", revisionChange(r), r.Duration.Round(time.Millisecond))
	}
	if !p.terminal {
		fmt.Fprintf(p.w, "%s [%d/%d]\n", line, n, p.total)
		return
	}
	if r.Err != nil {
		p.clear()
		fmt.Fprintln(p.w, line)
		p.draw()
	}
}

// revisionChange is "from -> to", or the revision when it did not change.
func revisionChange(r *retort.TargetResult) string {
	if equalRevs(r.From, r.To) {
		return revisions(r.To)
	}
	return revisions(r.From) + " -> " + revisions(r.To)
}

// clear erases the block drawn last.
func (p *fleetProgress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

// draw redraws the block: counts, the longest-running databases, the
// slowest finished one.
func (p *fleetProgress) draw() {
	p.clear()
	c := p.counts
	finished := c[retort.TargetDone] + c[retort.TargetUpToDate] + c[retort.TargetFailed]
	lines := []string{fmt.Sprintf("%s: %d/%d finished (%d done, %d up to date, %d failed), %d running, %s",
		p.name, finished, p.total, c[retort.TargetDone], c[retort.TargetUpToDate], c[retort.TargetFailed], len(p.running),
		time.Since(p.began).Round(100*time.Millisecond))}
	run := make([]*runningTarget, 0, len(p.running))
	for _, r := range p.running {
		run = append(run, r)
	}
	slices.SortFunc(run, func(a, b *runningTarget) int { return a.start.Compare(b.start) })
	for i, r := range run {
		if i == maxRunningShown {
			lines = append(lines, fmt.Sprintf("  … and %d more running", len(run)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("  running  %s %s (%s)", r.name, r.revision, time.Since(r.start).Round(100*time.Millisecond)))
	}
	if p.slowest != "" {
		lines = append(lines, fmt.Sprintf("  slowest  %s (%s)", p.slowest, p.slowTime.Round(time.Millisecond)))
	}
	width := 100
	if n, err := strconv.Atoi(p.env.Getenv("COLUMNS")); err == nil && n > 20 {
		width = n
	}
	for _, l := range lines {
		// A line that wraps would break the count of lines to erase.
		if r := []rune(l); len(r) >= width {
			l = string(r[:width-2]) + "…"
		}
		fmt.Fprintln(p.w, l)
	}
	p.drawn = len(lines)
}
