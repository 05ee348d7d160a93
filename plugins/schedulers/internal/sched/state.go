package sched

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
)

// Var is one named value of a scheduler's state object (Buildbot's
// object_state), with the version its compare-and-set writes expect. The
// owner serialises its use.
type Var[T any] struct {
	Name    string
	Value   T
	Version int64
}

// Load reads the value (left at its zero or preset value when not set).
func (v *Var[T]) Load(ctx context.Context, obj base.Object) error {
	var x T
	ver, err := obj.Get(ctx, v.Name, &x)
	if err != nil {
		return err
	}
	if ver > 0 {
		v.Value = x
	}
	v.Version = ver
	return nil
}

// Write returns the write setting the value, expecting the version held.
func (v *Var[T]) Write(obj base.Object, value T) (base.StateWrite, error) {
	return obj.Write(v.Name, value, v.Version)
}

// Commit records a write that the master applied with version.
func (v *Var[T]) Commit(value T, version int64) {
	v.Value, v.Version = value, version
}

// Set writes the value on its own and commits it.
func (v *Var[T]) Set(ctx context.Context, obj base.Object, value T) error {
	ver, err := obj.Set(ctx, v.Name, value, v.Version)
	if err != nil {
		return fmt.Errorf("set state %q: %w", v.Name, err)
	}
	v.Commit(value, ver)
	return nil
}

// Writes collects state writes and the commits to run once the master
// applied them (AddBuildset or SetState).
type Writes struct {
	writes  []base.StateWrite
	commits []func(version int64)
}

// Add appends the write of value to v.
func Add[T any](w *Writes, obj base.Object, v *Var[T], value T) error {
	sw, err := v.Write(obj, value)
	if err != nil {
		return err
	}
	w.writes = append(w.writes, sw)
	w.commits = append(w.commits, func(ver int64) { v.Commit(value, ver) })
	return nil
}

// List returns the writes.
func (w *Writes) List() []base.StateWrite { return w.writes }

// Len is the number of writes.
func (w *Writes) Len() int { return len(w.writes) }

// Commit records the versions the master returned, in order.
func (w *Writes) Commit(versions []int64) {
	for i, c := range w.commits {
		if i < len(versions) {
			c(versions[i])
		}
	}
}

// Apply writes them without a buildset, one SetState each (the master has
// no multi-value SetState), and commits each as it lands.
func (w *Writes) Apply(ctx context.Context, h base.Host) error {
	for i, sw := range w.writes {
		ver, err := h.SetState(ctx, sw)
		if err != nil {
			return fmt.Errorf("set state %q: %w", sw.Name, err)
		}
		w.commits[i](ver)
	}
	return nil
}
