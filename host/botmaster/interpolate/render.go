package interpolate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Context is what a template is rendered against: a build's properties,
// source stamps and worker, and the caller's keyword values. Each lookup
// reports whether the key exists; a nil value that exists is Python's None.
type Context interface {
	// Property looks up a build property.
	Property(name string) (value any, ok bool)
	// SourceStampAttr looks up an attribute (branch, revision, repository,
	// project, codebase, ssid, patch, created_at) of the source stamp of a
	// codebase ("" is the default codebase); ok is false when the build has
	// no stamp for the codebase.
	SourceStampAttr(codebase, attr string) (value any, ok bool)
	// WorkerInfo looks up a key of the worker's info (os, host, admin…).
	WorkerInfo(key string) (value any, ok bool)
	// Keyword looks up a keyword value passed to the renderer.
	Keyword(name string) (value any, ok bool)
}

// SecretContext is implemented by a Context that can resolve %(secret:NAME)s.
type SecretContext interface {
	Secret(name string) (value string, err error)
}

// ErrNoSecrets is returned when a template uses %(secret:…)s and the context
// has no secrets provider.
var ErrNoSecrets = errors.New("secrets service not configured")

// Render parses and renders format in one call.
func Render(format string, ctx Context) (string, error) {
	t, err := Parse(format)
	if err != nil {
		return "", err
	}
	return t.Render(ctx)
}

// Render renders the template against ctx.
func (t *Template) Render(ctx Context) (string, error) {
	if len(t.parts) == 1 && t.parts[0].sub == nil {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	if err := t.renderTo(&b, ctx); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (t *Template) renderTo(b *strings.Builder, ctx Context) error {
	for _, p := range t.parts {
		if p.sub == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.sub.value(ctx)
		if err != nil {
			return err
		}
		if err := p.sub.spec.format(b, v); err != nil {
			return fmt.Errorf("interpolate %q: %w", t.raw, err)
		}
	}
	return nil
}

// value resolves the substitution to the value Python would format: the
// looked-up value, or a rendered DEFAULT/ALT/YES/NO string; None becomes "".
func (s *substitution) value(ctx Context) (any, error) {
	v, ok, err := s.lookup(ctx)
	if err != nil {
		return nil, err
	}
	var out any
	switch s.mode {
	case modeMinus:
		if !ok {
			return s.yes.Render(ctx)
		}
		out = v
	case modeTilde:
		if !ok || !Truthy(v) {
			return s.yes.Render(ctx)
		}
		out = v
	case modePlus:
		if !ok {
			return "", nil
		}
		return s.yes.Render(ctx)
	case modeTernary:
		if ok {
			return s.yes.Render(ctx)
		}
		return s.no.Render(ctx)
	case modeTernaryHash:
		if ok && Truthy(v) {
			return s.yes.Render(ctx)
		}
		return s.no.Render(ctx)
	}
	if out == nil {
		return "", nil
	}
	return out, nil
}

func (s *substitution) lookup(ctx Context) (any, bool, error) {
	switch s.sel {
	case selProp:
		v, ok := ctx.Property(s.key)
		return v, ok, nil
	case selSrc:
		v, ok := ctx.SourceStampAttr(s.codebase, s.key)
		return v, ok, nil
	case selWorker:
		v, ok := ctx.WorkerInfo(s.key)
		return v, ok, nil
	case selKw:
		v, ok := ctx.Keyword(s.key)
		return v, ok, nil
	case selSecret:
		sc, ok := ctx.(SecretContext)
		if !ok {
			return nil, false, fmt.Errorf("%%(secret:%s)s: %w", s.key, ErrNoSecrets)
		}
		v, err := sc.Secret(s.key)
		if err != nil {
			return nil, false, fmt.Errorf("secret %q: %w", s.key, err)
		}
		return v, true, nil
	}
	return nil, false, nil
}

// format writes v with Python's %-conversion rules for the supported
// conversions.
func (c convSpec) format(b *strings.Builder, v any) error {
	var body string
	numeric := false
	switch c.conv {
	case 's':
		body = PyStr(v)
	case 'r', 'a':
		body = PyRepr(v)
	case 'd', 'i', 'u':
		n, err := toInt(v)
		if err != nil {
			return err
		}
		numeric = true
		body = strconv.FormatInt(n, 10)
		if n >= 0 {
			switch {
			case strings.Contains(c.flags, "+"):
				body = "+" + body
			case strings.Contains(c.flags, " "):
				body = " " + body
			}
		}
		if c.precision > 0 {
			sign := ""
			if body[0] == '-' || body[0] == '+' || body[0] == ' ' {
				sign, body = body[:1], body[1:]
			}
			if pad := c.precision - len(body); pad > 0 {
				body = strings.Repeat("0", pad) + body
			}
			body = sign + body
		}
	}
	if !numeric && c.precision >= 0 && utf8.RuneCountInString(body) > c.precision {
		n := 0
		for i := range body {
			if n == c.precision {
				body = body[:i]
				break
			}
			n++
		}
	}
	pad := c.width - utf8.RuneCountInString(body)
	switch {
	case pad <= 0:
		b.WriteString(body)
	case strings.Contains(c.flags, "-"):
		b.WriteString(body)
		b.WriteString(strings.Repeat(" ", pad))
	case numeric && strings.Contains(c.flags, "0"):
		sign := ""
		if body[0] == '-' || body[0] == '+' || body[0] == ' ' {
			sign, body = body[:1], body[1:]
		}
		b.WriteString(sign)
		b.WriteString(strings.Repeat("0", pad))
		b.WriteString(body)
	default:
		b.WriteString(strings.Repeat(" ", pad))
		b.WriteString(body)
	}
	return nil
}

// toInt converts v for %d as Python would: ints and bools as they are,
// floats truncated; anything else is an error.
func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("%%d format: a real number is required, not %q", x.String())
		}
		return truncFloat(f)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return truncFloat(rv.Float())
	}
	return 0, fmt.Errorf("%%d format: a real number is required, not %s", pyTypeName(v))
}

func truncFloat(f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1<<63 {
		return 0, fmt.Errorf("%%d format: cannot convert %s to integer", pyFloatRepr(f))
	}
	return int64(f), nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case nil:
		return "NoneType"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}
