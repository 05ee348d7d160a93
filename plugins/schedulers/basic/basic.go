package basic

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// timerKey names a tree-stable timer: "only" for SingleBranchScheduler,
// the change's (codebase, project, repository, branch) for
// AnyBranchScheduler.
type timerKey struct {
	codebase, project, repository string
	branch                        string
	noBranch                      bool
}

// stableTimer is one running tree-stable timer.
type stableTimer struct {
	timer  clock.Timer
	cancel chan struct{}
}

type decodeFunc func(req base.ConfigureRequest) (cfg any, o options, err error)

// Basic is a single_branch or any_branch scheduler instance.
type Basic struct {
	clk     clock.Clock
	decode  decodeFunc
	workers sched.Workers

	mu     sync.Mutex
	cfg    any
	common sched.Common
	opts   options
	reason string

	obj           base.Object
	changes       sched.Var[changes.State]
	lastCodebases sched.Var[sched.LastCodebases]
	cursor        int64
	fresh         bool
	timers        map[timerKey]*stableTimer
}

var _ scheduler.Scheduler = (*Basic)(nil)

func newBasic(opts Options, decode decodeFunc) *Basic {
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return &Basic{clk: clk, decode: decode, timers: map[timerKey]*stableTimer{}}
}

// Configure takes the configuration; a running instance whose
// configuration changed must be restarted (Buildbot replaces it).
func (b *Basic) Configure(ctx context.Context, req base.ConfigureRequest) error {
	cfg, o, err := b.decode(req)
	if err != nil {
		return err
	}
	c := sched.CommonOf(req)
	reason, err := pyfmt.Format(o.reason, map[string]any{"name": c.Name, "classname": o.className})
	if err != nil {
		return base.Diagnostics{base.AttrError("reason", "Invalid reason", err.Error())}.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.workers.Running() && (!reflect.DeepEqual(cfg, b.cfg) || c.Name != b.common.Name ||
		!reflect.DeepEqual(c.Builders, b.common.Builders) || !reflect.DeepEqual(c.Properties, b.common.Properties)) {
		return base.ErrRestartRequired
	}
	b.cfg, b.common, b.opts, b.reason = cfg, c, o, reason
	return nil
}

// Start loads the state, restarts the timers of the classified changes
// (scanExistingClassifiedChanges) and follows the changes after the
// cursor.
func (b *Basic) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.common.Host == nil {
		return fmt.Errorf("%s: not configured", b.opts.className)
	}
	obj, err := base.LoadObject(ctx, b.common.Host, b.common.Name, b.opts.className)
	if err != nil {
		return err
	}
	b.obj = obj
	b.changes = sched.Var[changes.State]{Name: changes.StateName}
	b.lastCodebases = sched.Var[sched.LastCodebases]{Name: sched.StateLastCodebases}
	if err := b.changes.Load(ctx, obj); err != nil {
		return err
	}
	if err := b.lastCodebases.Load(ctx, obj); err != nil {
		return err
	}
	b.cursor, b.fresh = b.changes.Value.Cursor, b.changes.Version == 0
	b.workers.Start(func(ctx context.Context) {
		if err := b.rescan(ctx); err != nil {
			if ctx.Err() == nil {
				b.common.Log.Error("restarting the timers of classified changes", "error", err)
			}
		}
		changes.Follow(ctx, b.common.Host, b.clk, b.common.Log, (*follower)(b))
	})
	return nil
}

// rescan feeds the stored classifications to gotChange again so their
// timers restart; without a timer they are flushed.
func (b *Basic) rescan(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	cs := b.changes.Value
	if len(cs.Classified) == 0 {
		return nil
	}
	if b.opts.stable <= 0 {
		return b.changes.Set(ctx, b.obj, changes.State{Cursor: cs.Cursor})
	}
	for _, c := range cs.Classified {
		ch, ok, err := b.common.Host.GetChange(ctx, c.ChangeID)
		if err != nil {
			return fmt.Errorf("get change %d: %w", c.ChangeID, err)
		}
		if !ok {
			continue
		}
		b.touchTimerLocked(ch, c.Important)
	}
	return nil
}

// Stop cancels the timers and stops following changes.
func (b *Basic) Stop(ctx context.Context, drainDeadline time.Time) error {
	b.workers.Stop()
	b.mu.Lock()
	for k, t := range b.timers {
		t.timer.Stop()
		delete(b.timers, k)
	}
	b.mu.Unlock()
	return nil
}

func (b *Basic) timerKeyOf(ch base.Change) timerKey {
	if !b.opts.perBranch {
		return timerKey{}
	}
	k := timerKey{codebase: ch.Codebase, project: ch.Project, repository: ch.Repository, noBranch: ch.Branch == nil}
	if ch.Branch != nil {
		k.branch = *ch.Branch
	}
	return k
}

// touchTimerLocked (re)starts the change's tree-stable timer: an
// important change starts it, an unimportant one only restarts a running
// one.
func (b *Basic) touchTimerLocked(ch base.Change, important bool) {
	key := b.timerKeyOf(ch)
	old := b.timers[key]
	if !important && old == nil {
		return
	}
	if old != nil {
		old.timer.Stop()
		close(old.cancel)
	}
	st := &stableTimer{timer: b.clk.NewTimer(b.opts.stable), cancel: make(chan struct{})}
	b.timers[key] = st
	b.workers.Go(func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-st.cancel:
		case <-st.timer.C():
			b.fire(ctx, key, st)
		}
	})
}

