package changes

import (
	"fmt"
	"sort"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyre"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/zclconf/go-cty/cty"
)

// FilterBlock is Buildbot's ChangeFilter as a `change_filter` block. Each
// of project, repository, branch, category and codebase takes a value or
// a list (X: equal to one; X_not_eq: equal to none; X_re: one Python
// regular expression matches at the start; X_not_re: none does), and the
// property_* attributes take an object of property names to values or
// lists. Every criterion given must hold. In branch lists, null stands for
// the default branch.
type FilterBlock struct {
	Project         any `hcl:"project,optional" doc:"project equal to one of these"`
	ProjectNotEq    any `hcl:"project_not_eq,optional" doc:"project equal to none of these"`
	ProjectRe       any `hcl:"project_re,optional" doc:"project matched by one of these regular expressions"`
	ProjectNotRe    any `hcl:"project_not_re,optional" doc:"project matched by none of these regular expressions"`
	Repository      any `hcl:"repository,optional" doc:"repository equal to one of these"`
	RepositoryNotEq any `hcl:"repository_not_eq,optional" doc:"repository equal to none of these"`
	RepositoryRe    any `hcl:"repository_re,optional" doc:"repository matched by one of these regular expressions"`
	RepositoryNotRe any `hcl:"repository_not_re,optional" doc:"repository matched by none of these regular expressions"`
	Branch          any `hcl:"branch,optional" doc:"branch equal to one of these (null: the default branch)"`
	BranchNotEq     any `hcl:"branch_not_eq,optional" doc:"branch equal to none of these"`
	BranchRe        any `hcl:"branch_re,optional" doc:"branch matched by one of these regular expressions"`
	BranchNotRe     any `hcl:"branch_not_re,optional" doc:"branch matched by none of these regular expressions"`
	Category        any `hcl:"category,optional" doc:"category equal to one of these"`
	CategoryNotEq   any `hcl:"category_not_eq,optional" doc:"category equal to none of these"`
	CategoryRe      any `hcl:"category_re,optional" doc:"category matched by one of these regular expressions"`
	CategoryNotRe   any `hcl:"category_not_re,optional" doc:"category matched by none of these regular expressions"`
	Codebase        any `hcl:"codebase,optional" doc:"codebase equal to one of these"`
	CodebaseNotEq   any `hcl:"codebase_not_eq,optional" doc:"codebase equal to none of these"`
	CodebaseRe      any `hcl:"codebase_re,optional" doc:"codebase matched by one of these regular expressions"`
	CodebaseNotRe   any `hcl:"codebase_not_re,optional" doc:"codebase matched by none of these regular expressions"`
	PropertyEq      any `hcl:"property_eq,optional" doc:"{name = value or list}: the change property equal to one"`
	PropertyNotEq   any `hcl:"property_not_eq,optional" doc:"{name = value or list}: the change property equal to none"`
	PropertyRe      any `hcl:"property_re,optional" doc:"{name = regex or list}: the change property matched by one"`
	PropertyNotRe   any `hcl:"property_not_re,optional" doc:"{name = regex or list}: the change property matched by none"`
}

type matchKind int

const (
	eq matchKind = iota
	notEq
	re
	notRe
)

// criterion is one test of a filter on one attribute.
type criterion struct {
	attr    string // project, repository, branch, category, codebase, or a property name
	prop    bool
	kind    matchKind
	values  []*string // nil entries: None
	regexes []*pyre.Regexp
}

// Filter is a compiled change filter. The zero Filter accepts everything.
type Filter struct {
	criteria []criterion
}

