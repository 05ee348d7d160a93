// Package kinds assembles the scheduler kinds of bbhost-plugin-schedulers
// into one plugin.
package kinds

import (
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/basic"
	"github.com/bbhost/bbhost/plugins/schedulers/dependent"
	"github.com/bbhost/bbhost/plugins/schedulers/force"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/timed"
	"github.com/bbhost/bbhost/plugins/schedulers/triggerable"
	"github.com/bbhost/bbhost/sdk"
)

// Name is the plugin's name: the binary is bbhost-plugin-schedulers.
const Name = "schedulers"

// Version is the plugin's version.
const Version = "0.1.0"

// Options adjust the plugin for tests.
type Options struct {
	// Clock drives the timers (default the wall clock).
	Clock clock.Clock
	// Location is the time zone of cron schedules (default time.Local).
	Location *time.Location
}

// Plugin returns the plugin with every scheduler kind.
func Plugin(opts Options) sdk.Plugin {
	topts := timed.Options{Clock: opts.Clock, Location: opts.Location}
	return sdk.Plugin{
		Name:    Name,
		Version: Version,
		Components: []sdk.Component{
			force.Component(),
			timed.PeriodicComponent(topts),
			timed.NightlyComponent(topts),
			triggerable.Component(),
			basic.SingleBranchComponent(basic.Options{Clock: opts.Clock}),
			basic.AnyBranchComponent(basic.Options{Clock: opts.Clock}),
			dependent.Component(dependent.Options{Clock: opts.Clock}),
		},
	}
}
