package worker

import (
	"context"

	"github.com/bbhost/bbhost/sdk/base"
)

// Worker is one worker instance in a plugin process: it runs the master's
// remote commands (see Command) and reports what it is (Info). It is the
// plugin-side counterpart of Conn.
type Worker interface {
	base.Component
	// Info is what the worker reports about itself (get_worker_info).
	Info(ctx context.Context) (Info, error)
	// RunCommand runs cmd, sending its updates and transfer data through
	// sink, and returns when it completes. A returned error is a failure of
	// the command itself (the step ends EXCEPTION).
	RunCommand(ctx context.Context, cmd Command, sink Sink) error
	// Interrupt asks the running command commandID to stop.
	Interrupt(ctx context.Context, commandID, why string) error
}

// Latent is implemented by workers that exist only while needed (Buildbot's
// AbstractLatentWorker): the master substantiates one before a build and
// insubstantiates it when idle.
type Latent interface {
	Substantiate(ctx context.Context, req SubstantiateRequest) error
	Insubstantiate(ctx context.Context) error
}

// SubstantiateRequest says what the worker is being started for.
type SubstantiateRequest struct {
	Builder    string
	Properties map[string]any
}

// Instance is the master's handle on a worker in a plugin process. Conn is
// the command channel the build engine uses; Substantiate and
// Insubstantiate answer base.ErrUnsupported for a worker that is not latent.
type Instance interface {
	Worker
	Latent
	Conn() Conn
}

// Component registers a worker kind with sdk.Serve.
type Component struct {
	// Kind is the block's first label: worker "<Kind>" "<name>".
	Kind string
	Docs string
	// Config is the configuration struct; `max_builds` and `properties`
	// arrive in ConfigureRequest.Common.
	Config any
	New    func() Worker
}

// Registration implements sdk.Component.
func (c Component) Registration() (base.Registration, error) {
	var caps []string
	var newFn func() base.Component
	if c.New != nil {
		if _, ok := c.New().(Latent); ok {
			caps = append(caps, "latent")
		}
		newFn = func() base.Component { return c.New() }
	}
	return base.NewRegistration(base.TypeWorker, c.Kind, c.Docs, c.Config, caps, newFn)
}
