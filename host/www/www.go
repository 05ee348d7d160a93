// Package www owns the master's web server, after Buildbot's www/: the REST
// API (/api/v2 and /api/latest, GET through the data API, JSON-RPC 2.0 POST
// for controls), the event streams (/ws in Buildbot's websocket protocol,
// /sse), Prometheus metrics (/metrics), and the mount points where other
// services add their handlers (change hooks, the web UI).
//
// The server is a service of the master's tree: Start binds the `www`
// block's listen address, Reconfigure moves it (binding the new address
// before the old one is closed, so a failed bind changes nothing), Stop ends
// every request and event stream.
package www

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/service"
)

// Options configures New.
type Options struct {
	// Data answers /api/v2 reads and controls.
	Data *data.API
	// MQ feeds /ws and /sse.
	MQ mq.MQ
	// Registry is served on /metrics; nil disables /metrics. The server adds
	// its own collectors to it.
	Registry *prometheus.Registry
	Logger   hclog.Logger
	// Config is the initial configuration (the `www` block and the master
	// URL); nil means no listener until Reconfigure.
	Config *config.Config
	// EventQueueLimit bounds the events waiting for one /ws or /sse client;
	// a client that falls further behind is disconnected. Default 10000.
	EventQueueLimit int
}

// Server is the web server service.
type Server struct {
	data  *data.API
	mq    mq.MQ
	log   hclog.Logger
	reg   *prometheus.Registry
	limit int
	m     *metrics
	promh http.Handler

	settings atomic.Pointer[settings]
	mounts   atomic.Pointer[[]mount]
	mountMu  sync.Mutex
	sse      sseRegistry

	mu        sync.Mutex
	running   bool
	srv       *http.Server
	listeners []*listener
	current   *listener
	ctx       context.Context
	cancel    context.CancelFunc
	streams   sync.WaitGroup // websocket connections and their writers
}

// settings are the parts of the configuration requests read.
type settings struct {
	listen  string
	baseURL string // the master URL, ending with "/"
	origins *originMatcher
}

type listener struct {
	addr string // as configured
	ln   net.Listener
	done chan struct{}
}

type mount struct {
	prefix string
	h      http.Handler
}

var _ service.Service = (*Server)(nil)
var _ service.Reconfigurable[*config.Config] = (*Server)(nil)

// New builds a stopped server.
func New(o Options) *Server {
	s := &Server{data: o.Data, mq: o.MQ, log: o.Logger, reg: o.Registry, limit: o.EventQueueLimit}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.limit <= 0 {
		s.limit = 10000
	}
	s.m = newMetrics(o.Registry)
	if o.Registry != nil {
		s.promh = promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{ErrorLog: s.log.StandardLogger(nil)})
	}
	s.settings.Store(newSettings(o.Config))
	s.mounts.Store(&[]mount{})
	s.sse.consumers = map[string]*sseConsumer{}
	return s
}

func newSettings(cfg *config.Config) *settings {
	st := &settings{baseURL: "http://localhost:8010/"}
	var allowed []string
	if cfg != nil {
		st.listen = cfg.WWW.Listen
		if cfg.Master.URL != "" {
			st.baseURL = cfg.Master.URL
		}
		allowed = cfg.WWW.AllowedOrigins
	}
	if !strings.HasSuffix(st.baseURL, "/") {
		st.baseURL += "/"
	}
	st.origins = newOriginMatcher(allowed, st.baseURL)
	return st
}

// Name is the service name.
func (s *Server) Name() string { return "www" }

// Start binds the configured address (if any) and serves.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return errors.New("www: already started")
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          s.log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	if addr := s.settings.Load().listen; addr != "" {
		l, err := s.bind(addr)
		if err != nil {
			s.cancel()
			return err
		}
		s.current = l
	}
	s.running = true
	return nil
}

