package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/lint"
)

// fleetCommand is what one command does on a fleet: the operation, the
// detail column of its table and what its JSON adds per database.
type fleetCommand struct {
	name string
	op   func(ctx context.Context, f *retort.Fleet) (*retort.FleetReport, error)
	// detail is the table's last column for a database that did not fail.
	detail func(r *retort.TargetResult) string
	// json adds the command's own fields to a database's JSON.
	json func(r *retort.TargetResult, j *fleetTargetJSON)
	// findings reports whether a database that ran has findings (check):
	// the command then exits 1.
	findings func(r *retort.TargetResult) bool
	// after runs on the report before it is printed (lint); it may add
	// to the JSON.
	after func(rep *retort.FleetReport, out *fleetJSON) error
}

// runFleet runs c on the fleet ff names and prints the report: a table
// (or --json) on stdout, progress on stderr. It returns a *fleetError
// (exit 1) when a database failed or was not started, a *findingsError
// when one has findings.
func (env *Env) runFleet(ctx context.Context, ff *fleetFlags, mf *migrationFlags, c fleetCommand) error {
	pr := newFleetProgress(env, c.name)
	f, err := env.fleet(ctx, ff, mf, pr.event)
	if err != nil {
		return err
	}
	if !env.quiet {
		fmt.Fprintf(env.Stderr, "Fleet: %d databases (%s)\n", len(f.Targets()), ff.source())
	}
	pr.start(f.Targets())
	rep, err := c.op(ctx, f)
	pr.stop()
	var fe *retort.FleetError
	if rep == nil || (err != nil && !errors.As(err, &fe)) {
		return err
	}
	out := env.fleetJSON(c, rep)
	if c.after != nil {
		if aerr := c.after(rep, &out); aerr != nil && err == nil {
			err = aerr
		}
	}
	if env.asJSON {
		if perr := env.printJSON(out); perr != nil {
			return perr
		}
	} else if !env.quiet {
		env.fleetTable(c, rep)
	}
	if fe != nil {
		return &fleetError{fe}
	}
	var fnd *findingsError
	switch {
	case env.asJSON && (errors.As(err, &fnd) || !out.OK):
		return &findingsError{} // the report says it all
	case err != nil:
		return err
	case !out.OK:
		return &findingsError{msg: c.name + " found differences in " + strings.Join(findingNames(c, rep), ", ")}
	}
	return nil
}

func findingNames(c fleetCommand, rep *retort.FleetReport) []string {
	var names []string
	for i := range rep.Targets {
		if r := &rep.Targets[i]; c.findings != nil && r.Status != retort.TargetFailed && c.findings(r) {
			names = append(names, r.Name())
		}
	}
	return names
}

// fleetJSON is a fleet command's --json report (docs/json.md).
type fleetJSON struct {
	Command    string            `json:"command"`
	OK         bool              `json:"ok"`
	Targets    int               `json:"targets"`
	Done       int               `json:"done"`
	UpToDate   int               `json:"up_to_date"`
	Failed     int               `json:"failed"`
	NotStarted int               `json:"not_started"`
	Stopped    string            `json:"stopped"`
	DurationMS int64             `json:"duration_ms"`
	Results    []fleetTargetJSON `json:"results"`
	// Diagnostics are lint's findings over every database's pending
	// migrations.
	Diagnostics *[]lint.Diagnostic `json:"diagnostics,omitempty"`
}

// fleetTargetJSON is one database of a fleet report.
type fleetTargetJSON struct {
	Target     string       `json:"target"`
	Status     string       `json:"status"`
	Canary     bool         `json:"canary"`
	From       []string     `json:"from"`
	To         []string     `json:"to"`
	DurationMS int64        `json:"duration_ms"`
	Migrations []resultJSON `json:"migrations,omitempty"`
	Pending    []string     `json:"pending,omitempty"`
	Check      *checkJSON   `json:"check,omitempty"`
	Error      *errorJSON   `json:"error"`
}

// errorJSON is an error as --json prints it.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (env *Env) fleetJSON(c fleetCommand, rep *retort.FleetReport) fleetJSON {
	out := fleetJSON{Command: c.name, Targets: len(rep.Targets), Done: rep.Count(retort.TargetDone), UpToDate: rep.Count(retort.TargetUpToDate),
		Failed: rep.Count(retort.TargetFailed), NotStarted: rep.Count(retort.TargetNotStarted), Stopped: rep.Stopped,
		DurationMS: rep.Duration.Milliseconds(), Results: make([]fleetTargetJSON, 0, len(rep.Targets))}
	out.OK = out.Failed == 0 && out.NotStarted == 0 && len(findingNames(c, rep)) == 0
	for i := range rep.Targets {
		r := &rep.Targets[i]
		j := fleetTargetJSON{Target: r.Name(), Status: r.Status.String(), Canary: r.Canary, From: nonNil(r.From), To: nonNil(r.To),
			DurationMS: r.Duration.Milliseconds()}
		if r.Status == retort.TargetNotStarted {
			j.From, j.To = nil, nil
		}
		if len(r.Results) > 0 {
			j.Migrations = resultsJSON(r.Results)
		}
		if r.Err != nil {
			j.Error = &errorJSON{Code: errorCode(r.Err), Message: r.Err.Error()}
		}
		if c.json != nil && r.Status != retort.TargetFailed && r.Status != retort.TargetNotStarted {
			c.json(r, &j)
		}
		out.Results = append(out.Results, j)
	}
	return out
}

// fleetTable prints the report as a table and a summary line.
func (env *Env) fleetTable(c fleetCommand, rep *retort.FleetReport) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tDATABASE\tREVISION\tTIME\tDETAIL")
	for i := range rep.Targets {
		r := &rep.Targets[i]
		status := r.Status.String()
		if r.Canary {
			status += " (canary)"
		}
		rev, took, detail := "", "", ""
		if r.Status != retort.TargetNotStarted {
			rev = revisions(r.To)
			if !equalRevs(r.From, r.To) {
				rev = revisions(r.From) + " -> " + rev
			}
			took = r.Duration.Round(time.Millisecond).String()
		}
		switch {
		case r.Err != nil:
			detail, _, _ = strings.Cut(r.Err.Error(), "\n")
		case c.detail != nil && r.Status != retort.TargetNotStarted:
			detail = c.detail(r)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", status, r.Name(), rev, took, detail)
	}
	tw.Flush()
	fmt.Fprintln(env.Stdout, fleetSummary(rep))
}

// fleetSummary is the report's last line.
func fleetSummary(rep *retort.FleetReport) string {
	s := fmt.Sprintf("%d databases: %d done, %d up to date, %d failed, %d not started, in %s",
		len(rep.Targets), rep.Count(retort.TargetDone), rep.Count(retort.TargetUpToDate), rep.Count(retort.TargetFailed), rep.Count(retort.TargetNotStarted),
		rep.Duration.Round(time.Millisecond))
	if rep.Stopped != "" {
		s += " (" + rep.Stopped + ")"
	}
	return s
}

func revisions(revs []string) string {
	if len(revs) == 0 {
		return "base"
	}
	return strings.Join(revs, ",")
}

func equalRevs(a, b []string) bool { return revisions(a) == revisions(b) }
