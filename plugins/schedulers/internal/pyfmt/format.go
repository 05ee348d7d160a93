package pyfmt

import (
	"fmt"
	"strconv"
	"strings"
)

// Format is Python's `format % mapping` for the conversions Buildbot's
// reason strings use: %(key)s, %(key)r, %(key)d and %%, with optional
// flags ("-", "0", " ", "+"), width and (for s and r) precision. A key
// missing from the mapping is an error (Python's KeyError), as is any
// other conversion.
func Format(format string, mapping map[string]any) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		spec, n, err := parseSpec(format[i:])
		if err != nil {
			return "", err
		}
		i += n
		if spec.conv == '%' {
			b.WriteByte('%')
			continue
		}
		if !spec.hasKey {
			return "", fmt.Errorf("format requires a mapping key at %q", format[i-n:i])
		}
		v, ok := mapping[spec.key]
		if !ok {
			return "", fmt.Errorf("KeyError: %s", quote(spec.key))
		}
		s, err := spec.render(v)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// Check reports an error when format uses a conversion Format does not
// support or a key outside keys.
func Check(format string, keys ...string) error {
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		m[k] = ""
	}
	for i := 0; i < len(format); {
		if format[i] != '%' {
			i++
			continue
		}
		spec, n, err := parseSpec(format[i:])
		if err != nil {
			return err
		}
		i += n
		if spec.conv == '%' {
			continue
		}
		if !spec.hasKey {
			return fmt.Errorf("%q: use %%(name)s with one of %s", format[i-n:i], strings.Join(keys, ", "))
		}
		if _, ok := m[spec.key]; !ok {
			return fmt.Errorf("unknown key %q in %q: the keys are %s", spec.key, format[i-n:i], strings.Join(keys, ", "))
		}
	}
	return nil
}

type spec struct {
	hasKey    bool
	key       string
	flags     string
	width     int
	precision int // -1 when absent
	conv      byte
}

func parseSpec(s string) (spec, int, error) {
	sp := spec{precision: -1}
	i := 1
	if i < len(s) && s[i] == '(' {
		depth, j := 1, i+1
		for ; j < len(s) && depth > 0; j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth > 0 {
			return sp, 0, fmt.Errorf("incomplete format key in %q", s)
		}
		sp.hasKey, sp.key = true, s[i+1:j-1]
		i = j
	}
	for i < len(s) && strings.IndexByte("-+ #0", s[i]) >= 0 {
		sp.flags += string(s[i])
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > start {
		sp.width, _ = strconv.Atoi(s[start:i])
		if sp.width > 1000 {
			return sp, 0, fmt.Errorf("format width too large in %q", s[:i])
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		sp.precision, _ = strconv.Atoi(s[start:i])
		if sp.precision > 1000 {
			return sp, 0, fmt.Errorf("format precision too large in %q", s[:i])
		}
	}
	if i < len(s) && (s[i] == 'l' || s[i] == 'h' || s[i] == 'L') {
		i++
	}
	if i >= len(s) {
		return sp, 0, fmt.Errorf("incomplete format %q", s)
	}
	sp.conv = s[i]
	switch sp.conv {
	case 's', 'r', 'a', 'd', 'i', 'u':
	case '%':
		if i != 1 {
			return sp, 0, fmt.Errorf("unsupported format %q", s[:i+1])
		}
	default:
		return sp, 0, fmt.Errorf("unsupported format character %q in %q", s[i], s[:i+1])
	}
	return sp, i + 1, nil
}

func (sp spec) render(v any) (string, error) {
	var s string
	switch sp.conv {
	case 's':
		s = Str(v)
	case 'r', 'a':
		s = Repr(v)
	default:
		n, ok := number(v)
		if !ok {
			return "", fmt.Errorf("TypeError: %%%c format: a real number is required, not %s", sp.conv, TypeName(v))
		}
		var i int64
		if iv, isInt := AsInt(v); isInt {
			i = iv
		} else {
			i = int64(n)
		}
		s = strconv.FormatInt(i, 10)
		if strings.Contains(sp.flags, "+") && i >= 0 {
			s = "+" + s
		} else if strings.Contains(sp.flags, " ") && i >= 0 {
			s = " " + s
		}
		if strings.Contains(sp.flags, "0") && !strings.Contains(sp.flags, "-") {
			neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") || strings.HasPrefix(s, " ")
			for len([]rune(s)) < sp.width {
				if neg {
					s = s[:1] + "0" + s[1:]
				} else {
					s = "0" + s
				}
			}
		}
	}
	if sp.precision >= 0 && (sp.conv == 's' || sp.conv == 'r' || sp.conv == 'a') {
		if r := []rune(s); len(r) > sp.precision {
			s = string(r[:sp.precision])
		}
	}
	if pad := sp.width - len([]rune(s)); pad > 0 {
		if strings.Contains(sp.flags, "-") {
			s += strings.Repeat(" ", pad)
		} else {
			s = strings.Repeat(" ", pad) + s
		}
	}
	return s, nil
}
