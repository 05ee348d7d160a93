package runner

import (
	"fmt"
	"math"
	"time"
)

// args reads a command's arguments with the types Buildbot sends, reporting
// a wrong type as an error rather than panicking.
type args map[string]any

// number is a numeric argument that remembers how Python would print it
// (timeouts appear in header lines: "timeout 1200 secs", "1.5 secs").
type number struct {
	value float64
	text  string
}

// duration converts seconds to a time.Duration, saturating on overflow.
func (n number) duration() time.Duration {
	d := n.value * float64(time.Second)
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(d)
}

// truthy is Python's bool(value) for the values an argument can hold.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case []string:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case map[string]string:
		return len(x) > 0
	default:
		return true
	}
}

// missing returns the names in required that a lacks, for the worker's
// "<Command> is missing args: ..." refusal.
func (a args) missing(required ...string) []string {
	var out []string
	for _, k := range required {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// str returns a string argument.
func (a args) str(key string) (string, error) {
	switch x := a[key].(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	default:
		return "", fmt.Errorf("argument %q: want a string, got %T", key, a[key])
	}
}

// flag returns a boolean argument with Python truthiness, def when absent.
func (a args) flag(key string, def bool) bool {
	v, ok := a[key]
	if !ok {
		return def
	}
	return truthy(v)
}

// num returns a numeric argument, or nil when it is absent or None.
func (a args) num(key string) (*number, error) {
	v, ok := a[key]
	if !ok || v == nil {
		return nil, nil
	}
	return toNumber(key, v)
}

func toNumber(key string, v any) (*number, error) {
	switch x := v.(type) {
	case int64:
		return &number{value: float64(x), text: pyStr(x)}, nil
	case int:
		return &number{value: float64(x), text: pyStr(x)}, nil
	case uint64:
		return &number{value: float64(x), text: pyStr(x)}, nil
	case float64:
		if math.IsNaN(x) {
			return nil, fmt.Errorf("argument %q: not a number", key)
		}
		return &number{value: x, text: pyFloatRepr(x)}, nil
	default:
		return nil, fmt.Errorf("argument %q: want a number, got %T", key, v)
	}
}

// integer returns an integral argument, or nil when it is absent or None.
func (a args) integer(key string) (*int64, error) {
	n, err := a.num(key)
	if err != nil || n == nil {
		return nil, err
	}
	if n.value != math.Trunc(n.value) || n.value > math.MaxInt64 || n.value < math.MinInt64 {
		return nil, fmt.Errorf("argument %q: want an integer, got %s", key, n.text)
	}
	i := int64(n.value)
	return &i, nil
}

// strList returns a list of strings; a single string counts as a list of one.
func (a args) strList(key string) ([]string, error) {
	switch x := a[key].(type) {
	case []string:
		return x, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("argument %q: item %d: want a string, got %T", key, i, e)
			}
			out[i] = s
		}
		return out, nil
	default:
		return nil, fmt.Errorf("argument %q: want a list of strings, got %T", key, a[key])
	}
}