// Compile checks a filter block; attr names it in diagnostics.
func (b *FilterBlock) Compile(attr string) (*Filter, base.Diagnostics) {
	f := &Filter{}
	if b == nil {
		return f, nil
	}
	var diags base.Diagnostics
	path := cty.GetAttrPath(attr)
	add := func(name, field string, kind matchKind, v any) {
		if v == nil {
			return
		}
		c, err := compileCriterion(field, kind, v, field == "branch")
		if err != nil {
			diags = append(diags, base.PathError(path.Copy().GetAttr(name), "Invalid change filter", err.Error()))
			return
		}
		f.criteria = append(f.criteria, c)
	}
	for _, a := range []struct {
		field                string
		eq, notEq, re, notRe any
	}{
		{"project", b.Project, b.ProjectNotEq, b.ProjectRe, b.ProjectNotRe},
		{"repository", b.Repository, b.RepositoryNotEq, b.RepositoryRe, b.RepositoryNotRe},
		{"branch", b.Branch, b.BranchNotEq, b.BranchRe, b.BranchNotRe},
		{"category", b.Category, b.CategoryNotEq, b.CategoryRe, b.CategoryNotRe},
		{"codebase", b.Codebase, b.CodebaseNotEq, b.CodebaseRe, b.CodebaseNotRe},
	} {
		add(a.field, a.field, eq, a.eq)
		add(a.field+"_not_eq", a.field, notEq, a.notEq)
		add(a.field+"_re", a.field, re, a.re)
		add(a.field+"_not_re", a.field, notRe, a.notRe)
	}
	for _, p := range []struct {
		name string
		kind matchKind
		v    any
	}{{"property_eq", eq, b.PropertyEq}, {"property_not_eq", notEq, b.PropertyNotEq}, {"property_re", re, b.PropertyRe}, {"property_not_re", notRe, b.PropertyNotRe}} {
		if p.v == nil {
			continue
		}
		m, ok := p.v.(map[string]any)
		if !ok {
			diags = append(diags, base.PathError(path.Copy().GetAttr(p.name), "Invalid change filter", fmt.Sprintf("Value of filter %s must be dict", p.name)))
			continue
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			c, err := compileCriterion(name, p.kind, m[name], false)
			if err != nil {
				diags = append(diags, base.PathError(path.Copy().GetAttr(p.name).Index(cty.StringVal(name)), "Invalid change filter", err.Error()))
				continue
			}
			c.prop = true
			f.criteria = append(f.criteria, c)
		}
	}
	return f, diags
}

func compileCriterion(attr string, kind matchKind, v any, nullable bool) (criterion, error) {
	c := criterion{attr: attr, kind: kind}
	var list []any
	switch v := v.(type) {
	case []any:
		list = v
	default:
		list = []any{v}
	}
	for _, x := range list {
		var sp *string
		switch x := x.(type) {
		case string:
			s := x
			sp = &s
		case nil:
			if !nullable || kind == re || kind == notRe {
				return c, fmt.Errorf("the values of %s must be strings", attr)
			}
		default:
			return c, fmt.Errorf("the values of %s must be strings", attr)
		}
		if kind == re || kind == notRe {
			r, err := pyre.Compile(*sp)
			if err != nil {
				return c, err
			}
			c.regexes = append(c.regexes, r)
			continue
		}
		c.values = append(c.values, sp)
	}
	return c, nil
}

// Match reports whether the change passes the filter (filter_change). A
// regular expression tested against a property that is not a string
// rejects the change (Buildbot fails on it).
func (f *Filter) Match(ch base.Change) bool {
	if f == nil {
		return true
	}
	for _, c := range f.criteria {
		if !c.match(ch) {
			return false
		}
	}
	return true
}

func (c criterion) match(ch base.Change) bool {
	var value any
	if c.prop {
		v, ok := ch.Properties[c.attr]
		if !ok {
			v = ""
		}
		value = v
	} else {
		value = attrOf(ch, c.attr)
	}
	switch c.kind {
	case eq, notEq:
		in := false
		for _, want := range c.values {
			if want == nil {
				in = in || value == nil
				continue
			}
			in = in || pyfmt.Equal(value, *want)
		}
		return in == (c.kind == eq)
	default:
		if value == nil {
			return c.kind == notRe
		}
		s, ok := value.(string)
		if !ok {
			return false
		}
		matched := false
		for _, r := range c.regexes {
			matched = matched || r.Match(s)
		}
		return matched == (c.kind == re)
	}
}

// attrOf returns a change attribute: a string, or nil for an unset branch
// or category.
func attrOf(ch base.Change, attr string) any {
	switch attr {
	case "project":
		return ch.Project
	case "repository":
		return ch.Repository
	case "codebase":
		return ch.Codebase
	case "branch":
		if ch.Branch == nil {
			return nil
		}
		return *ch.Branch
	case "category":
		if ch.Category == nil {
			return nil
		}
		return *ch.Category
	}
	return nil
}
