package plugins

import "github.com/prometheus/client_golang/prometheus"

// metrics are the Host's Prometheus collectors.
type metrics struct {
	starts   *prometheus.CounterVec
	crashes  *prometheus.CounterVec
	restarts *prometheus.CounterVec
	swaps    *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		starts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bbhost_plugin_starts_total",
			Help: "Plugin processes started, by plugin."}, []string{"plugin"}),
		crashes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bbhost_plugin_crashes_total",
			Help: "Plugin processes that exited or stopped answering unexpectedly, by plugin."}, []string{"plugin"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bbhost_plugin_restarts_total",
			Help: "Plugin processes restarted after a crash, by plugin."}, []string{"plugin"}),
		swaps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bbhost_plugin_hot_swaps_total",
			Help: "Plugin binaries replaced by a reconfiguration, by plugin."}, []string{"plugin"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.starts, m.crashes, m.restarts, m.swaps} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
