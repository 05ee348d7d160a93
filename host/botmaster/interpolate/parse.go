package interpolate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// selector is the part before the first colon of a substitution key.
type selector uint8

const (
	selProp selector = iota
	selSrc
	selWorker
	selKw
	selSecret
)

// mode is a substitution's modifier.
type mode uint8

const (
	modeMinus       mode = iota // :-DEFAULT (also no modifier, with "")
	modeTilde                   // :~DEFAULT
	modePlus                    // :+ALT
	modeTernary                 // :?|YES|NO
	modeTernaryHash             // :#?|YES|NO
)

// Template is a parsed Interpolate format string. It is immutable and safe for
// concurrent use.
type Template struct {
	raw   string
	parts []part
}

// part is a literal (sub == nil) or a substitution.
type part struct {
	lit string
	sub *substitution
}

// substitution is one %(selector:key[:modifier])<conv>.
type substitution struct {
	sel      selector
	codebase string // src only
	key      string
	mode     mode
	// yes is the DEFAULT of :- and :~, the ALT of :+, the YES of ternaries;
	// no is the NO of ternaries.
	yes, no *Template
	spec    convSpec
}

// convSpec is what follows the closing parenthesis: Python's conversion
// flags, width, precision and conversion character.
type convSpec struct {
	flags     string
	width     int
	precision int // -1 when absent
	conv      byte
}

// Error is a malformed format string.
type Error struct {
	Format string
	Msg    string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("interpolate %q: %s", e.Format, e.Msg) }

// MaxNesting bounds how deeply substitutions may nest inside modifiers.
const MaxNesting = 32

// Parse parses a format string.
func Parse(format string) (*Template, error) {
	return parse(format, 0)
}

// MustParse is Parse for format strings known to be valid (tests, constants);
// it panics on error.
func MustParse(format string) *Template {
	t, err := Parse(format)
	if err != nil {
		panic(err)
	}
	return t
}

// IsLiteral reports whether the template has no substitution.
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.sub != nil {
			return false
		}
	}
	return true
}

// String returns the format string the template was parsed from.
func (t *Template) String() string { return t.raw }

func parse(format string, depth int) (*Template, error) {
	if depth > MaxNesting {
		return nil, &Error{format, "substitutions nested too deeply"}
	}
	t := &Template{raw: format}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			lit.WriteByte(c)
			i++
			continue
		}
		switch format[i+1] {
		case '%':
			lit.WriteByte('%')
			i += 2
		case '(':
			key, next, err := scanKey(format, i+2)
			if err != nil {
				return nil, err
			}
			spec, next, err := scanSpec(format, next)
			if err != nil {
				return nil, err
			}
			sub, err := parseSubstitution(key, depth)
			if err != nil {
				return nil, &Error{format, err.Error()}
			}
			sub.spec = spec
			flush()
			t.parts = append(t.parts, part{sub: sub})
			i = next
		default:
			// Not a format: kept literally (see the package documentation).
			lit.WriteByte('%')
			i++
		}
	}
	flush()
	return t, nil
}

// scanKey returns the key of "%(" starting at start (just after the
// parenthesis) up to its balancing ')', as Python's % operator reads it.
func scanKey(format string, start int) (key string, next int, err error) {
	depth := 1
	for i := start; i < len(format); i++ {
		switch format[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return format[start:i], i + 1, nil
			}
		}
	}
	return "", 0, &Error{format, "incomplete format key"}
}

// scanSpec reads flags, width, precision, a length modifier and the
// conversion character.
func scanSpec(format string, i int) (convSpec, int, error) {
	s := convSpec{precision: -1}
	start := i
	for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
		i++
	}
	s.flags = format[start:i]
	for i < len(format) && format[i] >= '0' && format[i] <= '9' {
		s.width = s.width*10 + int(format[i]-'0')
		if s.width > 1<<16 {
			return s, 0, &Error{format, "width too large"}
		}
		i++
	}
	if i < len(format) && format[i] == '.' {
		i++
		s.precision = 0
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			s.precision = s.precision*10 + int(format[i]-'0')
			if s.precision > 1<<16 {
				return s, 0, &Error{format, "precision too large"}
			}
			i++
		}
	}
	for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
		i++
	}
	if i >= len(format) {
		return s, 0, &Error{format, "incomplete format"}
	}
	switch c := format[i]; c {
	case 's', 'r', 'a', 'd', 'i', 'u':
		s.conv = c
	case '*':
		return s, 0, &Error{format, "* wants int"}
	default:
		r, _ := utf8.DecodeRuneInString(format[i:])
		return s, 0, &Error{format, fmt.Sprintf("unsupported format character %q", r)}
	}
	return s, i + 1, nil
}

