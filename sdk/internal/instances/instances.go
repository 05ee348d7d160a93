// Package instances keeps the instances a plugin process runs for one
// component type: the plugin-side half of every kind service's lifecycle
// (Configure creates or reconfigures, Start, Stop ends the instance), shared
// by the kind servers of sdk/changesource, sdk/scheduler, sdk/worker and
// sdk/usermanager.
package instances

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/hostservice"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// HostFunc returns the Host view for an instance given the broker id the
// master sent; ref is read on every call.
type HostFunc func(hostID uint32, ref func() base.Ref) (base.Host, error)

// DialerHost returns a HostFunc on a hostservice.Dialer.
func DialerHost(d *hostservice.Dialer) HostFunc {
	return func(id uint32, ref func() base.Ref) (base.Host, error) {
		c, err := d.Client(id)
		if err != nil {
			return nil, err
		}
		return c.Bind(ref), nil
	}
}

// Set holds the instances of one component type.
type Set struct {
	typ    base.ComponentType
	regs   map[string]base.Registration
	host   HostFunc
	logger hclog.Logger

	mu     sync.Mutex
	byName map[string]*Entry
}

// Entry is one live instance.
type Entry struct {
	Reg  base.Registration
	Comp base.Component
	ref  atomic.Pointer[base.Ref]
	// mu serialises the instance's lifecycle calls.
	mu      sync.Mutex
	started bool
}

// Ref returns the instance's current ref.
func (e *Entry) Ref() base.Ref { return *e.ref.Load() }

// New returns an empty set for typ serving regs (registrations of other
// types are ignored).
func New(typ base.ComponentType, regs []base.Registration, host HostFunc, logger hclog.Logger) *Set {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	s := &Set{typ: typ, regs: map[string]base.Registration{}, host: host, logger: logger, byName: map[string]*Entry{}}
	for _, r := range regs {
		if r.Info().Type == typ {
			s.regs[r.Info().Kind] = r
		}
	}
	return s
}

// Registration returns the registration of kind.
func (s *Set) Registration(kind string) (base.Registration, bool) {
	r, ok := s.regs[kind]
	return r, ok
}

func (s *Set) checkRef(r *pb.InstanceRef) (base.Ref, error) {
	if r == nil || r.Name == "" {
		return base.Ref{}, status.Error(codes.InvalidArgument, "request without an instance ref")
	}
	ref := convert.RefFromProto(r)
	if ref.Type != s.typ {
		return base.Ref{}, status.Errorf(codes.InvalidArgument, "%s sent to the %s service", ref, s.typ)
	}
	return ref, nil
}

// Configure handles a ConfigureRequest: a new name gets a new instance; a
// known one is reconfigured in place.
func (s *Set) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	ref, err := s.checkRef(req.Ref)
	if err != nil {
		return nil, err
	}
	reg, ok := s.regs[ref.Kind]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "this plugin provides no %s of kind %q", s.typ, ref.Kind)
	}
	schema := reg.Info().Schema
	val, err := convert.DynamicFromProto(req.Config, schema.ImpliedType())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", ref, err)
	}
	common, err := convert.CommonFromProto(req.Common)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: common attributes: %v", ref, err)
	}
	if diags := reg.Validate(val); diags.HasErrors() {
		return &pb.ConfigureResponse{Diagnostics: convert.DiagnosticsToProto(diags)}, nil
	}

	s.mu.Lock()
	e, exists := s.byName[ref.Name]
	if exists && e.Ref().Kind != ref.Kind {
		s.mu.Unlock()
		return &pb.ConfigureResponse{RequiresRestart: true}, nil
	}
	if !exists {
		e = &Entry{Reg: reg, Comp: reg.New()}
		r := ref
		e.ref.Store(&r)
	}
	s.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if exists && ref.Generation < e.Ref().Generation {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: generation %d is older than %d", ref, ref.Generation, e.Ref().Generation)
	}
	host, err := s.host(req.HostServiceId, e.Ref)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "%s: %v", ref, err)
	}
	creq := base.ConfigureRequest{Ref: ref, Config: val, Common: common, Host: host,
		Logger: s.logger.With("instance", ref.Name, "kind", ref.Kind)}
	if err := e.Comp.Configure(ctx, creq); err != nil {
		if errors.Is(err, base.ErrRestartRequired) {
			return &pb.ConfigureResponse{RequiresRestart: true}, nil
		}
		var de *base.DiagnosticsError
		if errors.As(err, &de) {
			return &pb.ConfigureResponse{Diagnostics: convert.DiagnosticsToProto(de.Diags)}, nil
		}
		return nil, convert.ErrorToStatus(fmt.Errorf("configure %s: %w", ref, err))
	}
	r := ref
	e.ref.Store(&r)
	if !exists {
		s.mu.Lock()
		if old, dup := s.byName[ref.Name]; dup && old != e {
			s.mu.Unlock()
			return nil, status.Errorf(codes.AlreadyExists, "%s configured twice at once", ref)
		}
		s.byName[ref.Name] = e
		s.mu.Unlock()
	}
	return &pb.ConfigureResponse{}, nil
}

// Lookup returns the live instance named by r.
func (s *Set) Lookup(r *pb.InstanceRef) (*Entry, error) {
	ref, err := s.checkRef(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.byName[ref.Name]
	s.mu.Unlock()
	if !ok || e.Ref().Kind != ref.Kind {
		return nil, status.Errorf(codes.NotFound, "%s: %v", ref, base.ErrUnknownInstance)
	}
	return e, nil
}

// Start starts a configured instance (a second Start is a no-op).
func (s *Set) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	if err := s.start(ctx, req.Ref); err != nil {
		return nil, err
	}
	return &pb.StartResponse{}, nil
}

func (s *Set) start(ctx context.Context, r *pb.InstanceRef) error {
	e, err := s.Lookup(r)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return nil
	}
	if err := e.Comp.Start(ctx); err != nil {
		return convert.ErrorToStatus(fmt.Errorf("start %s: %w", e.Ref(), err))
	}
	e.started = true
	return nil
}

// Stop stops an instance and forgets it; stopping an unknown instance is a
// no-op.
func (s *Set) Stop(ctx context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	ref, err := s.checkRef(req.Ref)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.byName[ref.Name]
	if ok && e.Ref().Kind == ref.Kind {
		delete(s.byName, ref.Name)
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return &pb.StopResponse{}, nil
	}
	if err := s.stopEntry(ctx, e, convert.DeadlineFromProto(req.DrainDeadlineUnixNano)); err != nil {
		return nil, err
	}
	return &pb.StopResponse{}, nil
}

func (s *Set) stopEntry(ctx context.Context, e *Entry, deadline time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		return nil
	}
	e.started = false
	if err := e.Comp.Stop(ctx, deadline); err != nil {
		return convert.ErrorToStatus(fmt.Errorf("stop %s: %w", e.Ref(), err))
	}
	return nil
}

// StopAll stops every instance (process shutdown).
func (s *Set) StopAll(ctx context.Context, deadline time.Time) error {
	s.mu.Lock()
	entries := make([]*Entry, 0, len(s.byName))
	for _, e := range s.byName {
		entries = append(entries, e)
	}
	s.byName = map[string]*Entry{}
	s.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	var emu sync.Mutex
	for _, e := range entries {
		wg.Add(1)
		go func(e *Entry) {
			defer wg.Done()
			if err := s.stopEntry(ctx, e, deadline); err != nil {
				emu.Lock()
				errs = append(errs, err)
				emu.Unlock()
			}
		}(e)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Names lists the live instances, sorted.
func (s *Set) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
