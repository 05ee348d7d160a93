package timed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// State value names, as Buildbot's Timed schedulers keep them.
const (
	stateLastBuild         = "last_build"
	stateLastOnlyIfChanged = "last_only_if_changed"
)

// decodeFunc decodes a configuration into its struct (kept to compare
// configurations), the common options and the schedule.
type decodeFunc func(req base.ConfigureRequest) (cfg any, o options, s schedule, err error)

// Timed is a timed scheduler instance (Buildbot's Timed): it starts a
// buildset at each time its schedule gives.
type Timed struct {
	clk       clock.Clock
	loc       *time.Location
	className string
	decode    decodeFunc
	workers   sched.Workers

	mu       sync.Mutex
	cfg      any
	common   sched.Common
	opts     options
	schedule schedule
	reason   string

	obj               base.Object
	lastBuild         sched.Var[*float64]
	lastOnlyIfChanged sched.Var[bool]
	lastCodebases     sched.Var[sched.LastCodebases]
	changes           sched.Var[changes.State]
	// cursor is the last change looked at; it runs ahead of the stored one
	// over changes the scheduler ignores.
	cursor int64
	// fresh is set when no change state exists yet: changes from before
	// the scheduler are skipped, as Buildbot only sees new ones.
	fresh bool
}

var _ scheduler.Scheduler = (*Timed)(nil)

func newTimed(opts Options, className string, decode decodeFunc) *Timed {
	return &Timed{clk: opts.clock(), loc: opts.location(), className: className, decode: decode}
}

// Configure takes the configuration. A running scheduler whose
// configuration changed must be restarted (Buildbot replaces it).
func (t *Timed) Configure(ctx context.Context, req base.ConfigureRequest) error {
	cfg, o, s, err := t.decode(req)
	if err != nil {
		return err
	}
	c := sched.CommonOf(req)
	reason, err := pyfmt.Format(o.reason, map[string]any{"name": c.Name})
	if err != nil {
		return base.Diagnostics{base.AttrError("reason", "Invalid reason", err.Error())}.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.workers.Running() && (!reflect.DeepEqual(cfg, t.cfg) || !sameCommon(c, t.common)) {
		return base.ErrRestartRequired
	}
	t.cfg, t.common, t.opts, t.schedule, t.reason = cfg, c, o, s, reason
	return nil
}

func sameCommon(a, b sched.Common) bool {
	return a.Name == b.Name && reflect.DeepEqual(a.Builders, b.Builders) && reflect.DeepEqual(a.Properties, b.Properties)
}

// Start loads the state and starts the timer (and the change follower
// when only_if_changed or create_absolute_source_stamps needs changes).
func (t *Timed) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.common.Host == nil {
		return fmt.Errorf("%s: not configured", t.className)
	}
	if err := t.loadLocked(ctx); err != nil {
		return err
	}
	follow := t.opts.onlyIfChanged || t.opts.absolute
	if !follow && len(t.changes.Value.Classified) > 0 {
		// flushChangeClassifications: nothing will use them.
		if err := t.changes.Set(ctx, t.obj, changes.State{Cursor: t.changes.Value.Cursor}); err != nil {
			return err
		}
	}
	fns := []func(context.Context){t.runTimer}
	if follow {
		fns = append(fns, func(ctx context.Context) {
			changes.Follow(ctx, t.common.Host, t.clk, t.common.Log, (*follower)(t))
		})
	}
	t.workers.Start(fns...)
	return nil
}

func (t *Timed) loadLocked(ctx context.Context) error {
	obj, err := base.LoadObject(ctx, t.common.Host, t.common.Name, t.className)
	if err != nil {
		return err
	}
	t.obj = obj
	t.lastBuild = sched.Var[*float64]{Name: stateLastBuild}
	t.lastOnlyIfChanged = sched.Var[bool]{Name: stateLastOnlyIfChanged}
	t.lastCodebases = sched.Var[sched.LastCodebases]{Name: sched.StateLastCodebases}
	t.changes = sched.Var[changes.State]{Name: changes.StateName}
	for _, load := range []func(context.Context, base.Object) error{t.lastBuild.Load, t.lastOnlyIfChanged.Load, t.lastCodebases.Load, t.changes.Load} {
		if err := load(ctx, obj); err != nil {
			return err
		}
	}
	t.cursor = t.changes.Value.Cursor
	t.fresh = t.changes.Version == 0
	return nil
}

// Stop stops the timer and the follower; an actuation under way finishes
// first.
func (t *Timed) Stop(ctx context.Context, drainDeadline time.Time) error {
	t.workers.Stop()
	return nil
}

// Retry pauses after a failed actuation.
const (
	firstRetry = 5 * time.Second
	maxRetry   = 5 * time.Minute
)

