package retort

import (
	"context"
	"fmt"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/lint"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// LintPasses returns what retort lint needs to analyze files, migrations
// of g: for each, its schema before and after its up section, read from a
// scratch database of engine d into which the migrations are replayed in
// order (screened as ReplaySchema's are; the schema before a file is that
// after the files replayed before it). A file whose replay fails gets an
// Effect with Err, and the files after it none.
//
// Without a scratch database (the engine cannot open one, or the server
// refuses), the passes have no Effect and err says why: the rules that
// need the schema then say nothing.
func LintPasses(ctx context.Context, d dialect.Dialect, g *migrate.Graph, files []*migrate.File) (passes []*lint.Pass, err error) {
	var narrows func(*diff.ModifyTable, *diff.ModifyColumn) bool
	if n, ok := d.(dialect.Narrower); ok {
		narrows = n.Narrows
	}
	for _, f := range files {
		passes = append(passes, &lint.Pass{File: f, Engine: d.Name(), Narrows: narrows})
	}
	if len(files) == 0 {
		return passes, nil
	}
	r, screen, drop, err := scratchRunner(ctx, d, g)
	if err != nil {
		return passes, err
	}
	defer drop()
	opts := dialect.DiffOptions(d)
	var last *lint.Pass // the pass replayed last, whose After is the database now
	for _, p := range passes {
		var before *schema.Schema
		if last != nil && len(p.File.Parents) == 1 && p.File.Parents[0] == last.File.Revision {
			before = last.Effect.After
		} else if before, err = replayTo(ctx, r, d, p.File.Parents); err != nil {
			return passes, err // a file before the linted ones fails: nothing to say about them
		}
		e := &lint.Effect{Before: before}
		p.Effect = e
		if _, err := r.Upgrade(ctx, p.File.Revision); err != nil {
			e.Err = err
			break
		}
		if e.After, err = d.Inspect(ctx, r.DB); err != nil {
			return passes, err
		}
		// The renames the file writes are renames, not drops and adds.
		hints := diff.Renames(lint.RenameHints(p.File, d.Name(), before)...)
		e.Changes = diff.Compare(before, e.After, append(opts[:len(opts):len(opts)], hints)...)
		last = p
	}
	if screen != nil {
		screen.Report()
	}
	return passes, nil
}

// replayTo upgrades r's database to every one of parents and inspects it.
func replayTo(ctx context.Context, r *migrate.Runner, d dialect.Dialect, parents []string) (*schema.Schema, error) {
	for _, p := range parents {
		if _, err := r.Upgrade(ctx, p); err != nil {
			return nil, fmt.Errorf("replay migrations: %w", err)
		}
	}
	return d.Inspect(ctx, r.DB)
}
