package force

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyre"
)

// fieldError is a value Buildbot's parameter code refuses. Python raises
// a ValidationError (a ValueError) for most, which the force call collects
// and returns as invalid params; for a few (typeError) it raises a
// TypeError, which Buildbot answers with an internal error: bbhost reports
// those as invalid params too, with Python's message.
type fieldError struct {
	msg       string
	typeError bool
}

func (e *fieldError) Error() string { return e.msg }

func valueErrorf(format string, args ...any) *fieldError {
	return &fieldError{msg: fmt.Sprintf(format, args...)}
}

func typeErrorf(format string, args ...any) *fieldError {
	return &fieldError{msg: fmt.Sprintf(format, args...), typeError: true}
}

// kwargs are the force call's values by full field name, each a list
// (Buildbot wraps every value that is not a list into one).
type kwargs map[string][]any

// newKwargs wraps raw request values.
func newKwargs(fields map[string]any) kwargs {
	kw := make(kwargs, len(fields))
	for k, v := range fields {
		switch v := v.(type) {
		case []any:
			kw[k] = append([]any(nil), v...)
		case []string:
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			kw[k] = l
		default:
			kw[k] = []any{v}
		}
	}
	return kw
}

// maxValues bounds the values of one field (dropBlanks is quadratic, as
// Buildbot's loop is).
const maxValues = 1000

// dropBlanks is Buildbot's "delete white space for args" loop, quirks
// included: it removes blank strings while iterating over the same list,
// so a blank right after a removed one survives.
func dropBlanks(args []any) []any {
	for i := 0; i < len(args); i++ {
		s, ok := args[i].(string)
		if !ok || strings.TrimFunc(s, isPySpace) != "" {
			continue
		}
		for j := range args { // list.remove: the first equal element
			if o, ok := args[j].(string); ok && o == s {
				args = append(args[:j:j], args[j+1:]...)
				break
			}
		}
	}
	return args
}

func isPySpace(r rune) bool {
	switch {
	case r >= 0x1c && r <= 0x1f, r == 0x85:
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

// get is the parameter's getFromKwargs: the value the form gives it.
func (p *param) get(kw kwargs) (any, *fieldError) {
	if p.kind == kindBool {
		args, ok := kw[p.key()]
		if !ok {
			args = []any{p.def}
		}
		return len(args) == 1 && pyfmt.Equal(args[0], true), nil
	}
	if n := len(kw[p.key()]); n > maxValues {
		return nil, valueErrorf("%s: too many values (%d > %d)", p.label, n, maxValues)
	}
	args := dropBlanks(append([]any(nil), kw[p.key()]...))
	if len(args) == 0 {
		if p.required {
			return nil, valueErrorf("'%s' needs to be specified", p.label)
		}
		if p.multiple {
			args, _ = multipleDefault(p.def)
		} else {
			args = []any{p.def}
		}
	}
	if p.regex != nil {
		for _, a := range args {
			s, ok := a.(string)
			if !ok {
				return nil, typeErrorf("expected string or bytes-like object, got '%s'", pyfmt.TypeName(a))
			}
			if !p.regex.Match(s) {
				return nil, valueErrorf("%s:'%s' does not match pattern '%s'", p.label, s, p.regex.Pattern)
			}
		}
	}
	if p.maxsize != nil {
		for _, a := range args {
			n, ok := pyfmt.Len(a)
			if !ok {
				return nil, typeErrorf("object of type '%s' has no len()", pyfmt.TypeName(a))
			}
			if n > *p.maxsize {
				return nil, valueErrorf("%s: is too large %d > %d", p.label, n, *p.maxsize)
			}
		}
	}
	v, err := p.parseArgs(args)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, valueErrorf("need %s: no default provided by config", p.key())
	}
	return v, nil
}

// parseArgs is parse_from_args: one value, or a list for multiple.
func (p *param) parseArgs(args []any) (any, *fieldError) {
	if p.kind == kindFixed {
		return p.def, nil
	}
	if p.multiple {
		out := make([]any, 0, len(args))
		for _, a := range args {
			v, err := p.parseArg(a)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return p.parseArg(args[0])
}

// validEmail is Buildbot's VALID_EMAIL_ADDR, searched anywhere in the value.
var validEmail = pyre.MustCompile(`(?s).*?(?:\S+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+\.?)`)

// parseArg is parse_from_arg for one value.
func (p *param) parseArg(a any) (any, *fieldError) {
	switch p.kind {
	case kindInt:
		return pyInt(a)
	case kindUsername:
		if !pyfmt.Truthy(a) && !p.required {
			return a, nil
		}
		if p.needEmail {
			s, ok := a.(string)
			if !ok {
				return nil, typeErrorf("expected string or bytes-like object, got '%s'", pyfmt.TypeName(a))
			}
			if !validEmail.Match(s) {
				return nil, valueErrorf("%s: please fill in email address in the form 'User <email@email.com>'", p.name)
			}
		}
		return a, nil
	case kindChoice, kindWorker:
		if p.strict && !pyfmt.In(a, p.choices) {
			return nil, valueErrorf("'%s' does not belong to list of available choices '%s'", pyfmt.Str(a), pyfmt.Repr(p.choices))
		}
		return a, nil
	}
	return a, nil
}

// pyInt is Python's int(a): strings in base 10 (surrounding whitespace,
// a sign, Unicode digits and single underscores between digits allowed),
// floats truncated, booleans as 0 and 1. Values beyond int64 are refused
// (Python has no limit).
func pyInt(a any) (any, *fieldError) {
	switch v := a.(type) {
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		t := math.Trunc(v)
		if math.IsNaN(v) || math.IsInf(v, 0) || t < math.MinInt64 || t >= math.MaxInt64 {
			return nil, valueErrorf("cannot convert float %s to integer", pyfmt.Float(v))
		}
		return int64(t), nil
	case string:
		return parseIntString(v)
	}
	if i, ok := pyfmt.AsInt(a); ok {
		return i, nil
	}
	return nil, typeErrorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyfmt.TypeName(a))
}

func parseIntString(s string) (any, *fieldError) {
	bad := valueErrorf("invalid literal for int() with base 10: %s", pyfmt.Repr(s))
	t := strings.TrimFunc(s, isPySpace)
	var b strings.Builder
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return nil, bad
	}
	prevDigit := false
	for _, r := range t {
		if r == '_' {
			if !prevDigit {
				return nil, bad
			}
			prevDigit = false
			continue
		}
		d, ok := digitValue(r)
		if !ok {
			return nil, bad
		}
		b.WriteByte(byte('0' + d))
		prevDigit = true
	}
	if !prevDigit {
		return nil, bad
	}
	digits := b.String()
	if neg {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return nil, valueErrorf("integer %s is out of range", pyfmt.Repr(s))
	}
	return n, nil
}

// digitValue returns the value of a Unicode decimal digit (category Nd,
// which Unicode lays out in runs of ten from zero).
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	first := r
	for first > 0 && unicode.IsDigit(first-1) {
		first--
	}
	return int(r-first) % 10, true
}
