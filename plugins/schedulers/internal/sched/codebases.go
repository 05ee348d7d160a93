package sched

import (
	"fmt"
	"sort"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/zclconf/go-cty/cty"
)

// Codebase is one configured codebase with the defaults of its source
// stamp when no change names it (Buildbot's codebases dict). A nil Branch
// or Revision is the default branch or the latest revision.
type Codebase struct {
	Name       string
	Repository string
	Branch     *string
	Revision   *string
}

// Codebases are a scheduler's codebases in configuration order.
type Codebases []Codebase

// DefaultCodebases is Buildbot's default: the single codebase "".
func DefaultCodebases() Codebases { return Codebases{{Name: ""}} }

// Has reports whether the codebase is configured.
func (cs Codebases) Has(name string) bool {
	_, ok := cs.Get(name)
	return ok
}

// Get returns the codebase called name.
func (cs Codebases) Get(name string) (Codebase, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c, true
		}
	}
	return Codebase{}, false
}

// Sorted returns the codebases sorted by name.
func (cs Codebases) Sorted() Codebases {
	out := append(Codebases(nil), cs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ParseCodebases reads the `codebases` attribute (attr names it in
// diagnostics): a list of codebase names, or an object of codebase names
// to objects with optional repository, branch and revision (Buildbot's
// list or dict forms). nil gives the default codebase "".
func ParseCodebases(attr string, v any) (Codebases, base.Diagnostics) {
	path := cty.GetAttrPath(attr)
	switch v := v.(type) {
	case nil:
		return DefaultCodebases(), nil
	case []any:
		if len(v) == 0 {
			return nil, base.Diagnostics{base.PathError(path, "Invalid codebases", "give at least one codebase")}
		}
		out := make(Codebases, 0, len(v))
		seen := map[string]bool{}
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, base.Diagnostics{base.PathError(path.Index(cty.NumberIntVal(int64(i))), "Invalid codebase", "a codebase name must be a string")}
			}
			if seen[s] {
				return nil, base.Diagnostics{base.PathError(path.Index(cty.NumberIntVal(int64(i))), "Duplicate codebase", fmt.Sprintf("codebase %q is listed twice", s))}
			}
			seen[s] = true
			out = append(out, Codebase{Name: s})
		}
		return out, nil
	case map[string]any:
		if len(v) == 0 {
			return nil, base.Diagnostics{base.PathError(path, "Invalid codebases", "give at least one codebase")}
		}
		names := make([]string, 0, len(v))
		for k := range v {
			names = append(names, k)
		}
		sort.Strings(names)
		var diags base.Diagnostics
		out := make(Codebases, 0, len(v))
		for _, name := range names {
			p := path.Index(cty.StringVal(name))
			attrs, ok := v[name].(map[string]any)
			if !ok && v[name] != nil {
				diags = append(diags, base.PathError(p, "Invalid codebase", "codebase defaults must be an object with repository, branch and revision"))
				continue
			}
			cb := Codebase{Name: name}
			for k, x := range attrs {
				if x == nil {
					continue
				}
				s, ok := x.(string)
				if !ok {
					diags = append(diags, base.PathError(p.GetAttr(k), "Invalid codebase default", "must be a string"))
					continue
				}
				switch k {
				case "repository":
					cb.Repository = s
				case "branch":
					cb.Branch = &s
				case "revision":
					cb.Revision = &s
				default:
					diags = append(diags, base.PathError(p.GetAttr(k), "Unknown codebase key",
						fmt.Sprintf("unknown codebase key %s for codebase %s; the keys are repository, branch and revision", k, name)))
				}
			}
			out = append(out, cb)
		}
		return out, diags
	}
	return nil, base.Diagnostics{base.PathError(path, "Invalid codebases", "codebases must be a list of names or an object of codebase defaults")}
}
