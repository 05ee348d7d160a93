package base

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"
)

// Component is the lifecycle every plugin instance implements, whatever its
// kind. The master calls Configure (again, with a higher generation, to
// reconfigure in place), then Start, and finally Stop.
type Component interface {
	// Configure takes the instance's configuration. It must not start work:
	// during a hot swap the new process configures an instance while the old
	// one still runs it. Return diagnostics (Diagnostics.Err) for a bad
	// configuration, or ErrRestartRequired when a running instance cannot
	// take the change in place.
	Configure(ctx context.Context, req ConfigureRequest) error
	// Start begins work (polling, consuming events). Read durable state here.
	Start(ctx context.Context) error
	// Stop ends work: finish what is in hand until drainDeadline, then stop.
	// Every goroutine the instance started must be gone when Stop returns.
	Stop(ctx context.Context, drainDeadline time.Time) error
}

// ErrRestartRequired is returned by Configure of a running instance that
// cannot apply a change in place; the master then stops it, configures it
// afresh and starts it again.
var ErrRestartRequired = fmt.Errorf("configuration change requires a restart")

// Common are the attributes the master reads from every block itself.
type Common struct {
	// Builders are a scheduler's builder names (`builders`).
	Builders []string
	// MaxBuilds is a worker's `max_builds` (0 = unlimited).
	MaxBuilds int
	// Properties are `properties`, JSON-compatible values.
	Properties map[string]any
}

// ConfigureRequest carries an instance's configuration.
type ConfigureRequest struct {
	Ref Ref
	// Config is the block decoded with the component's schema (an object
	// of the schema's implied type). Decode fills a configuration struct.
	Config cty.Value
	Common Common
	// Host is the master, seen from this instance. In a plugin process the
	// SDK provides it; the master's side leaves it nil.
	Host Host
	// Logger logs under the instance's name (plugin side; nil on the
	// master's side).
	Logger hclog.Logger
}

// Decode fills dst, a pointer to the component's configuration struct, from
// Config (see the package function Decode). The error carries diagnostics.
func (r ConfigureRequest) Decode(dst any) error { return Decode(r.Config, dst).Err() }

// ComponentInfo describes one component type a plugin provides.
type ComponentInfo struct {
	Type ComponentType `json:"type"`
	Kind string        `json:"kind"`
	// Schema is the configuration block's schema (not in describe JSON).
	Schema Block  `json:"-"`
	Docs   string `json:"docs,omitempty"`
	// Capabilities lists optional features: "poll" (change sources),
	// "force", "trigger" (schedulers), "latent" (workers).
	Capabilities []string `json:"capabilities,omitempty"`
}

// Has reports whether the component has capability c.
func (c ComponentInfo) Has(capability string) bool {
	for _, x := range c.Capabilities {
		if x == capability {
			return true
		}
	}
	return false
}

// PluginInfo is what a plugin says about itself (Describe, and the
// `describe` argument's JSON).
type PluginInfo struct {
	Name             string          `json:"name"`
	Version          string          `json:"version"`
	ProtocolVersions []int           `json:"protocol_versions"`
	SDKVersion       string          `json:"sdk_version,omitempty"`
	Components       []ComponentInfo `json:"components"`
}

// Component returns the component of type t and kind k.
func (p PluginInfo) Component(t ComponentType, kind string) (ComponentInfo, bool) {
	for _, c := range p.Components {
		if c.Type == t && c.Kind == kind {
			return c, true
		}
	}
	return ComponentInfo{}, false
}

// Plugin is the base service of every plugin process, as the master calls it.
type Plugin interface {
	Describe(ctx context.Context) (PluginInfo, error)
	// ValidateConfig checks one instance's configuration without
	// configuring anything.
	ValidateConfig(ctx context.Context, ref Ref, cfg cty.Value, common Common) (Diagnostics, error)
	// Shutdown stops every instance of the process (draining until the
	// deadline) before the master kills it.
	Shutdown(ctx context.Context, drainDeadline time.Time) error
}

// Registration is one component type a plugin binary serves; the kind
// packages build them (changesource.Component, scheduler.Component, ...).
type Registration interface {
	// Info describes the component, schema included.
	Info() ComponentInfo
	// New returns a fresh, unconfigured instance.
	New() Component
	// Validate decodes cfg into a fresh configuration struct and runs its
	// Validator, without creating an instance.
	Validate(cfg cty.Value) Diagnostics
}

// NewRegistration builds a Registration from a configuration struct value
// (its zero value or one with defaults: a copy is decoded into on every
// Validate), docs, capabilities and a constructor.
func NewRegistration(t ComponentType, kind, docs string, config any, caps []string, newFn func() Component) (Registration, error) {
	if kind == "" {
		return nil, fmt.Errorf("%s component without a kind", t)
	}
	if newFn == nil {
		return nil, fmt.Errorf("%s %q: no constructor", t, kind)
	}
	if config == nil {
		config = struct{}{}
	}
	schema, err := SchemaOf(config)
	if err != nil {
		return nil, fmt.Errorf("%s %q: config schema: %w", t, kind, err)
	}
	return &registration{info: ComponentInfo{Type: t, Kind: kind, Schema: schema, Docs: docs, Capabilities: caps},
		config: config, newFn: newFn}, nil
}

type registration struct {
	info   ComponentInfo
	config any
	newFn  func() Component
}

func (r *registration) Info() ComponentInfo { return r.info }
func (r *registration) New() Component      { return r.newFn() }

func (r *registration) Validate(cfg cty.Value) Diagnostics {
	t := reflect.TypeOf(r.config)
	v := reflect.ValueOf(r.config)
	if t.Kind() == reflect.Pointer {
		t, v = t.Elem(), v.Elem()
	}
	dst := reflect.New(t)
	dst.Elem().Set(v)
	return Decode(cfg, dst.Interface())
}
