// Package kinds assembles the scheduler kinds of bbhost-plugin-schedulers
// into one plugin.
package kinds

import (
	"github.com/bbhost/bbhost/plugins/schedulers/force"
	"github.com/bbhost/bbhost/sdk"
)

// Name is the plugin's name: the binary is bbhost-plugin-schedulers.
const Name = "schedulers"

// Version is the plugin's version.
const Version = "0.1.0"

// Options adjust the plugin for tests.
type Options struct{}

// Plugin returns the plugin with every scheduler kind.
func Plugin(opts Options) sdk.Plugin {
	return sdk.Plugin{
		Name:    Name,
		Version: Version,
		Components: []sdk.Component{
			force.Component(),
		},
	}
}
