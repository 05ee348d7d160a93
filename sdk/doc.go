// Package sdk is what a bbhost plugin's main package imports: Serve runs a
// plugin binary that provides any number of component types (change
// sources, schedulers, workers, user managers) of any number of kinds, in
// one process serving every instance the master configures.
//
//	func main() {
//		sdk.Serve(sdk.Plugin{
//			Name:    "patchdir",
//			Version: "0.1.0",
//			Components: []sdk.Component{
//				changesource.Component{Kind: "patchdir", Config: Config{}, Docs: "...",
//					New: func() changesource.ChangeSource { return &PatchDir{} }},
//			},
//		})
//	}
//
// The binary must be called bbhost-plugin-NAME. Run with the single
// argument `describe` it prints its name, version, protocol versions and
// components as JSON; run by the master it speaks go-plugin gRPC (protocol
// version 1, AutoMTLS). Log with Logger (hclog JSON on the real stderr,
// which the master relays into its own log under the plugin's name); each
// instance also gets a logger in its ConfigureRequest.
//
// The kinds' interfaces are in sdk/changesource, sdk/scheduler, sdk/worker
// and sdk/usermanager; the shared lifecycle, configuration decoding and the
// master's Host interface are in sdk/base; sdk/sdktest runs a component
// in-process against a fake master for tests.
package sdk
