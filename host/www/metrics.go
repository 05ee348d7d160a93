package www

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the web server's own collectors, registered on the registry
// /metrics serves.
type metrics struct {
	requests *prometheus.CounterVec
	streams  *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bbhost", Subsystem: "www", Name: "requests_total",
			Help: "HTTP requests answered by the web server, by handler and status code.",
		}, []string{"handler", "code"}),
		streams: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "bbhost", Subsystem: "www", Name: "event_streams",
			Help: "Open event streams, by protocol (ws, sse).",
		}, []string{"protocol"}),
	}
	if reg != nil {
		m.requests = registerOrReuse(reg, m.requests)
		m.streams = registerOrReuse(reg, m.streams)
	}
	return m
}

// registerOrReuse registers c, or returns the collector already registered
// under its name (a second server on the same registry shares it).
func registerOrReuse[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}

func (m *metrics) request(handler string, code int) {
	m.requests.WithLabelValues(handler, strconv.Itoa(code)).Inc()
}

func (m *metrics) stream(protocol string, delta float64) {
	m.streams.WithLabelValues(protocol).Add(delta)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.reg == nil {
		writeRESTError(w, r, http.StatusNotFound, "not found")
		return
	}
	s.promh.ServeHTTP(w, r)
}
