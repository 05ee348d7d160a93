// Package properties owns a build's properties (Buildbot's
// process/properties.py Properties): name → value and source, the
// precedence in which a build collects them (§5.2 of the reference), and
// the bookkeeping that persists only the properties that changed.
package properties

import (
	"reflect"
	"sort"
	"sync"

	"github.com/bbhost/bbhost/host/data"
)

// Property sources, as Buildbot names them.
const (
	SourceConfiguration = "Configuration" // master { properties = … }
	SourceChange        = "Change"
	SourceScheduler     = "Scheduler"
	SourceBuilder       = "Builder"
	SourceWorker        = "Worker"
	SourceBuild         = "Build"
	SourceForce         = "Force Build Form"
	SourceTrigger       = "Trigger"
	SourceRebuild       = "Rebuild"
)

// Property is one value with its source.
type Property struct {
	Value  any
	Source string
}

// Properties is a build's property set. It is safe for concurrent use.
type Properties struct {
	mu    sync.RWMutex
	m     map[string]Property
	dirty map[string]struct{}
}

// New returns an empty property set.
func New() *Properties {
	return &Properties{m: map[string]Property{}, dirty: map[string]struct{}{}}
}

// Set sets a property; it is marked changed unless value and source are
// the same as before.
func (p *Properties) Set(name string, value any, source string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(name, value, source)
}

func (p *Properties) setLocked(name string, value any, source string) {
	if old, ok := p.m[name]; ok && old.Source == source && reflect.DeepEqual(old.Value, value) {
		return
	}
	p.m[name] = Property{Value: value, Source: source}
	p.dirty[name] = struct{}{}
}

// SetDefault sets a property only when it is not set yet (Buildbot's
// defaultProperties).
func (p *Properties) SetDefault(name string, value any, source string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.m[name]; !ok {
		p.setLocked(name, value, source)
	}
}

// UpdateFromMap sets every entry of m with one source.
func (p *Properties) UpdateFromMap(m map[string]any, source string) {
	if len(m) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range sortedKeys(m) {
		p.setLocked(k, m[k], source)
	}
}

// DefaultsFromMap sets the entries of m that are not set yet.
func (p *Properties) DefaultsFromMap(m map[string]any, source string) {
	if len(m) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range sortedKeys(m) {
		if _, ok := p.m[k]; !ok {
			p.setLocked(k, m[k], source)
		}
	}
}

// UpdateFromSourced sets every entry of a [value, source] map, keeping each
// entry's source (a non-string source becomes "").
func (p *Properties) UpdateFromSourced(sp data.SourcedProperties) {
	if len(sp) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(sp))
	for k := range sp {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		src, _ := sp[k][1].(string)
		p.setLocked(k, sp[k][0], src)
	}
}

// Get returns a property's value.
func (p *Properties) Get(name string) (any, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	v, ok := p.m[name]
	return v.Value, ok
}

// GetString returns a property's value when it is a string.
func (p *Properties) GetString(name string) (string, bool) {
	v, ok := p.Get(name)
	s, isStr := v.(string)
	return s, ok && isStr
}

// Lookup returns a property with its source.
func (p *Properties) Lookup(name string) (Property, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	v, ok := p.m[name]
	return v, ok
}

// Has reports whether a property is set.
func (p *Properties) Has(name string) bool {
	_, ok := p.Get(name)
	return ok
}

// Len returns the number of properties.
func (p *Properties) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.m)
}

// Names returns the property names, sorted.
func (p *Properties) Names() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]string, 0, len(p.m))
	for k := range p.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Sourced returns every property as [value, source].
func (p *Properties) Sourced() data.SourcedProperties {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(data.SourcedProperties, len(p.m))
	for k, v := range p.m {
		out[k] = [2]any{v.Value, v.Source}
	}
	return out
}

// Values returns every property's value.
func (p *Properties) Values() map[string]any {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[string]any, len(p.m))
	for k, v := range p.m {
		out[k] = v.Value
	}
	return out
}

// TakeChanged returns the properties set or changed since the previous call
// (all of them the first time) and forgets them; nil when nothing changed.
// The build persists them with SetBuildProperties after every step.
func (p *Properties) TakeChanged() data.SourcedProperties {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.dirty) == 0 {
		return nil
	}
	out := make(data.SourcedProperties, len(p.dirty))
	for k := range p.dirty {
		v := p.m[k]
		out[k] = [2]any{v.Value, v.Source}
	}
	p.dirty = map[string]struct{}{}
	return out
}

// Clone returns an independent copy, with nothing marked changed.
func (p *Properties) Clone() *Properties {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c := &Properties{m: make(map[string]Property, len(p.m)), dirty: map[string]struct{}{}}
	for k, v := range p.m {
		c.m[k] = v
	}
	return c
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
