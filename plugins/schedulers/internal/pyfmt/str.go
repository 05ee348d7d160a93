package pyfmt

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Str returns Python's str(v).
func Str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return Repr(v)
}

// Repr returns Python's repr(v). Map keys are sorted (Python would keep
// insertion order, which a Go map does not have).
func Repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

const maxDepth = 64

func writeRepr(b *strings.Builder, v any, depth int) {
	if depth > maxDepth {
		b.WriteString("[...]")
		return
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		b.WriteString(quote(v))
	case float64:
		b.WriteString(Float(v))
	case float32:
		b.WriteString(Float(float64(v)))
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x, depth+1)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(x))
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k))
			b.WriteString(": ")
			writeRepr(b, v[k], depth+1)
		}
		b.WriteByte('}')
	default:
		if i, ok := AsInt(v); ok {
			b.WriteString(strconv.FormatInt(i, 10))
			return
		}
		if u, ok := v.(uint64); ok {
			b.WriteString(strconv.FormatUint(u, 10))
			return
		}
		b.WriteString("<" + TypeName(v) + " object>")
	}
}

// AsInt returns v as an int64 when it is a Go integer that fits.
func AsInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// Float returns Python's repr of a float: the shortest digits that read
// back to f, in positional notation for exponents -4..15 (always with a
// fractional part) and scientific notation ("1e+16", "1.5e-05") otherwise.
func Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		e := strconv.Itoa(exp)
		if len(e) < 2 {
			e = "0" + e
		}
		return sign + m + "e" + es + e
	}
	var out string
	switch {
	case exp < 0:
		out = "0." + strings.Repeat("0", -exp-1) + digits
	case exp+1 >= len(digits):
		out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	default:
		out = digits[:exp+1] + "." + digits[exp+1:]
	}
	return sign + out
}

// quote returns Python's repr of a str: single quotes unless the text has
// a single quote and no double quote; backslash escapes for the quote,
// backslash, \t \n \r and non-printable characters.
func quote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// Invalid UTF-8 (Python strings cannot hold it): show the byte.
			b.WriteString(`\x` + hex(int64(s[i-1]), 2))
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x` + hex(int64(r), 2))
		case r < 0x7f:
			b.WriteRune(r)
		case printable(r):
			b.WriteRune(r)
		case r <= 0xff:
			b.WriteString(`\x` + hex(int64(r), 2))
		case r <= 0xffff:
			b.WriteString(`\u` + hex(int64(r), 4))
		default:
			b.WriteString(`\U` + hex(int64(r), 8))
		}
	}
	b.WriteByte(q)
	return b.String()
}

func hex(n int64, width int) string {
	s := strconv.FormatInt(n, 16)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// printable approximates Python's str.isprintable for one non-ASCII
// character: not a control, format, surrogate, private-use, unassigned or
// separator character.
func printable(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co, unicode.Zl, unicode.Zp, unicode.Zs) {
		return false
	}
	return unicode.IsPrint(r) || unicode.IsGraphic(r)
}

// TypeName is Python's type(v).__name__ for a JSON-compatible value.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case string:
		return "str"
	case float32, float64:
		return "float"
	case []any, []string:
		return "list"
	case map[string]any:
		return "dict"
	}
	if _, ok := AsInt(v); ok {
		return "int"
	}
	if _, ok := v.(uint64); ok {
		return "int"
	}
	return "object"
}
