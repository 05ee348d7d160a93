package data

import (
	"reflect"
	"strings"
	"sync"
)

// Items are entity structs (Build, Step…) or maps; fieldValue reads a field by
// its JSON name so that projection, in-memory filters and ordering work on
// either. Struct field indexes are found once per type.

var jsonIndexes sync.Map // reflect.Type → map[string][]int

func jsonIndex(t reflect.Type) map[string][]int {
	if v, ok := jsonIndexes.Load(t); ok {
		return v.(map[string][]int)
	}
	idx := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		idx[name] = sf.Index
	}
	v, _ := jsonIndexes.LoadOrStore(t, idx)
	return v.(map[string][]int)
}

// fieldValue returns the value of the field called name in item (an entity
// struct, a pointer to one, or a map), normalised: nil for nil pointers,
// int64 for every integer, and otherwise the value itself.
func fieldValue(item any, name string) (any, bool) {
	switch m := item.(type) {
	case map[string]any:
		v, ok := m[name]
		return normalize(v), ok
	}
	rv := reflect.ValueOf(item)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	path, ok := jsonIndex(rv.Type())[name]
	if !ok {
		return nil, false
	}
	f := rv.FieldByIndex(path)
	return normalizeValue(f), true
}

func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return v
	case int:
		return int64(x)
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *int:
		if x == nil {
			return nil
		}
		return int64(*x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	}
	return normalizeValue(reflect.ValueOf(v))
}

func normalizeValue(f reflect.Value) any {
	for f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(f.Uint())
	case reflect.String:
		return f.String()
	case reflect.Bool:
		return f.Bool()
	}
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

// listElems returns the elements of a list value, normalised, and whether v
// is a list.
func listElems(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out, true
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = normalizeValue(rv.Index(i))
	}
	return out, true
}

// compareValues orders two normalised values of the same field: nil first,
// then by value for integers, strings and booleans, element-wise for lists.
// ok is false when the values cannot be compared (different kinds, objects).
func compareValues(a, b any) (int, bool) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, true
		case a == nil:
			return -1, true
		default:
			return 1, true
		}
	}
	switch x := a.(type) {
	case int64:
		y, ok := b.(int64)
		if !ok {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		return cmp3(!x && y, x && !y), true
	}
	la, okA := listElems(a)
	lb, okB := listElems(b)
	if !okA || !okB {
		return 0, false
	}
	for i := 0; i < len(la) && i < len(lb); i++ {
		c, ok := compareValues(la[i], lb[i])
		if !ok {
			return 0, false
		}
		if c != 0 {
			return c, true
		}
	}
	return cmp3(len(la) < len(lb), len(la) > len(lb)), true
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}
