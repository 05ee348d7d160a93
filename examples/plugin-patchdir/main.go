// Command bbhost-plugin-patchdir is an example third-party bbhost plugin: a
// change source that watches a directory for change files (*.json) and
// patches (*.patch, *.diff, as written by `git format-patch`) and submits
// one change per file, in file name order, exactly once — even across
// master restarts, plugin crashes and hot swaps, because the name of the
// last file processed is stored in the master's state in the same
// transaction as each change.
//
// Build it with
//
//	go build -o bbhost-plugin-patchdir ./examples/plugin-patchdir
//
// and see README.md for testing, packaging and installing it.
package main

import (
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/changesource"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "0.1.0"

func main() {
	sdk.Serve(Plugin())
}

// Plugin describes the plugin; tests serve it in-process with sdktest.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:    "patchdir",
		Version: version,
		Components: []sdk.Component{
			changesource.Component{
				Kind:   "patchdir",
				Docs:   docs,
				Config: defaultConfig(),
				New:    func() changesource.ChangeSource { return &PatchDir{} },
			},
		},
	}
}

const docs = `Watches a directory for change files (*.json, one Buildbot change each) and
patches (*.patch, *.diff) and submits one change per file, in file name order,
exactly once. Write files under a name starting with "." and rename them when
complete; name them so that they sort in arrival order (for example with a
timestamp prefix).`
