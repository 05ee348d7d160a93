// Package metrics owns the master's metrics: the Prometheus registry served
// at /metrics (Go runtime and process collectors plus whatever the other
// services register) and Buildbot's MetricLogObserver, which logs a summary
// line every `metrics { log_interval }`.
package metrics

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Observer is the `metrics` service.
type Observer struct {
	log      hclog.Logger
	registry *prometheus.Registry

	mu       sync.Mutex
	interval time.Duration
	cancel   context.CancelFunc
	done     chan struct{}
}

// New returns an Observer with a fresh registry holding the Go and process
// collectors.
func New(log hclog.Logger) *Observer {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Observer{log: log.Named("metrics"), registry: reg}
}

// Registry is where services register their collectors.
func (o *Observer) Registry() *prometheus.Registry { return o.registry }

func (o *Observer) Name() string { return "metrics" }

func (o *Observer) Start(context.Context) error { return nil }

func (o *Observer) Stop(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stopLocked()
	return nil
}

func (o *Observer) stopLocked() {
	if o.cancel != nil {
		o.cancel()
		<-o.done
		o.cancel, o.done = nil, nil
	}
}

// Reconfigure restarts the periodic log line when its interval changed.
func (o *Observer) Reconfigure(_ context.Context, cfg *config.Config) (service.Commit, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	iv := cfg.Metrics.LogInterval
	if iv == o.interval && (iv == 0 || o.cancel != nil) {
		return service.NoCommit, nil
	}
	o.stopLocked()
	o.interval = iv
	if iv > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		o.cancel, o.done = cancel, make(chan struct{})
		go o.loop(ctx, iv, o.done)
	}
	return service.NoCommit, nil
}

func (o *Observer) loop(ctx context.Context, iv time.Duration, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.logOnce()
		}
	}
}

func (o *Observer) logOnce() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	o.log.Info("metrics", "goroutines", runtime.NumGoroutine(), "heap_alloc_mb", ms.HeapAlloc>>20,
		"sys_mb", ms.Sys>>20, "gc_cycles", ms.NumGC)
}

var _ service.Reconfigurable[*config.Config] = (*Observer)(nil)
