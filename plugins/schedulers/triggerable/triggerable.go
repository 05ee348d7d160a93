// Package triggerable is the `triggerable` scheduler kind, Buildbot's
// Triggerable: buildsets started by a build's trigger step. The master
// waits for their results through buildset events; the scheduler only
// creates them.
package triggerable

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// Kind is the block label of the kind.
const Kind = "triggerable"

// Config is the `scheduler "triggerable" "<name>"` block.
type Config struct {
	Reason    *string `hcl:"reason,optional" doc:"the buildset's reason when the trigger gives no properties (default \"The Triggerable scheduler named '<name>' triggered this build\")"`
	Codebases any     `hcl:"codebases,optional" doc:"the codebases: a list of names, or an object of names to {repository, branch, revision} defaults (default [\"\"])"`
}

// Validate checks the configuration (base.Validator).
func (c *Config) Validate() base.Diagnostics {
	_, diags := sched.ParseCodebases("codebases", c.Codebases)
	return diags
}

// Component registers the kind.
func Component() scheduler.Component {
	return scheduler.Component{Kind: Kind, Config: &Config{},
		Docs: "Buildbot's Triggerable scheduler: buildsets started by trigger steps.",
		New:  func() scheduler.Scheduler { return New() }}
}

// Triggerable is one triggerable scheduler instance.
type Triggerable struct {
	mu        sync.RWMutex
	common    sched.Common
	reason    *string
	codebases sched.Codebases
}

var (
	_ scheduler.Scheduler = (*Triggerable)(nil)
	_ scheduler.Triggerer = (*Triggerable)(nil)
)

// New returns an unconfigured triggerable scheduler.
func New() *Triggerable { return &Triggerable{} }

// Configure takes the configuration; it applies at once (no running state).
func (s *Triggerable) Configure(ctx context.Context, req base.ConfigureRequest) error {
	var cfg Config
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	cbs, diags := sched.ParseCodebases("codebases", cfg.Codebases)
	if diags.HasErrors() {
		return diags.Err()
	}
	s.mu.Lock()
	s.common, s.reason, s.codebases = sched.CommonOf(req), cfg.Reason, cbs
	s.mu.Unlock()
	return nil
}

// Start does nothing: the scheduler only answers trigger calls.
func (s *Triggerable) Start(ctx context.Context) error { return nil }

// Stop does nothing.
func (s *Triggerable) Stop(ctx context.Context, drainDeadline time.Time) error { return nil }

// Trigger adds the buildset (Triggerable.trigger): the scheduler's
// properties and the trigger's, the trigger's source stamps laid over the
// codebases' defaults. The reason is the trigger's `reason` property when
// the trigger gives properties, else the configured reason, else the
// default.
func (s *Triggerable) Trigger(ctx context.Context, req scheduler.TriggerRequest) (base.BuildsetResult, error) {
	s.mu.RLock()
	c, reason, cbs := s.common, s.reason, s.codebases
	s.mu.RUnlock()
	if c.Host == nil {
		return base.BuildsetResult{}, fmt.Errorf("triggerable scheduler is not configured")
	}
	var text *string
	if len(req.Properties) > 0 {
		if p, ok := req.Properties["reason"]; ok && p.Value != nil {
			r := pyfmt.Str(p.Value)
			text = &r
		}
	} else {
		text = reason
	}
	if text == nil {
		r := fmt.Sprintf("The Triggerable scheduler named '%s' triggered this build", c.Name)
		text = &r
	}
	given := make([]sched.GivenStamp, len(req.SourceStamps))
	for i, ss := range req.SourceStamps {
		given[i] = sched.GivenStamp{Stamp: ss}
	}
	spec := base.BuildsetSpec{
		Reason:             *text,
		BuilderNames:       c.Builders,
		SourceStamps:       sched.StampsWithDefaults(cbs, nil, given),
		Properties:         sched.Overlay(req.Properties, c.Properties),
		WaitedFor:          req.WaitedFor,
		ParentBuildID:      req.ParentBuildID,
		ParentRelationship: req.ParentRelationship,
	}
	res, err := c.Host.AddBuildset(ctx, spec)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("trigger %s: add buildset: %w", c.Name, err)
	}
	return res, nil
}
