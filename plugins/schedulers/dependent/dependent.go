// Package dependent is the `dependent` scheduler kind, Buildbot's
// Dependent: when a buildset of the upstream scheduler completes with
// SUCCESS or WARNINGS, it starts a buildset on the same source stamps. The
// upstream buildsets it waits for are kept in its state (upstream_bsids).
package dependent

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// Kind is the block label of the kind.
const Kind = "dependent"

// className is the state object's class, as Buildbot names Dependent's.
const className = "buildbot.schedulers.dependent.Dependent"

// stateUpstream is the state value of the tracked upstream buildsets.
const stateUpstream = "upstream_bsids"

// Result codes that let the downstream build start.
const (
	resultSuccess  = 0
	resultWarnings = 1
)

// Config is the `scheduler "dependent" "<name>"` block.
type Config struct {
	Upstream string `hcl:"upstream" doc:"the name of the upstream scheduler"`
}

// Options adjust the kind for tests.
type Options struct {
	// Clock paces retries (default the wall clock).
	Clock clock.Clock
}

// Component registers the kind.
func Component(opts Options) scheduler.Component {
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return scheduler.Component{Kind: Kind, Config: &Config{},
		Docs: "Buildbot's Dependent scheduler: builds what an upstream scheduler's buildsets built, once they succeed.",
		New:  func() scheduler.Scheduler { return &Dependent{clk: clk} }}
}

// Dependent is one dependent scheduler instance.
type Dependent struct {
	clk     clock.Clock
	workers sched.Workers

	mu       sync.Mutex
	upstream string
	common   sched.Common
	obj      base.Object
	bsids    sched.Var[[]int64]
}

var _ scheduler.Scheduler = (*Dependent)(nil)

// Configure takes the configuration; a running instance whose upstream or
// builders changed must be restarted.
func (d *Dependent) Configure(ctx context.Context, req base.ConfigureRequest) error {
	var cfg Config
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	if cfg.Upstream == "" {
		return base.Diagnostics{base.AttrError("upstream", "Missing upstream", "name the upstream scheduler")}.Err()
	}
	if cfg.Upstream == req.Ref.Name {
		return base.Diagnostics{base.AttrError("upstream", "Invalid upstream", "a scheduler cannot depend on itself")}.Err()
	}
	c := sched.CommonOf(req)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.workers.Running() && (cfg.Upstream != d.upstream || !reflect.DeepEqual(c.Builders, d.common.Builders) ||
		!reflect.DeepEqual(c.Properties, d.common.Properties)) {
		return base.ErrRestartRequired
	}
	d.upstream, d.common = cfg.Upstream, c
	return nil
}

// Start loads the tracked buildsets and follows buildset events; tracked
// buildsets that completed meanwhile are handled first.
func (d *Dependent) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.common.Host == nil {
		return fmt.Errorf("dependent: not configured")
	}
	obj, err := base.LoadObject(ctx, d.common.Host, d.common.Name, className)
	if err != nil {
		return err
	}
	d.obj, d.bsids = obj, sched.Var[[]int64]{Name: stateUpstream}
	if err := d.bsids.Load(ctx, obj); err != nil {
		return err
	}
	d.workers.Start(d.run)
	return nil
}

// Stop stops following buildsets.
func (d *Dependent) Stop(ctx context.Context, drainDeadline time.Time) error {
	d.workers.Stop()
	return nil
}

// Retry pauses after a failure.
const (
	firstRetry = time.Second
	maxRetry   = time.Minute
)

func (d *Dependent) run(ctx context.Context) {
	pause := firstRetry
	for ctx.Err() == nil {
		err := d.follow(ctx)
		if ctx.Err() != nil || errors.Is(err, base.ErrStale) {
			return
		}
		d.common.Log.Warn("following buildsets failed; retrying", "error", err, "retry_in", pause)
		t := d.clk.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		pause = min(2*pause, maxRetry)
	}
}

func (d *Dependent) follow(ctx context.Context) error {
	sub, err := d.common.Host.Subscribe(ctx, base.SubscribeRequest{Buildsets: true})
	if err != nil {
		return fmt.Errorf("subscribe to buildsets: %w", err)
	}
	defer func() { _ = sub.Close() }()
	// Subscribed first, so nothing completes unseen between the check and
	// the events.
	if err := d.checkCompleted(ctx, nil); err != nil {
		return err
	}
	for {
		ev, err := sub.Recv()
		if err != nil {
			return fmt.Errorf("receive buildsets: %w", err)
		}
		if ev.Buildset == nil {
			continue
		}
		switch ev.Kind {
		case base.EventBuildsetNew:
			if ev.Buildset.Scheduler == d.upstream {
				if err := d.track(ctx, ev.Buildset.BSID); err != nil {
					return err
				}
			}
		case base.EventBuildsetComplete:
			bs := *ev.Buildset
			if err := d.checkCompleted(ctx, &bs); err != nil {
				return err
			}
		}
	}
}

// track records an upstream buildset (_addUpstreamBuildset).
func (d *Dependent) track(ctx context.Context, bsid int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.Contains(d.bsids.Value, bsid) {
		return nil
	}
	return d.bsids.Set(ctx, d.obj, append(slices.Clone(d.bsids.Value), bsid))
}

// checkCompleted handles the tracked buildsets that completed
// (_checkCompletedBuildsets); done, when set, is the buildset an event
// just reported complete. Each one leaves the tracked list in the same
// call that starts its downstream buildset.
func (d *Dependent) checkCompleted(ctx context.Context, done *base.Buildset) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, bsid := range slices.Clone(d.bsids.Value) {
		var bs base.Buildset
		if done != nil && done.BSID == bsid {
			bs = *done
		} else {
			got, ok, err := d.common.Host.GetBuildset(ctx, bsid)
			if err != nil {
				return fmt.Errorf("get buildset %d: %w", bsid, err)
			}
			if !ok {
				if err := d.untrackLocked(ctx, bsid, nil); err != nil {
					return err
				}
				continue
			}
			bs = got
		}
		if !bs.Complete {
			continue
		}
		var spec *base.BuildsetSpec
		if bs.Results != nil && (*bs.Results == resultSuccess || *bs.Results == resultWarnings) {
			spec = &base.BuildsetSpec{Reason: "downstream", BuilderNames: d.common.Builders,
				SourceStamps: slices.Clone(bs.SourceStamps), Properties: sched.Overlay(d.common.Properties)}
		}
		if err := d.untrackLocked(ctx, bsid, spec); err != nil {
			return err
		}
	}
	return nil
}

// untrackLocked drops bsid from the tracked list, adding spec's buildset
// in the same call when given.
func (d *Dependent) untrackLocked(ctx context.Context, bsid int64, spec *base.BuildsetSpec) error {
	rest := slices.DeleteFunc(slices.Clone(d.bsids.Value), func(x int64) bool { return x == bsid })
	var w sched.Writes
	if err := sched.Add(&w, d.obj, &d.bsids, rest); err != nil {
		return err
	}
	if spec == nil {
		return w.Apply(ctx, d.common.Host)
	}
	res, err := d.common.Host.AddBuildset(ctx, *spec, w.List()...)
	if err != nil {
		return fmt.Errorf("add downstream buildset of %d: %w", bsid, err)
	}
	w.Commit(res.StateVersions)
	return nil
}
