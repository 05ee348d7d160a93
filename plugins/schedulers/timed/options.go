package timed

import (
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
)

// Options adjust the timed kinds for tests.
type Options struct {
	// Clock is the time source (default the wall clock).
	Clock clock.Clock
	// Location is the time zone of cron fields (default time.Local).
	Location *time.Location
}

func (o Options) clock() clock.Clock {
	if o.Clock == nil {
		return clock.Real{}
	}
	return o.Clock
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.Local
	}
	return o.Location
}

// common are the attributes every timed kind has (Timed's arguments).
type common struct {
	Reason        *string
	OnlyIfChanged bool
	Branch        *string
	Absolute      bool
	Codebases     any
	Filter        *changes.FilterBlock
	Files         []string
	OnlyImportant bool
}

// options are the checked common attributes.
type options struct {
	reason        string // unformatted
	onlyIfChanged bool
	branch        *string
	absolute      bool
	codebases     sched.Codebases
	rules         changes.Rules
}

func (c common) options(defReason string) (options, base.Diagnostics) {
	var diags base.Diagnostics
	o := options{reason: defReason, onlyIfChanged: c.OnlyIfChanged, branch: c.Branch, absolute: c.Absolute}
	if c.Reason != nil {
		o.reason = *c.Reason
	}
	if err := pyfmt.Check(o.reason, "name"); err != nil {
		diags = append(diags, base.AttrError("reason", "Invalid reason", err.Error()))
	}
	cbs, d := sched.ParseCodebases("codebases", c.Codebases)
	diags = append(diags, d...)
	o.codebases = cbs
	filter, d := c.Filter.Compile("change_filter")
	diags = append(diags, d...)
	files, err := changes.CompileFiles(c.Files)
	if err != nil {
		diags = append(diags, base.AttrError("files", "Invalid file pattern", err.Error()))
	}
	o.rules = changes.Rules{Filter: filter, Codebases: cbs, Files: files, OnlyImportant: c.OnlyImportant}
	return o, diags
}

// schedule computes the next build time (getNextBuildTime): last is the
// last build (nil: never); ok is false for never again.
type schedule interface {
	next(last *time.Time, now time.Time) (at time.Time, ok bool)
}
