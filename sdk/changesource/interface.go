// Package changesource is the change source plugin kind (Buildbot's
// ChangeSource): a component that finds changes (commits, patches, feed
// entries) and reports them to the master with Host.AddChange, recording
// its progress in the same call so none is lost or doubled.
//
// A plugin author implements ChangeSource and registers it with a
// Component in sdk.Serve:
//
//	type Config struct {
//		Dir string `hcl:"dir" doc:"directory to watch"`
//	}
//
//	type Watcher struct {
//		changesource.PollNotSupported
//		cfg  Config
//		host base.Host
//	}
//
//	func (w *Watcher) Configure(ctx context.Context, req base.ConfigureRequest) error {
//		w.host = req.Host
//		return req.Decode(&w.cfg)
//	}
//	func (w *Watcher) Start(ctx context.Context) error                 { ... }
//	func (w *Watcher) Stop(ctx context.Context, drain time.Time) error { ... }
//
//	sdk.Serve(sdk.Plugin{Name: "watch", Version: "0.1.0", Components: []sdk.Component{
//		changesource.Component{Kind: "watch", Config: Config{}, New: func() changesource.ChangeSource { return &Watcher{} }},
//	}})
//
// The master holds a ChangeSource for each instance too: Client.Instance
// returns one that calls the plugin process.
package changesource

import (
	"context"

	"github.com/bbhost/bbhost/sdk/base"
)

// ChangeSource is one change source instance.
type ChangeSource interface {
	base.Component
	// Poll looks for changes now (the `poller` change hook, a forced poll).
	// Sources that do not poll embed PollNotSupported.
	Poll(ctx context.Context) error
}

// PollNotSupported is embedded by change sources without forced polls.
type PollNotSupported struct{}

// Poll returns base.ErrUnsupported.
func (PollNotSupported) Poll(context.Context) error { return base.ErrUnsupported }

// Component registers a change source kind with sdk.Serve.
type Component struct {
	// Kind is the block's first label: change_source "<Kind>" "<name>".
	Kind string
	// Docs describes the kind for `bbhost plugins describe`.
	Docs string
	// Config is the configuration struct (a value with defaults, or its
	// zero value); its schema is derived from its `hcl` and `doc` tags.
	Config any
	// New returns a fresh instance.
	New func() ChangeSource
}

// Registration implements sdk.Component.
func (c Component) Registration() (base.Registration, error) {
	var caps []string
	if c.New != nil {
		if _, unsupported := c.New().(interface{ pollNotSupported() }); !unsupported {
			caps = append(caps, "poll")
		}
	}
	var newFn func() base.Component
	if c.New != nil {
		newFn = func() base.Component { return c.New() }
	}
	return base.NewRegistration(base.TypeChangeSource, c.Kind, c.Docs, c.Config, caps, newFn)
}

func (PollNotSupported) pollNotSupported() {}
