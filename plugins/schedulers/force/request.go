package force

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyre"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// ErrNoBuilders is returned when the request names none of the
// scheduler's builders (Buildbot raises KeyError, an internal error).
var ErrNoBuilders = errors.New("builderNames not specified or not supported")

// ErrBuilderID is returned for a request that names a builder by id: the
// plugin knows builders by name only, so the master must turn builderid
// into builderNames.
var ErrBuilderID = errors.New("builderid must be resolved to builderNames by the master")

// Buildbot's default `validation` patterns for property names and values.
var (
	propertyNameRe  = pyre.MustCompile(`^[\w\.\-/~:]*$`)
	propertyValueRe = pyre.MustCompile(`^[\w\.\-/~:]*$`)
)

// propertiesField is the request field carrying bbhost's free
// NAME=VALUE properties (an object), unless a form field has that name.
const propertiesField = "properties"

// anonymous is the owner the master passes for a caller who is not logged in.
const anonymous = "anonymous"

// collector gathers field errors by full field name
// (ValidationErrorCollector).
type collector map[string]string

func (c collector) add(name string, err *fieldError) {
	if err != nil {
		c[name] = err.msg
	}
}

// buildset turns a force request into the buildset to add, or returns a
// *scheduler.ValidationError with every field error.
func (fm *form) buildset(c sched.Common, req scheduler.ForceRequest) (base.BuildsetSpec, error) {
	builders, err := selectBuilders(c.Builders, req)
	if err != nil {
		return base.BuildsetSpec{}, err
	}
	kw := fm.kwargs(req)
	errs := collector{}
	reason, ferr := fm.reason.get(kw)
	errs.add(fm.reason.key(), ferr)
	var owner any = req.Owner
	if req.Owner == "" || req.Owner == anonymous {
		owner, ferr = fm.username.get(kw)
		errs.add(fm.username.key(), ferr)
	}
	props := map[string]any{}
	stamps := map[string]sched.GivenStamp{}
	results := map[string]map[string]any{}
	for _, p := range fm.forced {
		p.update(kw, props, stamps, results, errs)
	}
	extra, extraErr := fm.extraProperties(req)
	if extraErr != "" {
		errs[propertiesField] = extraErr
	}
	if len(errs) > 0 {
		return base.BuildsetSpec{}, &scheduler.ValidationError{Fields: errs}
	}
	for k, v := range extra {
		props[k] = v
	}
	props["reason"], props["owner"] = reason, owner
	formProps := make(map[string]base.Property, len(props))
	for k, v := range props {
		formProps[k] = base.Property{Value: v, Source: sched.SourceForce}
	}
	text, err := pyfmt.Format(fm.reasonString, map[string]any{"owner": owner, "reason": reason})
	if err != nil {
		return base.BuildsetSpec{}, fmt.Errorf("reason_string: %w", err)
	}
	return base.BuildsetSpec{
		SourceStamps: fm.stamps(stamps),
		Reason:       text,
		Properties:   sched.Overlay(formProps, c.Properties),
		BuilderNames: builders,
	}, nil
}

// selectBuilders is computeBuilderNames: the builders named (only those
// the scheduler feeds, sorted), else all of them.
func selectBuilders(configured []string, req scheduler.ForceRequest) ([]string, error) {
	var names []string
	explicit := false
	if len(req.BuilderNames) > 0 {
		names, explicit = req.BuilderNames, true
	} else if v, ok := req.Fields["builderNames"]; ok && v != nil {
		explicit = true
		switch v := v.(type) {
		case string: // Python makes a set of its characters
			for _, r := range v {
				names = append(names, string(r))
			}
		case []string:
			names = v
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					names = append(names, s)
				}
			}
		}
	} else if _, ok := req.Fields["builderid"]; ok {
		return nil, ErrBuilderID
	}
	if !explicit {
		if len(configured) == 0 {
			return nil, ErrNoBuilders
		}
		return append([]string(nil), configured...), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, b := range configured {
		if want[b] && !seen[b] {
			out = append(out, b)
			seen[b] = true
		}
	}
	if len(out) == 0 {
		return nil, ErrNoBuilders
	}
	sort.Strings(out)
	return out, nil
}

// kwargs gathers the request's values by full field name: the raw fields,
// then the structured reason and codebase values where the fields do not
// already carry them.
func (fm *form) kwargs(req scheduler.ForceRequest) kwargs {
	kw := newKwargs(req.Fields)
	setDefault := func(name, value string) {
		if _, ok := kw[name]; !ok && value != "" {
			kw[name] = []any{value}
		}
	}
	setDefault(fm.reason.key(), req.Reason)
	for _, cb := range fm.forced {
		if cb.kind != kindCodebase {
			continue
		}
		given, ok := req.Codebases[cb.codebase]
		if !ok {
			continue
		}
		values := map[string]string{"branch": given.Branch, "revision": given.Revision, "repository": given.Repository, "project": given.Project}
		for _, f := range cb.fields {
			setDefault(f.key(), values[f.name])
		}
	}
	return kw
}

