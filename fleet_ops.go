package retort

import (
	"context"
	"slices"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
	"github.com/retortdb/retort/schema"
)

// Upgrade upgrades every database of the fleet to target (see
// Migrator.Upgrade). A database with nothing to apply is read, not locked
// nor written (TargetUpToDate), so re-running a rollout resumes where it stopped
// at the cost of one read per database already done. A target that names
// several heads is refused before any database is touched.
func (f *Fleet) Upgrade(ctx context.Context, target string) (*FleetReport, error) {
	if err := f.checkTarget(target); err != nil {
		return nil, err
	}
	return f.Run(ctx, func(ctx context.Context, m *Migrator, r *TargetResult) error {
		return f.move(ctx, m, r, target, migrate.Up)
	})
}

// Downgrade downgrades every database of the fleet to target (see
// Migrator.Downgrade); databases already there are TargetUpToDate.
func (f *Fleet) Downgrade(ctx context.Context, target string) (*FleetReport, error) {
	return f.Run(ctx, func(ctx context.Context, m *Migrator, r *TargetResult) error {
		return f.move(ctx, m, r, target, migrate.Down)
	})
}

// checkTarget refuses, before any database is touched, an upgrade to
// "head" when the migrations have several heads.
func (f *Fleet) checkTarget(target string) error {
	if heads := f.graph.Heads(); target == "head" && len(heads) > 1 {
		return &migrate.MultipleHeadsError{Heads: heads}
	}
	return nil
}

// move plans the migrations of one database and runs them when there are
// any.
func (f *Fleet) move(ctx context.Context, m *Migrator, r *TargetResult, target string, dir migrate.Direction) error {
	recs, err := m.runner.State(ctx, m.db.db)
	if err != nil {
		return err
	}
	applied, partial := migrate.Applied(recs)
	r.From = migrate.Current(f.graph, applied)
	path, err := m.runner.Plan(recs, target, dir)
	if err != nil {
		return err
	}
	if len(path) == 0 && len(partial) == 0 {
		r.Status, r.To = TargetUpToDate, r.From
		return nil
	}
	if dir == migrate.Up {
		r.Results, err = m.Upgrade(ctx, target)
	} else {
		r.Results, err = m.Downgrade(ctx, target)
	}
	if err == nil {
		for _, res := range r.Results {
			applied[res.Revision] = dir == migrate.Up
		}
		for rev, ok := range applied {
			if !ok {
				delete(applied, rev)
			}
		}
		r.To = migrate.Current(f.graph, applied)
		return nil
	}
	// Where the database is after a failure (the migrations before the
	// failed one stay applied), read back even when ctx ended.
	if cur, cerr := m.Current(context.WithoutCancel(ctx)); cerr == nil {
		r.To = cur
	}
	return err
}

// Current reads the revisions every database is at (TargetResult.To, and
// Records holds the version table's rows). It changes nothing.
func (f *Fleet) Current(ctx context.Context) (*FleetReport, error) {
	return f.Run(ctx, func(ctx context.Context, m *Migrator, r *TargetResult) error {
		recs, err := m.History(ctx)
		if err != nil {
			return err
		}
		applied, _ := migrate.Applied(recs)
		r.Records = recs
		r.From = migrate.Current(f.graph, applied)
		r.To = r.From
		return migrate.UnknownRevisions(f.graph, recs)
	})
}

// History reads every database's version table (TargetResult.Records);
// it is Current under the name of the command that prints it.
func (f *Fleet) History(ctx context.Context) (*FleetReport, error) { return f.Current(ctx) }

// Pending reads, for every database, the migrations Upgrade(ctx, "heads")
// would apply (TargetResult.Pending). It changes nothing.
func (f *Fleet) Pending(ctx context.Context) (*FleetReport, error) {
	return f.Run(ctx, func(ctx context.Context, m *Migrator, r *TargetResult) error {
		recs, err := m.runner.State(ctx, m.db.db)
		if err != nil {
			return err
		}
		applied, _ := migrate.Applied(recs)
		r.From = migrate.Current(f.graph, applied)
		r.To = r.From
		if len(f.graph.Heads()) == 0 {
			return nil
		}
		r.Pending, err = m.runner.Plan(recs, "heads", migrate.Up)
		return err
	})
}

// Check runs Migrator.Check on every database against desired
// (TargetResult.Check). The migrations' head is replayed once, into one
// scratch database, for the whole fleet; load desired once too (LoadSQL
// with the engine of Dialect). A database that differs is TargetDone with a
// report that is not OK; only errors make it TargetFailed.
func (f *Fleet) Check(ctx context.Context, desired *schema.Schema) (*FleetReport, error) {
	d, err := f.Dialect()
	if err != nil {
		return nil, err
	}
	head, err := ReplaySchema(ctx, d, f.graph, "heads")
	if err != nil {
		return nil, err
	}
	return f.Run(ctx, func(ctx context.Context, m *Migrator, r *TargetResult) error {
		recs, err := m.History(ctx)
		if err != nil {
			return err
		}
		applied, _ := migrate.Applied(recs)
		r.From = migrate.Current(f.graph, applied)
		r.To = slices.Clone(r.From)
		r.Check, err = m.checkAgainst(ctx, head, desired)
		return err
	})
}

// Dialect returns the engine of the fleet's databases, configured with the
// fleet's database options and creating its scratch databases on the
// server of the first database (or WithDevURL's): the engine to load a
// desired schema with once for the whole fleet.
func (f *Fleet) Dialect() (dialect.Dialect, error) {
	cfg, err := newConfig("WithDatabaseOptions", f.cfg.dbOpts)
	if err != nil {
		return nil, err
	}
	t := f.targets[0]
	d, _, err := newDialect(t.Dialect, t.DSN, cfg)
	return d, err
}
