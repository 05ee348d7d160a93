package sched

import (
	"context"
	"sync"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
)

// Common is what every instance takes from its ConfigureRequest.
type Common struct {
	// Name is the scheduler's name (the block's second label).
	Name string
	// Builders are the builders it feeds.
	Builders []string
	// Properties are its own properties (source "Scheduler", with
	// scheduler=<name>).
	Properties map[string]base.Property
	// Host is the master.
	Host base.Host
	// Log logs under the instance's name.
	Log hclog.Logger
}

// CommonOf extracts the common part of a ConfigureRequest.
func CommonOf(req base.ConfigureRequest) Common {
	log := req.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return Common{Name: req.Ref.Name, Builders: append([]string(nil), req.Common.Builders...),
		Properties: SchedulerProperties(req.Ref.Name, req.Common.Properties), Host: req.Host, Log: log}
}

// Workers owns an instance's goroutines: Start runs them under a context
// that Stop cancels, and Stop returns once every one has returned.
type Workers struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Running reports whether Start was called without a Stop since.
func (w *Workers) Running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cancel != nil
}

// Start runs each fn in its own goroutine with a context cancelled by Stop.
// It does nothing when already running.
func (w *Workers) Start(fns ...func(ctx context.Context)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.ctx, w.cancel = ctx, cancel
	for _, fn := range fns {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			fn(ctx)
		}()
	}
}

// Go runs fn in another goroutine of the same set, under the same
// context; it does nothing once Stop has begun. fn is for work that starts
// while the instance runs (a timer's wait).
func (w *Workers) Go(fn func(ctx context.Context)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel == nil {
		return
	}
	w.wg.Add(1)
	ctx := w.ctx
	go func() {
		defer w.wg.Done()
		fn(ctx)
	}()
}

// Stop cancels the goroutines and returns once they all have returned;
// they wait on nothing but their context, so this is prompt.
func (w *Workers) Stop() {
	w.mu.Lock()
	cancel := w.cancel
	w.cancel = nil
	w.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	w.wg.Wait()
}