// parseSubstitution reads "selector:arg" as Buildbot's Interpolate._parse.
func parseSubstitution(key string, depth int) (*substitution, error) {
	selName, arg, ok := strings.Cut(key, ":")
	if !ok {
		return nil, fmt.Errorf("invalid Interpolate substitution without selector '%s'", key)
	}
	sub := &substitution{}
	var repl string
	var hasRepl bool
	switch selName {
	case "prop", "kw", "worker", "secret":
		sub.key, repl, hasRepl = strings.Cut(arg, ":")
		switch selName {
		case "prop":
			sub.sel = selProp
			if !isIdentifier(sub.key) {
				return nil, fmt.Errorf("Property name must be alphanumeric for prop Interpolation '%s'", arg)
			}
		case "kw":
			sub.sel = selKw
			if !isIdentifier(sub.key) {
				return nil, fmt.Errorf("Keyword must be alphanumeric for kw Interpolation '%s'", arg)
			}
		case "worker":
			sub.sel = selWorker
		case "secret":
			sub.sel = selSecret
		}
	case "src":
		sub.sel = selSrc
		var rest string
		sub.codebase, rest, ok = strings.Cut(arg, ":")
		if !ok {
			return nil, fmt.Errorf("Must specify both codebase and attribute for src Interpolation '%s'", arg)
		}
		sub.key, repl, hasRepl = strings.Cut(rest, ":")
		if !isIdentifier(sub.codebase) {
			return nil, fmt.Errorf("Codebase must be alphanumeric for src Interpolation '%s'", arg)
		}
		if !isIdentifier(sub.key) {
			return nil, fmt.Errorf("Attribute must be alphanumeric for src Interpolation '%s'", arg)
		}
	default:
		return nil, fmt.Errorf("invalid Interpolate selector '%s'", selName)
	}
	if !hasRepl {
		repl = "-"
	}
	var err error
	switch {
	case strings.HasPrefix(repl, "-"):
		sub.mode = modeMinus
		sub.yes, err = parse(repl[1:], depth+1)
	case strings.HasPrefix(repl, "~"):
		sub.mode = modeTilde
		sub.yes, err = parse(repl[1:], depth+1)
	case strings.HasPrefix(repl, "+"):
		sub.mode = modePlus
		sub.yes, err = parse(repl[1:], depth+1)
	case strings.HasPrefix(repl, "?"):
		sub.mode = modeTernary
		sub.yes, sub.no, err = parseTernary(repl[1:], depth)
	case strings.HasPrefix(repl, "#?"):
		sub.mode = modeTernaryHash
		sub.yes, sub.no, err = parseTernary(repl[2:], depth)
	case repl == "":
		return nil, fmt.Errorf("invalid Interpolate default type ''")
	default:
		r, _ := utf8.DecodeRuneInString(repl)
		return nil, fmt.Errorf("invalid Interpolate default type '%c'", r)
	}
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// parseTernary splits "|YES|NO" at the first delimiter outside parentheses
// (Buildbot's _splitBalancedParen).
func parseTernary(body string, depth int) (yes, no *Template, err error) {
	if body == "" {
		return nil, nil, fmt.Errorf("invalid Interpolate ternary expression ''")
	}
	delim, size := utf8.DecodeRuneInString(body)
	if delim == '(' {
		return nil, nil, fmt.Errorf("invalid Interpolate ternary delimiter '('")
	}
	delimStr, rest := body[:size], body[size:]
	parens := 0
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '(':
			parens++
		case ')':
			parens--
			if parens < 0 {
				return nil, nil, fmt.Errorf("invalid Interpolate ternary expression '%s' with delimiter '%c'", rest, delim)
			}
		}
		if parens == 0 && strings.HasPrefix(rest[i:], delimStr) {
			if yes, err = parse(rest[:i], depth+1); err != nil {
				return nil, nil, err
			}
			if no, err = parse(rest[i+len(delimStr):], depth+1); err != nil {
				return nil, nil, err
			}
			return yes, no, nil
		}
	}
	return nil, nil, fmt.Errorf("invalid Interpolate ternary expression '%s' with delimiter '%c'", rest, delim)
}

// isIdentifier is Buildbot's ^[\w._-]*$.
func isIdentifier(s string) bool {
	for _, r := range s {
		if r != '_' && r != '.' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return true
}