// fire builds the classified changes of a timer (stableTimerFired). On a
// failure the timer is armed again, so the changes are not lost.
func (b *Basic) fire(ctx context.Context, key timerKey, st *stableTimer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timers[key] != st {
		return // replaced or stopped meanwhile
	}
	delete(b.timers, key)
	var chs []base.Change
	for _, c := range b.changes.Value.Classified {
		ch, ok, err := b.common.Host.GetChange(ctx, c.ChangeID)
		if err != nil {
			b.retryLocked(ctx, key, fmt.Errorf("get change %d: %w", c.ChangeID, err))
			return
		}
		if ok && b.timerKeyOf(ch) == key {
			chs = append(chs, ch)
		}
	}
	if len(chs) == 0 {
		return
	}
	sort.Slice(chs, func(i, j int) bool { return chs[i].ChangeID < chs[j].ChangeID })
	ids := make([]int64, len(chs))
	for i, ch := range chs {
		ids[i] = ch.ChangeID
	}
	var w sched.Writes
	if err := sched.Add(&w, b.obj, &b.changes, b.changes.Value.Without(ids)); err != nil {
		b.retryLocked(ctx, key, err)
		return
	}
	if err := b.addBuildsetLocked(ctx, chs, &w); err != nil {
		b.retryLocked(ctx, key, err)
	}
}

func (b *Basic) retryLocked(ctx context.Context, key timerKey, err error) {
	if ctx.Err() != nil || errors.Is(err, base.ErrStale) {
		return
	}
	b.common.Log.Error("starting a build on the tree-stable timer failed; retrying after the timer", "error", err)
	st := &stableTimer{timer: b.clk.NewTimer(b.opts.stable), cancel: make(chan struct{})}
	b.timers[key] = st
	b.workers.Go(func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-st.cancel:
		case <-st.timer.C():
			b.fire(ctx, key, st)
		}
	})
}

// addBuildsetLocked adds the buildset of changes (addBuildsetForChanges)
// with the state writes in the same call.
func (b *Basic) addBuildsetLocked(ctx context.Context, chs []base.Change, w *sched.Writes) error {
	stamps, used := sched.StampsForChanges(b.opts.codebases, b.codebaseDefaults, chs)
	spec := base.BuildsetSpec{Reason: b.reason, BuilderNames: b.common.Builders, SourceStamps: stamps,
		Properties: sched.Overlay(b.common.Properties, sched.ChangeProperties(used))}
	res, err := b.common.Host.AddBuildset(ctx, spec, w.List()...)
	if err != nil {
		return fmt.Errorf("add buildset: %w", err)
	}
	w.Commit(res.StateVersions)
	return nil
}

func (b *Basic) codebaseDefaults(cb sched.Codebase) base.SourceStamp {
	return b.lastCodebases.Value.Stamp(cb, b.opts.absolute)
}

// follower is the Basic's change handler.
type follower Basic

func (f *follower) Cursor() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cursor
}

// Handle is gotChange: without a timer an important change is built at
// once; with one, the change is classified and its timer (re)started.
func (f *follower) Handle(ctx context.Context, ch base.Change) error {
	b := (*Basic)(f)
	b.mu.Lock()
	defer b.mu.Unlock()
	taken, important := b.opts.rules.Classify(ch)
	if !taken || b.fresh || (b.opts.stable <= 0 && !important) {
		b.cursor = ch.ChangeID
		return nil
	}
	var w sched.Writes
	if b.opts.absolute {
		if m, newer := b.lastCodebases.Value.Record(ch); newer {
			if err := sched.Add(&w, b.obj, &b.lastCodebases, m); err != nil {
				return err
			}
		}
	}
	if b.opts.stable <= 0 {
		if err := sched.Add(&w, b.obj, &b.changes, b.changes.Value.At(ch.ChangeID)); err != nil {
			return err
		}
		if err := b.addBuildsetLocked(ctx, []base.Change{ch}, &w); err != nil {
			return err
		}
		b.cursor = ch.ChangeID
		return nil
	}
	if err := sched.Add(&w, b.obj, &b.changes, b.changes.Value.At(b.cursor).With(ch.ChangeID, important)); err != nil {
		return err
	}
	if err := w.Apply(ctx, b.common.Host); err != nil {
		return err
	}
	b.cursor = ch.ChangeID
	b.touchTimerLocked(ch, important)
	return nil
}

// CaughtUp stores a cursor that ran ahead over ignored changes, or past
// the changes that predate the scheduler.
func (f *follower) CaughtUp(ctx context.Context) error {
	b := (*Basic)(f)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fresh && b.cursor == b.changes.Value.Cursor {
		return nil
	}
	if err := b.changes.Set(ctx, b.obj, b.changes.Value.At(b.cursor)); err != nil {
		return err
	}
	b.fresh = false
	return nil
}
