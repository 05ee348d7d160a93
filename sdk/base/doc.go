// Package base holds what every plugin kind shares, on both sides of the
// wire: the instance reference (Ref), the lifecycle every component
// implements (Component: Configure, Start, Stop with a drain deadline), the
// configuration schema (Schema, derived from an author's Go struct by
// SchemaOf) and its decoding (Decode), diagnostics with attribute paths, the
// master's data types (Change, SourceStamp, Buildset, users, state) and the
// Host interface through which an instance asks the master for things.
//
// The package has no transport code: the gRPC shims live in the kind
// packages (sdk/changesource, sdk/scheduler, sdk/worker, sdk/usermanager),
// sdk/hostservice and sdk/transport, so the same interfaces serve an
// in-process component (tests, sdktest) and a plugin process.
//
// A component's configuration is a Go struct with `hcl` and `doc` tags:
//
//	type Config struct {
//		Dir          string        `hcl:"dir" doc:"directory to watch"`
//		PollInterval time.Duration `hcl:"poll_interval,optional" doc:"how often to look (default 10s)"`
//		Branches     []string      `hcl:"branches,optional"`
//	}
//
// SchemaOf(Config{}) gives the schema the master decodes the user's block
// with; ConfigureRequest.Decode fills the struct from the decoded value.
package base
