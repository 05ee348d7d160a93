package runner

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var envReference = regexp.MustCompile(`\$\{([0-9a-zA-Z_]*)\}`)

// buildEnv merges a shell command's env argument into the worker's
// environment as RunProcess does: a list value is joined with ":", a
// PYTHONPATH value gets ":${PYTHONPATH}" appended, ${NAME} is replaced by the
// worker's own NAME (or ""), and a None value removes the variable.
func buildEnv(base map[string]string, env any) (map[string]string, error) {
	out := make(map[string]string, len(base)+8)
	for k, v := range base {
		out[k] = v
	}
	if !truthy(env) {
		return out, nil
	}
	values := make(map[string]*string)
	switch m := env.(type) {
	case map[string]string:
		for k, v := range m {
			values[k] = &v
		}
	case map[string]any:
		for k, v := range m {
			switch x := v.(type) {
			case nil:
				values[k] = nil
			case string:
				values[k] = &x
			case []string:
				s := strings.Join(x, ":")
				values[k] = &s
			case []any:
				parts := make([]string, len(x))
				for i, e := range x {
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("'env' values must be strings or lists; key '%s' is incorrect", k)
					}
					parts[i] = s
				}
				s := strings.Join(parts, ":")
				values[k] = &s
			default:
				return nil, fmt.Errorf("'env' values must be strings or lists; key '%s' is incorrect", k)
			}
		}
	default:
		return nil, fmt.Errorf("'env' must be a mapping, got %T", env)
	}
	if p := values["PYTHONPATH"]; p != nil {
		s := *p + ":${PYTHONPATH}"
		values["PYTHONPATH"] = &s
	}
	for k, v := range values {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = envReference.ReplaceAllStringFunc(*v, func(ref string) string {
			return base[ref[2:len(ref)-1]]
		})
	}
	return out, nil
}

// envList turns an environment map into "K=V" entries, sorted.
func envList(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + env[k]
	}
	return out
}
