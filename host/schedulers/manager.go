// Package schedulers owns the SchedulerManager (service
// "scheduler_manager", Buildbot's schedulers/manager.py): it runs the
// configured schedulers, each an instance of a plugin (host/plugins),
// claimed so that exactly one master runs it, reconfigures them as a diff,
// lists the force schedulers for /api/v2/forceschedulers and routes the
// `force` control and trigger steps to schedulers by name.
package schedulers

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// ServiceName is the SchedulerManager's name in the service tree.
const ServiceName = "scheduler_manager"

// Errors of Force and Trigger.
var (
	// ErrUnknownScheduler: no scheduler has that name.
	ErrUnknownScheduler = errors.New("no such scheduler")
	// ErrNotHere: another master runs the scheduler.
	ErrNotHere = errors.New("the scheduler runs on another master")
	// ErrNotForce / ErrNotTriggerable: the scheduler cannot be forced or
	// triggered.
	ErrNotForce       = errors.New("not a force scheduler")
	ErrNotTriggerable = errors.New("not a triggerable scheduler")
)

// SchedulerManager runs the scheduler instances.
type SchedulerManager struct {
	*service.NamedManager[*config.Config, plugins.InstanceConfig]
}

var (
	_ service.Reconfigurable[*config.Config] = (*SchedulerManager)(nil)
	_ data.ForceSchedulerSource              = (*SchedulerManager)(nil)
)

// New returns a stopped SchedulerManager running schedulers on h.
func New(h *plugins.Host) *SchedulerManager {
	return &SchedulerManager{NamedManager: service.NewNamedManager(service.ManagerOptions[*config.Config, plugins.InstanceConfig]{
		Name:  ServiceName,
		New:   h.NewService,
		Equal: plugins.InstanceConfig.Equal,
		Select: func(cfg *config.Config) []service.Item[plugins.InstanceConfig] {
			return h.Items(cfg, config.TypeScheduler)
		},
	})}
}

// Scheduler returns the instance service of the scheduler name.
func (m *SchedulerManager) Scheduler(name string) (*plugins.InstanceService, bool) {
	s, ok := m.Get(name).(*plugins.InstanceService)
	return s, ok && s != nil
}

func (m *SchedulerManager) running(name string, capability string, notErr error) (scheduler.Instance, error) {
	s, ok := m.Scheduler(name)
	if !ok {
		return nil, fmt.Errorf("scheduler %q: %w", name, ErrUnknownScheduler)
	}
	if !s.Active() {
		return nil, fmt.Errorf("scheduler %q: %w", name, ErrNotHere)
	}
	if ci, ok := s.Instance().Component(); ok && !ci.Has(capability) {
		return nil, fmt.Errorf("scheduler %q: %w", name, notErr)
	}
	return s.Instance().Scheduler()
}

// ForceSchedulers lists the force schedulers this master runs, in name
// order, for /api/v2/forceschedulers.
func (m *SchedulerManager) ForceSchedulers(ctx context.Context) ([]data.ForceScheduler, error) {
	names := m.Names()
	sort.Strings(names)
	var out []data.ForceScheduler
	for _, n := range names {
		s, err := m.running(n, "force", ErrNotForce)
		if err != nil {
			continue
		}
		spec, err := s.ForceSpec(ctx)
		if err != nil {
			if errors.Is(err, base.ErrUnsupported) {
				continue
			}
			return nil, fmt.Errorf("force scheduler %q: %w", n, err)
		}
		label := spec.Label
		if label == "" {
			label = n
		}
		button := spec.ButtonName
		if button == "" {
			button = n
		}
		out = append(out, data.ForceScheduler{Name: n, ButtonName: button, Label: label, BuilderNames: spec.BuilderNames,
			Enabled: true, AllFields: spec.AllFields})
	}
	return out, nil
}

// Force forces the scheduler name. Invalid form values come back as a
// *scheduler.ValidationError (JSON-RPC invalid_params).
func (m *SchedulerManager) Force(ctx context.Context, name string, req scheduler.ForceRequest) (base.BuildsetResult, error) {
	s, err := m.running(name, "force", ErrNotForce)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	return s.Force(ctx, req)
}

// ForceParams forces the scheduler name with the JSON-RPC `force` call's
// parameters (Buildbot's ForceScheduler.force kwargs): owner is the
// authenticated user ("" for anonymous: the plugin then takes the form's
// username field, with its checks), builderNames selects builders, reason
// and every other field go to the plugin, which owns the form.
func (m *SchedulerManager) ForceParams(ctx context.Context, name, owner string, params map[string]any) (base.BuildsetResult, error) {
	req := scheduler.ForceRequest{Owner: owner, Fields: params}
	if r, ok := params["reason"].(string); ok {
		req.Reason = r
	}
	switch b := params["builderNames"].(type) {
	case []string:
		req.BuilderNames = b
	case []any:
		for _, x := range b {
			if s, ok := x.(string); ok {
				req.BuilderNames = append(req.BuilderNames, s)
			}
		}
	}
	return m.Force(ctx, name, req)
}

// Trigger triggers the scheduler name (the trigger step).
func (m *SchedulerManager) Trigger(ctx context.Context, name string, req scheduler.TriggerRequest) (base.BuildsetResult, error) {
	s, err := m.running(name, "trigger", ErrNotTriggerable)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	return s.Trigger(ctx, req)
}
