package retort

import (
	"fmt"
	"strings"
)

// scope is the set of functions in which an option takes effect.
type scope uint16

const (
	// inEngine: building an engine from a URL or a name (Open,
	// OpenMigrator, DialectFor, NewDialect).
	inEngine scope = 1 << iota
	// inConnect: connecting to a URL (Open, OpenMigrator).
	inConnect
	// inDatabase: what a Database does (Plan, Apply).
	inDatabase
	// inMigrator: what a Migrator does (Upgrade, Downgrade, Stamp, …).
	inMigrator
	// inPlan: PlanSchemas and Autogenerate's plans.
	inPlan
	// inAutogenerate: Autogenerate's own choices.
	inAutogenerate
	// inScript: Script.
	inScript

	everywhere = inEngine | inConnect | inDatabase | inMigrator | inPlan | inAutogenerate | inScript
)

// accepts lists each function that takes options with the scopes it
// accepts, in the order OptionError names them.
var accepts = []struct {
	fn    string
	scope scope
}{
	{"Open", inEngine | inConnect | inDatabase},
	{"OpenMigrator", inEngine | inConnect | inDatabase | inMigrator},
	{"New", inDatabase},
	{"NewMigrator", inDatabase | inMigrator},
	{"Database.Migrator", inMigrator},
	{"DialectFor", inEngine},
	{"NewDialect", inEngine},
	{"PlanSchemas", inPlan},
	{"Autogenerate", inPlan | inAutogenerate},
	{"Script", inScript},
	// A fleet opens each of its databases as OpenMigrator does.
	{"WithDatabaseOptions", inEngine | inConnect | inDatabase | inMigrator},
}

// scopeOf returns the scopes function fn accepts.
func scopeOf(fn string) scope {
	for _, a := range accepts {
		if a.fn == fn {
			return a.scope
		}
	}
	panic("retort: no option scope for " + fn)
}

// OptionError is an option given to a function on which it has no effect,
// e.g. WithLockTimeout given to New (whose dialect the caller built: set
// its lock timeout there) or WithTable given to Open (a Database has no
// version table: give it to OpenMigrator or Database.Migrator).
//
// Where each option applies ("others": the other functions that take
// options):
//
//	option                                   Open  OpenMigrator  New  NewMigrator  Database.Migrator  others
//	WithLogger                               yes   yes           yes  yes          yes                all
//	WithExclude                              yes   yes           yes  yes          yes                PlanSchemas, Autogenerate
//	WithProgress, WithoutRehearsal           yes   yes           yes  yes          yes
//	WithAllowChanged, WithMigrationLockWait,
//	  WithGoMigrations                       -     yes           -    yes          yes
//	WithTable                                -     yes           -    yes          yes                Script
//	WithLockTimeout, WithNaming, WithDevURL,
//	  WithConcurrentIndexes, WithSchemas,
//	  WithOnline                             yes   yes           -    -            -                  DialectFor, NewDialect
//	WithConnectTimeout                       yes   yes           -    -            -                  DialectFor, NewDialect
//	MustExist, WithConnectWait               yes   yes           -    -            -
//	WithAssumeRenames, WithoutRenameGuess    -     -             -    -            -                  Autogenerate
//
// WithDatabaseOptions (a fleet's databases) accepts what OpenMigrator
// accepts.
//
// The engine options (WithLockTimeout, WithNaming, …) configure the
// dialect that Open builds from the URL; New and NewMigrator are given a
// dialect the caller built, whose own options (postgres.WithLockTimeout,
// sqlite.WithNaming, …) say the same.
type OptionError struct {
	// Func is the function given the option ("New"); Option the option
	// ("WithLockTimeout").
	Func, Option string
	// Accepted lists the functions where the option takes effect.
	Accepted []string
}

func (e *OptionError) Error() string {
	msg := fmt.Sprintf("retort: %s: option %s has no effect here", e.Func, e.Option)
	if len(e.Accepted) > 0 {
		msg += " (it applies to " + strings.Join(e.Accepted, ", ") + ")"
	}
	if e.Func == "New" || e.Func == "NewMigrator" {
		for _, a := range e.Accepted {
			if a == "NewDialect" {
				msg += "; configure the dialect you pass instead, with its own option"
				break
			}
		}
	}
	return msg
}

// option returns the Option called name that takes effect in scopes s and
// does set there.
func option(name string, s scope, set func(*config) error) Option {
	return func(c *config) error {
		if c.scope&s == 0 {
			e := &OptionError{Func: c.fn, Option: name}
			for _, a := range accepts {
				if a.scope&s != 0 {
					e.Accepted = append(e.Accepted, a.fn)
				}
			}
			return e
		}
		return set(c)
	}
}
