// Command bbhost-plugin-local is the first-party `local` worker plugin: a
// worker that runs the master's remote commands itself, in this plugin
// process, under <master basedir>/workers/NAME (Buildbot's LocalWorker, but
// out of the master's process, so a runaway build cannot hurt the master).
//
//	worker "local" "local-1" {
//	  max_builds = 2
//	  basedir    = "/srv/ci/local-1"   # optional; default workers/local-1 in the master's base directory
//	}
package main

import (
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/worker"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

func main() {
	sdk.Serve(Plugin())
}

// Plugin describes the plugin.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:    "local",
		Version: version,
		Components: []sdk.Component{
			worker.Component{
				Kind:   "local",
				Docs:   docs,
				Config: Config{},
				New:    func() worker.Worker { return &Local{} },
			},
		},
	}
}

const docs = `Runs build steps in the plugin process on the master's machine, each worker
in its own directory (default: workers/NAME under the master's base directory).
Commands run in their own process group; interrupts and timeouts kill the group.`
