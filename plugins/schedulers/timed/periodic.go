// Package timed holds the timed scheduler kinds, after Buildbot's
// schedulers/timed.py: `periodic` (Periodic) and `nightly` (Nightly). They
// share Timed, which keeps last_build in the scheduler's state, written
// with the buildset it starts, so a restart neither skips nor repeats a
// build, and a time missed while the master was down fires once.
package timed

import (
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// PeriodicKind is the block label of the periodic kind.
const PeriodicKind = "periodic"

// PeriodicDocs describes the kind.
const PeriodicDocs = "Buildbot's Periodic scheduler: a build every periodic_build_timer."

// PeriodicConfig is the `scheduler "periodic" "<name>"` block.
type PeriodicConfig struct {
	PeriodicBuildTimer         time.Duration        `hcl:"periodic_build_timer" doc:"the time between builds, such as \"10m\" (more than zero)"`
	Reason                     *string              `hcl:"reason,optional" doc:"the buildset's reason; %(name)s is the scheduler's name (default \"The Periodic scheduler named '%(name)s' triggered this build\")"`
	OnlyIfChanged              bool                 `hcl:"only_if_changed,optional" doc:"skip a build when no important change came since the previous one"`
	Branch                     *string              `hcl:"branch,optional" doc:"only changes on this branch count (default: every branch)"`
	CreateAbsoluteSourceStamps bool                 `hcl:"create_absolute_source_stamps,optional" doc:"build the last revision seen on each codebase rather than the latest"`
	Codebases                  any                  `hcl:"codebases,optional" doc:"the codebases: a list of names, or an object of names to {repository, branch, revision} defaults (default [\"\"])"`
	ChangeFilter               *changes.FilterBlock `hcl:"change_filter,block" doc:"which changes count for only_if_changed"`
	Files                      []string             `hcl:"files,optional" doc:"a change is important when one of its files matches one of these globs (default: every change)"`
	OnlyImportant              bool                 `hcl:"only_important,optional" doc:"ignore unimportant changes entirely"`
}

// DefaultPeriodicReason is Periodic's default reason.
const DefaultPeriodicReason = "The Periodic scheduler named '%(name)s' triggered this build"

// Validate checks the configuration (base.Validator).
func (c *PeriodicConfig) Validate() base.Diagnostics {
	var diags base.Diagnostics
	if c.PeriodicBuildTimer <= 0 {
		diags = append(diags, base.AttrError("periodic_build_timer", "Invalid periodic_build_timer", "periodicBuildTimer must be positive"))
	}
	_, d := c.options()
	return append(diags, d...)
}

func (c *PeriodicConfig) options() (options, base.Diagnostics) {
	return common{Reason: c.Reason, OnlyIfChanged: c.OnlyIfChanged, Branch: c.Branch, Absolute: c.CreateAbsoluteSourceStamps,
		Codebases: c.Codebases, Filter: c.ChangeFilter, Files: c.Files, OnlyImportant: c.OnlyImportant}.options(DefaultPeriodicReason)
}

// Periodic computes Periodic's next build time: at once when it never
// built, else one timer after the last build.
type periodicSchedule struct{ timer time.Duration }

func (p periodicSchedule) next(last *time.Time, now time.Time) (time.Time, bool) {
	if last == nil {
		return now, true
	}
	return last.Add(p.timer), true
}

// PeriodicComponent registers the kind.
func PeriodicComponent(opts Options) scheduler.Component {
	return scheduler.Component{Kind: PeriodicKind, Docs: PeriodicDocs, Config: &PeriodicConfig{},
		New: func() scheduler.Scheduler {
			return newTimed(opts, "Periodic", func(req base.ConfigureRequest) (any, options, schedule, error) {
				var cfg PeriodicConfig
				if err := req.Decode(&cfg); err != nil {
					return nil, options{}, nil, err
				}
				o, diags := cfg.options()
				if diags.HasErrors() {
					return nil, options{}, nil, diags.Err()
				}
				return cfg, o, periodicSchedule{timer: cfg.PeriodicBuildTimer}, nil
			})
		}}
}
