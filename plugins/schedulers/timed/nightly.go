package timed

import (
	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// NightlyKind is the block label of the nightly kind.
const NightlyKind = "nightly"

// NightlyDocs describes the kind.
const NightlyDocs = "Buildbot's Nightly scheduler: builds at the times of a cron schedule."

// NightlyConfig is the `scheduler "nightly" "<name>"` block. The time
// fields take a number, a list of numbers or a cron field string ("*",
// "*/2", "1-5", "1,15"), as Buildbot's; day_of_week numbers are Python's
// (0 = Monday ... 6 = Sunday). `cron` is the alternative: a whole
// five-field cron expression with cron's own numbering (0 = Sunday).
type NightlyConfig struct {
	Minute                     any                  `hcl:"minute,optional" doc:"minutes of the hour (default 0)"`
	Hour                       any                  `hcl:"hour,optional" doc:"hours of the day (default \"*\")"`
	DayOfMonth                 any                  `hcl:"day_of_month,optional" doc:"days of the month (default \"*\")"`
	Month                      any                  `hcl:"month,optional" doc:"months (default \"*\")"`
	DayOfWeek                  any                  `hcl:"day_of_week,optional" doc:"days of the week, 0 = Monday ... 6 = Sunday (default \"*\")"`
	Cron                       *string              `hcl:"cron,optional" doc:"a cron expression \"MIN HOUR DOM MON DOW\" (DOW 0 = Sunday) instead of the fields"`
	Reason                     *string              `hcl:"reason,optional" doc:"the buildset's reason; %(name)s is the scheduler's name (default \"The Nightly scheduler named '%(name)s' triggered this build\")"`
	OnlyIfChanged              bool                 `hcl:"only_if_changed,optional" doc:"skip a build when no important change came since the previous one"`
	Branch                     *string              `hcl:"branch,optional" doc:"only changes on this branch count (default: every branch)"`
	CreateAbsoluteSourceStamps bool                 `hcl:"create_absolute_source_stamps,optional" doc:"build the last revision seen on each codebase rather than the latest"`
	Codebases                  any                  `hcl:"codebases,optional" doc:"the codebases: a list of names, or an object of names to {repository, branch, revision} defaults (default [\"\"])"`
	ChangeFilter               *changes.FilterBlock `hcl:"change_filter,block" doc:"which changes count for only_if_changed"`
	Files                      []string             `hcl:"files,optional" doc:"a change is important when one of its files matches one of these globs (default: every change)"`
	OnlyImportant              bool                 `hcl:"only_important,optional" doc:"ignore unimportant changes entirely"`
}

// DefaultNightlyReason is Nightly's default reason.
const DefaultNightlyReason = "The Nightly scheduler named '%(name)s' triggered this build"

// Validate checks the configuration (base.Validator).
func (c *NightlyConfig) Validate() base.Diagnostics {
	_, diags := c.cron()
	_, d := c.options()
	return append(diags, d...)
}

func (c *NightlyConfig) options() (options, base.Diagnostics) {
	return common{Reason: c.Reason, OnlyIfChanged: c.OnlyIfChanged, Branch: c.Branch, Absolute: c.CreateAbsoluteSourceStamps,
		Codebases: c.Codebases, Filter: c.ChangeFilter, Files: c.Files, OnlyImportant: c.OnlyImportant}.options(DefaultNightlyReason)
}

// cron returns the schedule's cron expression.
func (c *NightlyConfig) cron() (*cronSchedule, base.Diagnostics) {
	if c.Cron != nil {
		for _, f := range []struct {
			name string
			v    any
		}{{"minute", c.Minute}, {"hour", c.Hour}, {"day_of_month", c.DayOfMonth}, {"month", c.Month}, {"day_of_week", c.DayOfWeek}} {
			if f.v != nil {
				return nil, base.Diagnostics{base.AttrError(f.name, "Conflicting schedule", "give either cron or the time fields, not both")}
			}
		}
		s, err := parseCron(*c.Cron)
		if err != nil {
			return nil, base.Diagnostics{base.AttrError("cron", "Invalid cron expression", err.Error())}
		}
		return s, nil
	}
	expr, diags := fieldsToCron(c.Minute, c.Hour, c.DayOfMonth, c.Month, c.DayOfWeek)
	if diags.HasErrors() {
		return nil, diags
	}
	expanded, err := croniterSteps(expr)
	if err != nil {
		return nil, base.Diagnostics{base.AttrError("minute", "Invalid schedule", err.Error())}
	}
	s, err := parseCron(expanded)
	if err != nil {
		return nil, base.Diagnostics{base.AttrError("minute", "Invalid schedule", err.Error())}
	}
	return s, nil
}

// NightlyComponent registers the kind.
func NightlyComponent(opts Options) scheduler.Component {
	return scheduler.Component{Kind: NightlyKind, Docs: NightlyDocs, Config: &NightlyConfig{},
		New: func() scheduler.Scheduler {
			return newTimed(opts, "Nightly", func(req base.ConfigureRequest) (any, options, schedule, error) {
				var cfg NightlyConfig
				if err := req.Decode(&cfg); err != nil {
					return nil, options{}, nil, err
				}
				o, diags := cfg.options()
				if diags.HasErrors() {
					return nil, options{}, nil, diags.Err()
				}
				s, diags := cfg.cron()
				if diags.HasErrors() {
					return nil, options{}, nil, diags.Err()
				}
				return cfg, o, s, nil
			})
		}}
}
