package pyfmt

import "math"

// number returns v as a float64 and whether it is a Python number (bool,
// int or float: True == 1 == 1.0 in Python).
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	if i, ok := AsInt(v); ok {
		return float64(i), true
	}
	return 0, false
}

// Equal is Python's == on JSON-compatible values: numbers compare by value
// whatever their type (True == 1 == 1.0), lists element-wise, dicts by
// keys and values.
func Equal(a, b any) bool {
	if na, ok := number(a); ok {
		nb, ok := number(b)
		if !ok {
			return false
		}
		ia, aInt := AsInt(a)
		ib, bInt := AsInt(b)
		if aInt && bInt {
			return ia == ib
		}
		return na == nb && !math.IsNaN(na)
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && s == a
	case []any:
		l, ok := b.([]any)
		if !ok || len(l) != len(a) {
			return false
		}
		for i := range a {
			if !Equal(a[i], l[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		m, ok := b.(map[string]any)
		if !ok || len(m) != len(a) {
			return false
		}
		for k, v := range a {
			w, ok := m[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// In is Python's `v in list`.
func In(v any, list []any) bool {
	for _, x := range list {
		if Equal(v, x) {
			return true
		}
	}
	return false
}

// Truthy is Python's bool(v).
func Truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	if n, ok := number(v); ok {
		return n != 0
	}
	return true
}

// Len is Python's len(v); ok is false (a TypeError in Python) for values
// without a length.
func Len(v any) (n int, ok bool) {
	switch v := v.(type) {
	case string:
		return len([]rune(v)), true
	case []any:
		return len(v), true
	case map[string]any:
		return len(v), true
	}
	return 0, false
}
