package base

import (
	"context"
	"encoding/json"
	"fmt"
)

// Object is a convenience over Host's state calls for one state object
// (Buildbot's StateMixin): read typed values and build the state writes to
// pass to AddChange, AddBuildset or SetState.
type Object struct {
	Host Host
	ID   int64
}

// LoadObject finds or creates the state object (name, className).
func LoadObject(ctx context.Context, h Host, name, className string) (Object, error) {
	id, err := h.GetObjectID(ctx, name, className)
	if err != nil {
		return Object{}, fmt.Errorf("get object id %s/%s: %w", name, className, err)
	}
	return Object{Host: h, ID: id}, nil
}

// Get reads the value name into dst (left alone when the value is not set)
// and returns its version (0 when not set).
func (o Object) Get(ctx context.Context, name string, dst any) (int64, error) {
	st, err := o.Host.GetState(ctx, o.ID, name)
	if err != nil {
		return 0, fmt.Errorf("get state %q: %w", name, err)
	}
	if !st.Found {
		return 0, nil
	}
	if err := json.Unmarshal(st.Value, dst); err != nil {
		return 0, fmt.Errorf("decode state %q: %w", name, err)
	}
	return st.Version, nil
}

// Write returns the write that sets name to value if its version is still
// expectedVersion.
func (o Object) Write(name string, value any, expectedVersion int64) (StateWrite, error) {
	b, err := json.Marshal(value)
	if err != nil {
		return StateWrite{}, fmt.Errorf("encode state %q: %w", name, err)
	}
	return StateWrite{ObjectID: o.ID, Name: name, Value: b, ExpectedVersion: expectedVersion}, nil
}

// Set writes name (compare-and-set on expectedVersion) and returns the new
// version.
func (o Object) Set(ctx context.Context, name string, value any, expectedVersion int64) (int64, error) {
	w, err := o.Write(name, value, expectedVersion)
	if err != nil {
		return 0, err
	}
	return o.Host.SetState(ctx, w)
}
