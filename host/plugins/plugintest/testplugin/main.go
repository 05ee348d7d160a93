// Command testplugin is a plugin for the master's own tests
// (bbhost-plugin-testplugin): one component of every kind, with simple,
// observable behaviour.
//
//   - change_source "counter": submits change N on its N-th poll (forced
//     or every poll_interval) up to count, cursor in state.
//   - scheduler "echo": one buildset per change after its cursor; force
//     (reason required) and trigger.
//   - worker "mem": shell echoes its argv; uploadFile sends "data";
//     "sleep" runs until interrupted.
//   - user_manager "um": creates the user `identifier` on start.
package main

import (
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/usermanager"
	"github.com/bbhost/bbhost/sdk/worker"
)

var version = "1.0.0"

func main() {
	sdk.Serve(sdk.Plugin{Name: "testplugin", Version: version, Components: []sdk.Component{
		changesource.Component{Kind: "counter", Config: counterConfig{PollInterval: "1h"}, New: func() changesource.ChangeSource { return &counter{} }},
		scheduler.Component{Kind: "echo", Config: echoConfig{}, New: func() scheduler.Scheduler { return &echo{} }},
		worker.Component{Kind: "mem", Config: memConfig{}, New: func() worker.Worker { return &mem{} }},
		usermanager.Component{Kind: "um", Config: umConfig{}, New: func() usermanager.UserManager { return &um{} }},
	}})
}
