// Package scheduler is the scheduler plugin kind (Buildbot's schedulers): a
// component that decides what to build. It follows the master's events
// through Host.Subscribe (changes replayed from a cursor it keeps in its
// state, buildset completions) and submits work with Host.AddBuildset,
// advancing its state in the same call.
//
// Force schedulers also implement Forcer (the web UI's force form and the
// JSON-RPC `force` call); triggerable ones implement Triggerer (the trigger
// step). A plugin registers its kinds with Component in sdk.Serve; the master
// drives each instance through Client.Instance, which implements all three
// interfaces and answers base.ErrUnsupported for what the plugin lacks.
package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/sdk/base"
)

// Scheduler is one scheduler instance.
type Scheduler interface {
	base.Component
}

// Forcer is implemented by force schedulers.
type Forcer interface {
	// ForceSpec describes the force form (/api/v2/forceschedulers).
	ForceSpec(ctx context.Context) (ForceSpec, error)
	// Force starts builds. Invalid form values come back as a
	// *ValidationError.
	Force(ctx context.Context, req ForceRequest) (base.BuildsetResult, error)
}

// Triggerer is implemented by triggerable schedulers.
type Triggerer interface {
	Trigger(ctx context.Context, req TriggerRequest) (base.BuildsetResult, error)
}

// Instance is the master's handle on a scheduler in a plugin process.
type Instance interface {
	Scheduler
	Forcer
	Triggerer
}

// ForceSpec is a force scheduler's form, as Buildbot's forceschedulers
// resource describes it.
type ForceSpec struct {
	ButtonName   string
	Label        string
	BuilderNames []string
	// AllFields is Buildbot's all_fields: one JSON object per field.
	AllFields []json.RawMessage
}

// CodebaseRequest holds the force form's values for one codebase.
type CodebaseRequest struct {
	Branch     string
	Revision   string
	Repository string
	Project    string
}

// ForceRequest is one force call (Buildbot's ForceScheduler.force).
type ForceRequest struct {
	Owner        string
	Reason       string
	BuilderNames []string
	// Codebases maps a codebase name ("" for the default) to its values.
	Codebases  map[string]CodebaseRequest
	Properties map[string]any
	// Fields are the raw form values by full field name.
	Fields map[string]any
}

// TriggerRequest is one trigger call (Buildbot's Triggerable.trigger).
type TriggerRequest struct {
	SourceStamps       []base.SourceStamp
	Properties         map[string]base.Property
	WaitedFor          bool
	ParentBuildID      *int64
	ParentRelationship *string
}

// ValidationError reports invalid force form values by field name
// (JSON-RPC invalid_params).
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s: %s", n, e.Fields[n])
	}
	return "invalid force parameters: " + strings.Join(parts, "; ")
}

// Component registers a scheduler kind with sdk.Serve.
type Component struct {
	// Kind is the block's first label: scheduler "<Kind>" "<name>".
	Kind string
	Docs string
	// Config is the configuration struct; its schema comes from its tags.
	// The common `builders` and `properties` attributes arrive in
	// ConfigureRequest.Common, not in Config.
	Config any
	New    func() Scheduler
}

// Registration implements sdk.Component.
func (c Component) Registration() (base.Registration, error) {
	var caps []string
	var newFn func() base.Component
	if c.New != nil {
		s := c.New()
		if _, ok := s.(Forcer); ok {
			caps = append(caps, "force")
		}
		if _, ok := s.(Triggerer); ok {
			caps = append(caps, "trigger")
		}
		newFn = func() base.Component { return c.New() }
	}
	return base.NewRegistration(base.TypeScheduler, c.Kind, c.Docs, c.Config, caps, newFn)
}