// runTimer waits for each build time and actuates.
func (t *Timed) runTimer(ctx context.Context) {
	pause := firstRetry
	for {
		t.mu.Lock()
		var last *time.Time
		if t.lastBuild.Value != nil {
			lt := fromEpoch(*t.lastBuild.Value, t.loc)
			last = &lt
		}
		now := t.clk.Now().In(t.loc)
		at, ok := t.schedule.next(last, now)
		t.mu.Unlock()
		if !ok {
			<-ctx.Done()
			return
		}
		if at.Before(now) {
			at = now // a time missed (the master was down) fires once, now
		}
		if !t.sleep(ctx, at.Sub(now)) {
			return
		}
		for {
			err := t.actuate(ctx, at)
			if err == nil || ctx.Err() != nil || errors.Is(err, base.ErrStale) {
				break
			}
			if errors.Is(err, base.ErrStateConflict) {
				// Another instance wrote the state: take it as it is now.
				t.common.Log.Warn("state changed under the scheduler; reloading", "error", err)
				t.mu.Lock()
				err = t.loadLocked(ctx)
				t.mu.Unlock()
				if err == nil {
					break
				}
			}
			t.common.Log.Error("starting a build failed; retrying", "error", err, "retry_in", pause)
			if !t.sleep(ctx, pause) {
				return
			}
			pause = min(2*pause, maxRetry)
		}
		if ctx.Err() != nil {
			return
		}
		pause = firstRetry
	}
}

// sleep waits d on the clock; false when ctx ended first.
func (t *Timed) sleep(ctx context.Context, d time.Duration) bool {
	timer := t.clk.NewTimer(d)
	select {
	case <-ctx.Done():
		timer.Stop()
		return false
	case <-timer.C():
		return true
	}
}

// actuate records the build time and starts the build (Timed._actuate and
// startBuild): last_build is written with the buildset, in one call.
func (t *Timed) actuate(ctx context.Context, at time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	epoch := toEpoch(at)
	var w sched.Writes
	if err := sched.Add(&w, t.obj, &t.lastBuild, &epoch); err != nil {
		return err
	}
	cs := t.changes.Value
	if t.lastOnlyIfChanged.Value && t.opts.onlyIfChanged && !cs.AnyImportant() {
		t.common.Log.Info(fmt.Sprintf("%s scheduler <%s>: skipping build - No important changes", t.className, t.common.Name))
		return w.Apply(ctx, t.common.Host)
	}
	if t.lastOnlyIfChanged.Value != t.opts.onlyIfChanged {
		if err := sched.Add(&w, t.obj, &t.lastOnlyIfChanged, t.opts.onlyIfChanged); err != nil {
			return err
		}
	}
	spec := base.BuildsetSpec{Reason: t.reason, BuilderNames: t.common.Builders}
	if ids := cs.IDs(); len(ids) > 0 {
		var chs []base.Change
		for _, id := range ids {
			ch, ok, err := t.common.Host.GetChange(ctx, id)
			if err != nil {
				return fmt.Errorf("get change %d: %w", id, err)
			}
			if ok {
				chs = append(chs, ch)
			}
		}
		stamps, used := sched.StampsForChanges(t.opts.codebases, t.codebaseDefaults, chs)
		spec.SourceStamps = stamps
		spec.Properties = sched.Overlay(t.common.Properties, sched.ChangeProperties(used))
		if err := sched.Add(&w, t.obj, &t.changes, cs.Without(ids)); err != nil {
			return err
		}
	} else {
		spec.SourceStamps = sched.StampsWithDefaults(t.opts.codebases, t.codebaseDefaults, nil)
		spec.Properties = sched.Overlay(t.common.Properties)
	}
	res, err := t.common.Host.AddBuildset(ctx, spec, w.List()...)
	if err != nil {
		return fmt.Errorf("add buildset: %w", err)
	}
	w.Commit(res.StateVersions)
	return nil
}

// codebaseDefaults is getCodebaseDict: the last change seen on the
// codebase when create_absolute_source_stamps is set, else the configured
// defaults.
func (t *Timed) codebaseDefaults(cb sched.Codebase) base.SourceStamp {
	return t.lastCodebases.Value.Stamp(cb, t.opts.absolute)
}

// follower is the Timed's change handler.
type follower Timed

func (f *follower) Cursor() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cursor
}

// Handle classifies a change (Timed.gotChange) and records the last
// change per codebase for create_absolute_source_stamps.
func (f *follower) Handle(ctx context.Context, ch base.Change) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	taken, important := f.opts.rules.Classify(ch)
	if f.opts.branch != nil && (ch.Branch == nil || *ch.Branch != *f.opts.branch) {
		taken = false
	}
	if !taken || f.fresh {
		f.cursor = ch.ChangeID
		return nil
	}
	var w sched.Writes
	if f.opts.absolute {
		if m, newer := f.lastCodebases.Value.Record(ch); newer {
			if err := sched.Add(&w, f.obj, &f.lastCodebases, m); err != nil {
				return err
			}
		}
	}
	if err := sched.Add(&w, f.obj, &f.changes, f.changes.Value.At(f.cursor).With(ch.ChangeID, important)); err != nil {
		return err
	}
	if err := w.Apply(ctx, f.common.Host); err != nil {
		return err
	}
	f.cursor = ch.ChangeID
	return nil
}

// CaughtUp stores the cursor when it ran ahead over ignored changes or
// past the changes that predate the scheduler.
func (f *follower) CaughtUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.fresh && f.cursor == f.changes.Value.Cursor {
		return nil
	}
	if err := f.changes.Set(ctx, f.obj, f.changes.Value.At(f.cursor)); err != nil {
		return err
	}
	f.fresh = false
	return nil
}

func toEpoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func fromEpoch(f float64, loc *time.Location) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).In(loc)
}
