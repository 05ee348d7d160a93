// Command bbhost-plugin-schedulers serves bbhost's first-party scheduler
// kinds (Buildbot's schedulers) as a plugin: force, periodic, nightly,
// triggerable, single_branch, any_branch and dependent.
package main

import (
	"github.com/bbhost/bbhost/plugins/schedulers/kinds"
	"github.com/bbhost/bbhost/sdk"
)

func main() {
	sdk.Serve(kinds.Plugin(kinds.Options{}))
}
