package botmaster

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/host/botmaster/interpolate"
	"github.com/bbhost/bbhost/host/botmaster/steps"
)

// renderContext is the interpolate.Context of a build: its properties,
// source stamps and worker info.
type renderContext struct{ b *Build }

var _ interpolate.Context = renderContext{}

func (r renderContext) Property(name string) (any, bool) { return r.b.props.Get(name) }

func (r renderContext) SourceStampAttr(codebase, attr string) (any, bool) {
	for _, ss := range r.b.sources {
		if ss.Codebase != codebase {
			continue
		}
		return sourceStampAttr(ss, attr)
	}
	return nil, false
}

// sourceStampAttr returns an attribute of a stamp as Buildbot's ssdict has
// it (branch and revision may be None).
func sourceStampAttr(ss steps.SourceStamp, attr string) (any, bool) {
	switch attr {
	case "branch":
		return strPtrValue(ss.Branch), true
	case "revision":
		return strPtrValue(ss.Revision), true
	case "repository":
		return ss.Repository, true
	case "project":
		return ss.Project, true
	case "codebase":
		return ss.Codebase, true
	case "ssid":
		return ss.SSID, true
	case "patch":
		if ss.Patch == nil {
			return nil, true
		}
		return []any{int64(ss.Patch.Level), string(ss.Patch.Body), ss.Patch.Subdir}, true
	}
	return nil, false
}

func strPtrValue(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func (r renderContext) WorkerInfo(key string) (any, bool) {
	r.b.mu.Lock()
	info := r.b.info
	r.b.mu.Unlock()
	v, ok := info[key]
	return v, ok
}

func (r renderContext) Keyword(string) (any, bool) { return nil, false }

// render renders one string attribute.
func (b *Build) render(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	return interpolate.Render(s, renderContext{b})
}

// renderValue renders every string inside a JSON-compatible value.
func (b *Build) renderValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return b.render(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := b.renderValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := b.render(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r, err := b.renderValue(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// renderBool renders a do_step_if/hide_step_if condition: "" is def;
// otherwise the rendered text is read as Python would print a truth value
// (True, true, 1, yes are true; False, false, 0, no, None and "" false).
func (b *Build) renderBool(s string, def bool) (bool, error) {
	if s == "" {
		return def, nil
	}
	r, err := b.render(s)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(r)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off", "none", "":
		return false, nil
	}
	return false, fmt.Errorf("condition %q rendered to %q, not true or false", s, r)
}

// workerPathJoin joins paths with the worker's path rules: Windows when the
// worker reports system "nt", posix otherwise. An absolute part restarts
// the path.
func workerPathJoin(windows bool, parts ...string) string {
	sep := "/"
	if windows {
		sep = `\`
	}
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if isAbsWorkerPath(windows, p) {
			out = p
			continue
		}
		if out == "" || strings.HasSuffix(out, sep) || (windows && strings.HasSuffix(out, "/")) {
			out += p
		} else {
			out += sep + p
		}
	}
	return out
}

func isAbsWorkerPath(windows bool, p string) bool {
	if !windows {
		return strings.HasPrefix(p, "/")
	}
	if strings.HasPrefix(p, `\`) || strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 2 && p[1] == ':'
}