// bind listens on addr and serves it; s.mu is held.
func (s *Server) bind(addr string) (*listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("www: listen on %s: %w", addr, err)
	}
	l := &listener{addr: addr, ln: ln, done: make(chan struct{})}
	s.listeners = append(s.listeners, l)
	srv := s.srv
	go func() {
		defer close(l.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("web server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	s.log.Info("web server listening", "addr", ln.Addr().String())
	return l, nil
}

// closeListener stops accepting on l; s.mu is held.
func (s *Server) closeListener(l *listener) {
	_ = l.ln.Close()
	<-l.done
	for i, x := range s.listeners {
		if x == l {
			s.listeners = append(s.listeners[:i], s.listeners[i+1:]...)
			break
		}
	}
}

// Addr returns the address the server listens on ("" when it does not), so
// that tests can listen on 127.0.0.1:0.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return ""
	}
	return s.current.ln.Addr().String()
}

// Reconfigure applies a new configuration: origins and the master URL at
// once; a changed listen address is bound before anything changes (a failed
// bind is an error and leaves the server as it was), and the old listener is
// closed by the returned Commit. Reconfiguring back to the previous address
// before the Commit reuses its still-open listener.
func (s *Server) Reconfigure(ctx context.Context, cfg *config.Config) (service.Commit, error) {
	st := newSettings(cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		s.settings.Store(st)
		return service.NoCommit, nil
	}
	var cur *listener
	if st.listen != "" {
		for _, l := range s.listeners {
			if l.addr == st.listen {
				cur = l
				break
			}
		}
		if cur == nil {
			l, err := s.bind(st.listen)
			if err != nil {
				return nil, err
			}
			cur = l
		}
	}
	s.settings.Store(st)
	s.current = cur
	superseded := make([]*listener, 0, len(s.listeners))
	for _, l := range s.listeners {
		if l != cur {
			superseded = append(superseded, l)
		}
	}
	return func(context.Context) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, l := range superseded {
			if l != s.current && s.has(l) {
				s.closeListener(l)
			}
		}
	}, nil
}

func (s *Server) has(l *listener) bool {
	for _, x := range s.listeners {
		if x == l {
			return true
		}
	}
	return false
}

// Stop closes the listeners, ends the event streams and waits for requests
// in flight (until ctx ends).
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil
	}
	s.running = false
	s.cancel()
	for len(s.listeners) > 0 {
		s.closeListener(s.listeners[0])
	}
	s.current = nil
	err := s.srv.Shutdown(ctx)
	s.streams.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("www: shutdown: %w", err)
	}
	return nil
}

// Mount serves every path under prefix ("/change_hook/", or "/" for the web
// UI) with h. The longest mounted prefix wins; the API, /ws, /sse and
// /metrics cannot be mounted over.
func (s *Server) Mount(prefix string, h http.Handler) error {
	if !strings.HasPrefix(prefix, "/") || h == nil {
		return fmt.Errorf("www: mount %q: prefix must start with / and the handler must be set", prefix)
	}
	for _, r := range []string{"/api", "/ws", "/sse", "/metrics"} {
		if prefix == r || strings.HasPrefix(prefix, r+"/") {
			return fmt.Errorf("www: mount %q: %s is served by the web server itself", prefix, r)
		}
	}
	s.mountMu.Lock()
	defer s.mountMu.Unlock()
	cur := *s.mounts.Load()
	for _, m := range cur {
		if m.prefix == prefix {
			return fmt.Errorf("www: %q is already mounted", prefix)
		}
	}
	next := append(append([]mount(nil), cur...), mount{prefix: prefix, h: h})
	sort.SliceStable(next, func(i, j int) bool { return len(next[i].prefix) > len(next[j].prefix) })
	s.mounts.Store(&next)
	return nil
}

// mounted finds the handler for path.
func (s *Server) mounted(path string) http.Handler {
	for _, m := range *s.mounts.Load() {
		base := strings.TrimSuffix(m.prefix, "/")
		if base == "" || path == base || strings.HasPrefix(path, base+"/") {
			return m.h
		}
	}
	return nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/api" || strings.HasPrefix(path, "/api/"):
		s.serveAPI(w, r)
	case path == "/ws":
		s.serveWS(w, r)
	case path == "/sse" || strings.HasPrefix(path, "/sse/"):
		s.serveSSE(w, r)
	case path == "/metrics":
		s.serveMetrics(w, r)
	default:
		if h := s.mounted(path); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		s.m.request("other", http.StatusNotFound)
		writeRESTError(w, r, http.StatusNotFound, "not found")
	}
}
