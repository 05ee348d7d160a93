package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/sdk/worker"
)

// ConnProvider supplies the connections of configured workers. The plugin
// host implements it for plugin workers (one Conn per configured instance);
// the worker protocols (msgpack, PB) implement it for `remote` workers,
// whose connections arrive when a buildbot-worker dials in.
type ConnProvider interface {
	// Connect waits until the worker configured by block has a usable
	// connection and returns it with a channel that is closed when that
	// connection is lost. It returns ctx's error when ctx ends first. The
	// worker service calls Connect again after every loss (after an error,
	// with a backoff).
	Connect(ctx context.Context, block config.PluginBlock) (conn worker.Conn, lost <-chan struct{}, err error)
}

// Pusher is implemented by providers whose connections come from outside,
// such as the worker protocols' listeners where a buildbot-worker dials in:
// no goroutine then waits in Connect for each of their workers (a site with
// a thousand workers that are not connected keeps none); the provider hands
// each connection over with Manager.Attach when it arrives.
type Pusher interface {
	// Pushes reports whether the connections of workers of kind are pushed.
	Pushes(kind string) bool
}

// Errors of Manager.Attach.
var (
	ErrUnknownWorker    = errors.New("unknown worker")
	ErrAlreadyConnected = errors.New("worker already connected")
	ErrNotRunning       = errors.New("worker not running")
)

// Pushes implements Pusher for the kinds whose provider does.
func (m *Mux) Pushes(kind string) bool {
	p, err := m.provider(kind)
	if err != nil {
		return false
	}
	pu, ok := p.(Pusher)
	return ok && pu.Pushes(kind)
}

// Disconnecter is implemented by providers that can end a worker's
// connection on the master's request: graceful asks the worker to shut
// itself down (Buildbot's shutdown), otherwise the connection is dropped
// (kill).
type Disconnecter interface {
	Disconnect(ctx context.Context, name string, graceful bool) error
}

// Mux is a ConnProvider that hands each worker kind to its own provider
// (for example "remote" to the protocol listeners, every plugin kind to the
// plugin host). Default serves the kinds not listed.
type Mux struct {
	Kinds   map[string]ConnProvider
	Default ConnProvider
}

var (
	_ ConnProvider = (*Mux)(nil)
	_ Disconnecter = (*Mux)(nil)
)

func (m *Mux) provider(kind string) (ConnProvider, error) {
	if p, ok := m.Kinds[kind]; ok && p != nil {
		return p, nil
	}
	if m.Default != nil {
		return m.Default, nil
	}
	return nil, fmt.Errorf("no connection provider for worker kind %q", kind)
}

// Connect implements ConnProvider.
func (m *Mux) Connect(ctx context.Context, block config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	p, err := m.provider(block.Kind)
	if err != nil {
		return nil, nil, err
	}
	return p.Connect(ctx, block)
}

// Disconnect implements Disconnecter for the providers that do; it needs
// the kind, so it tries every provider that can.
func (m *Mux) Disconnect(ctx context.Context, name string, graceful bool) error {
	var last error = fmt.Errorf("no provider can disconnect worker %q", name)
	seen := map[ConnProvider]bool{}
	all := append([]ConnProvider{m.Default}, mapValues(m.Kinds)...)
	for _, p := range all {
		if p == nil || seen[p] {
			continue
		}
		seen[p] = true
		if d, ok := p.(Disconnecter); ok {
			if err := d.Disconnect(ctx, name, graceful); err == nil {
				return nil
			} else {
				last = err
			}
		}
	}
	return last
}

func mapValues(m map[string]ConnProvider) []ConnProvider {
	out := make([]ConnProvider, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
