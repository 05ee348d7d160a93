package base

import (
	"errors"
	"fmt"
)

// ComponentType is the kind of component a configuration block declares:
// the block type of `change_source "git" "app" { ... }`.
type ComponentType string

// The component types a plugin can provide.
const (
	TypeChangeSource ComponentType = "change_source"
	TypeScheduler    ComponentType = "scheduler"
	TypeWorker       ComponentType = "worker"
	TypeUserManager  ComponentType = "user_manager"
)

// ComponentTypes lists every component type in a stable order.
var ComponentTypes = []ComponentType{TypeChangeSource, TypeScheduler, TypeWorker, TypeUserManager}

// Valid reports whether t is one of the component types.
func (t ComponentType) Valid() bool {
	for _, c := range ComponentTypes {
		if c == t {
			return true
		}
	}
	return false
}

// Ref names one configured instance: `<Type> "<Kind>" "<Name>"`. Generation
// grows with every Configure of the instance, so the master can refuse calls
// made by an older configuration (or an older plugin process).
type Ref struct {
	Type       ComponentType
	Kind       string
	Name       string
	Generation int64
}

// String formats the ref as the configuration block header.
func (r Ref) String() string {
	return fmt.Sprintf("%s %q %q", r.Type, r.Kind, r.Name)
}

// ID is the instance's identity without its generation.
type ID struct {
	Type ComponentType
	Name string
}

// ID returns the instance's identity: its type and name (names are unique
// per type).
func (r Ref) ID() ID { return ID{Type: r.Type, Name: r.Name} }

// Errors the master answers with; they survive the trip through gRPC.
var (
	// ErrStale is returned for a call made by an instance the master no
	// longer runs at that generation (reconfigured, moved to a new plugin
	// process, or stopped).
	ErrStale = errors.New("stale plugin instance")
	// ErrStateConflict is returned when a state write's expected version
	// does not match: another write happened first; nothing was written.
	ErrStateConflict = errors.New("object state version conflict")
	// ErrUnsupported is returned when a component does not implement an
	// optional call (for example Force on a scheduler that is not a force
	// scheduler).
	ErrUnsupported = errors.New("not supported by this component")
	// ErrUnknownInstance is returned by a plugin for a call naming an
	// instance it does not run.
	ErrUnknownInstance = errors.New("unknown instance")
)
