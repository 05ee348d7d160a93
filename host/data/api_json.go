package data

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// AppendJSON appends v to b as compact JSON with every object's keys in
// sorted order, as Buildbot's json.dumps(sort_keys=True) writes answers and
// events. Struct fields are named by their json tags and all written (Buildbot
// sends every field of an entity, null included, so omitempty is not
// honoured); []byte is base64, json.RawMessage and json.Number are copied.
func AppendJSON(b []byte, v any) ([]byte, error) {
	return appendValue(b, reflect.ValueOf(v), -1)
}

// AppendJSONIndent is AppendJSON pretty-printed the way Buildbot's
// text/plain answers are (json.dumps(indent=2, sort_keys=True)): one member
// per line, two spaces per level, ": " after keys, empty objects and lists
// as {} and [].
func AppendJSONIndent(b []byte, v any) ([]byte, error) {
	return appendValue(b, reflect.ValueOf(v), 0)
}

// newline starts a line at the given depth (no-op when compact).
func newline(b []byte, depth int) []byte {
	if depth < 0 {
		return b
	}
	b = append(b, '\n')
	for i := 0; i < depth; i++ {
		b = append(b, ' ', ' ')
	}
	return b
}

func deeper(depth int) int {
	if depth < 0 {
		return depth
	}
	return depth + 1
}

// MarshalSorted is AppendJSON into a new slice.
func MarshalSorted(v any) ([]byte, error) { return AppendJSON(nil, v) }

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	numberType     = reflect.TypeFor[json.Number]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

type structField struct {
	name  string
	index []int
}

var structPlans sync.Map // reflect.Type → []structField, sorted by name

func structPlan(t reflect.Type) []structField {
	if v, ok := structPlans.Load(t); ok {
		return v.([]structField)
	}
	var fields []structField
	for name, idx := range jsonIndex(t) {
		fields = append(fields, structField{name: name, index: idx})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].name < fields[j].name })
	v, _ := structPlans.LoadOrStore(t, fields)
	return v.([]structField)
}

func appendValue(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	t := v.Type()
	switch t {
	case rawMessageType:
		raw := v.Bytes()
		if len(raw) == 0 {
			return append(b, "null"...), nil
		}
		return appendRaw(b, raw, depth)
	case numberType:
		s := v.String()
		if s == "" {
			s = "0"
		}
		return append(b, s...), nil
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if t.Kind() == reflect.Pointer && t.Implements(marshalerType) {
			return appendMarshaler(b, v, depth)
		}
		return appendValue(b, v.Elem(), depth)
	case reflect.String:
		return appendString(b, v.String()), nil
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...), nil
		}
		out, err := json.Marshal(f)
		if err != nil {
			return b, err
		}
		return append(b, out...), nil
	case reflect.Struct:
		if t.Implements(marshalerType) {
			return appendMarshaler(b, v, depth)
		}
		plan := structPlan(t)
		if len(plan) == 0 {
			return append(b, "{}"...), nil
		}
		b = append(b, '{')
		for i, f := range plan {
			if i > 0 {
				b = append(b, ',')
			}
			b = newline(b, deeper(depth))
			b = appendString(b, f.name)
			b = appendColon(b, depth)
			var err error
			if b, err = appendValue(b, v.FieldByIndex(f.index), deeper(depth)); err != nil {
				return b, err
			}
		}
		b = newline(b, depth)
		return append(b, '}'), nil
	case reflect.Map:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = mapKeyString(k)
		}
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool { return names[order[i]] < names[order[j]] })
		if len(order) == 0 {
			return append(b, "{}"...), nil
		}
		b = append(b, '{')
		for n, i := range order {
			if n > 0 {
				b = append(b, ',')
			}
			b = newline(b, deeper(depth))
			b = appendString(b, names[i])
			b = appendColon(b, depth)
			var err error
			if b, err = appendValue(b, v.MapIndex(keys[i]), deeper(depth)); err != nil {
				return b, err
			}
		}
		b = newline(b, depth)
		return append(b, '}'), nil
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, v.Bytes())
			return append(b, '"'), nil
		}
		fallthrough
	case reflect.Array:
		if v.Len() == 0 {
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = newline(b, deeper(depth))
			var err error
			if b, err = appendValue(b, v.Index(i), deeper(depth)); err != nil {
				return b, err
			}
		}
		b = newline(b, depth)
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("cannot encode %s as JSON", t)
}

func appendColon(b []byte, depth int) []byte {
	if depth < 0 {
		return append(b, ':')
	}
	return append(b, ':', ' ')
}

func appendMarshaler(b []byte, v reflect.Value, depth int) ([]byte, error) {
	out, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return b, err
	}
	return appendRaw(b, out, depth)
}

// appendRaw copies JSON text, compacted or indented to fit.
func appendRaw(b, raw []byte, depth int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if depth < 0 {
		err = json.Compact(&buf, raw)
	} else {
		err = json.Indent(&buf, raw, strings.Repeat("  ", depth), "  ")
	}
	if err != nil {
		return b, fmt.Errorf("encode raw JSON: %w", err)
	}
	return append(b, buf.Bytes()...), nil
}

func mapKeyString(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return k.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(k.Uint(), 10)
	}
	return fmt.Sprint(k.Interface())
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping as encoding/json does
// except for HTML characters (Python's json does not escape them either).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSONString appends s as a JSON string.
func AppendJSONString(b []byte, s string) []byte { return appendString(b, s) }

// Indent re-formats compact JSON the way Buildbot's text/plain answers look
// (json.dumps(indent=2)).
func Indent(dst *bytes.Buffer, compact []byte) error {
	return json.Indent(dst, compact, "", "  ")
}