// update is the parameter's updateFromKwargs: it stores its value in
// props (a group its children's, under its name or, anonymous, inline), a
// codebase its source stamp in stamps, and its errors in errs. results
// holds each group's values by full name (Buildbot keeps them in kwargs).
func (p *param) update(kw kwargs, props map[string]any, stamps map[string]sched.GivenStamp, results map[string]map[string]any, errs collector) {
	switch p.kind {
	case kindNested, kindAnyProperty, kindCodebase:
		child := map[string]any{}
		for _, f := range p.fields {
			f.update(kw, child, stamps, results, errs)
		}
		results[p.key()] = child
		switch p.kind {
		case kindCodebase:
			stamps[p.codebase] = stampOf(p.codebase, child)
		case kindAnyProperty:
			p.updateAnyProperty(child, props, errs)
		default:
			if p.name == "" {
				for k, v := range child {
					props[k] = v
				}
				return
			}
			d, ok := props[p.name].(map[string]any)
			if !ok {
				d = map[string]any{}
			}
			for k, v := range child {
				d[k] = v
			}
			props[p.name] = d
		}
	case kindWorker:
		v, err := p.get(kw)
		if err != nil {
			errs.add(p.key(), err)
			return
		}
		if s, ok := v.(string); ok && s == workerAny {
			return
		}
		props[p.name] = v
	default:
		v, err := p.get(kw)
		if err != nil {
			errs.add(p.key(), err)
			return
		}
		props[p.name] = v
	}
}

// workerAny is WorkerChoiceParameter's anySentinel: no preference.
const workerAny = "-any-"

// updateAnyProperty sets the property an any_property group names, after
// checking it against Buildbot's validation patterns.
func (p *param) updateAnyProperty(child map[string]any, props map[string]any, errs collector) {
	name, ok := child["name"]
	if !ok {
		name = ""
	}
	value, ok := child["value"]
	if !ok {
		value = ""
	}
	if !pyfmt.Truthy(name) {
		return
	}
	ns, nok := name.(string)
	vs, vok := value.(string)
	if !nok || !vok || !propertyNameRe.Match(ns) || !propertyValueRe.Match(vs) {
		errs[p.key()] = fmt.Sprintf("bad property name='%s', value='%s'", pyfmt.Str(name), pyfmt.Str(value))
		return
	}
	props[ns] = vs
}

// stampOf turns a codebase group's values into a partial source stamp.
func stampOf(codebase string, values map[string]any) sched.GivenStamp {
	g := sched.GivenStamp{Stamp: base.SourceStamp{Codebase: codebase}, Fields: map[string]bool{}}
	for k, v := range values {
		s := pyfmt.Str(v)
		g.Fields[k] = true
		switch k {
		case "branch":
			g.Stamp.Branch = &s
		case "revision":
			g.Stamp.Revision = &s
		case "repository":
			g.Stamp.Repository = s
		case "project":
			g.Stamp.Project = s
		}
	}
	return g
}

// stamps lays the form's stamps over the force scheduler's codebase
// defaults: empty strings for repository, branch, revision and project.
func (fm *form) stamps(given map[string]sched.GivenStamp) []base.SourceStamp {
	var cbs sched.Codebases
	for _, p := range fm.forced {
		if p.kind == kindCodebase {
			cbs = append(cbs, sched.Codebase{Name: p.codebase})
		}
	}
	list := make([]sched.GivenStamp, 0, len(given))
	for _, cb := range cbs {
		if g, ok := given[cb.Name]; ok {
			list = append(list, g)
		}
	}
	empty := func(cb sched.Codebase) base.SourceStamp {
		b, r := "", ""
		return base.SourceStamp{Codebase: cb.Name, Branch: &b, Revision: &r}
	}
	return sched.StampsWithDefaults(cbs, empty, list)
}

// extraProperties reads bbhost's free properties: the request's
// Properties and, unless a form field is named so, the `properties`
// field's object. Names and values must match Buildbot's validation
// patterns; values may also be numbers or booleans.
func (fm *form) extraProperties(req scheduler.ForceRequest) (map[string]any, string) {
	merged := map[string]any{}
	if !fm.hasField(propertiesField) {
		if m, ok := req.Fields[propertiesField].(map[string]any); ok {
			for k, v := range m {
				merged[k] = v
			}
		}
	}
	for k, v := range req.Properties {
		merged[k] = v
	}
	names := make([]string, 0, len(merged))
	for k := range merged {
		names = append(names, k)
	}
	sort.Strings(names)
	var bad []string
	for _, k := range names {
		v := merged[k]
		ok := k != "" && propertyNameRe.Match(k)
		switch v := v.(type) {
		case string:
			ok = ok && propertyValueRe.Match(v)
		case bool, float64:
		default:
			if _, isInt := pyfmt.AsInt(v); !isInt {
				ok = false
			}
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("bad property name='%s', value='%s'", k, pyfmt.Str(v)))
		}
	}
	return merged, strings.Join(bad, "; ")
}

// hasField reports whether a form field has the full name.
func (fm *form) hasField(name string) bool {
	found := false
	for _, top := range fm.forced {
		top.walk(func(p *param) {
			if !p.kind.nested() && p.key() == name {
				found = true
			}
		})
	}
	return found
}
