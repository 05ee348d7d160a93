// Package pyre runs Python regular expressions (as Buildbot's
// configuration writes them) with Go's RE2 engine, keeping Python's
// meaning where the two differ in ways users rely on:
//
//   - Match is Python's re.match: anchored at the start only;
//   - \w, \d and \s are Unicode-aware (Python 3 str patterns), where Go's
//     are ASCII;
//   - $ also matches before a final newline, and \Z is the very end;
//   - \uXXXX and \UXXXXXXXX escapes, and escaped non-punctuation characters
//     such as "\ ", are accepted.
//
// Constructs RE2 lacks (look-around, back-references, possessive and atomic
// groups, verbose mode) are compile errors. Inside a character class, \W,
// \D and \S keep Go's ASCII meaning.
package pyre

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Regexp is a compiled Python regular expression.
type Regexp struct {
	// Pattern is the Python source.
	Pattern string
	re      *regexp.Regexp
}

// Python's whitespace (str.isspace) as an RE2 class body.
const pySpace = `\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

const (
	pyWord  = `\p{L}\p{N}_`
	pyDigit = `\p{Nd}`
)

// Compile translates and compiles a Python pattern.
func Compile(pattern string) (*Regexp, error) {
	tr, err := translate(pattern)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", pattern, err)
	}
	re, err := regexp.Compile(`\A(?:` + tr + `)`)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", pattern, unwrapSyntax(err))
	}
	return &Regexp{Pattern: pattern, re: re}, nil
}

// MustCompile is Compile for patterns known to be valid; it panics
// otherwise (use it only for constants).
func MustCompile(pattern string) *Regexp {
	r, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return r
}

// Match reports whether s matches at its start (Python's re.match).
func (r *Regexp) Match(s string) bool { return r.re.MatchString(s) }

// String returns the Python source.
func (r *Regexp) String() string { return r.Pattern }

func unwrapSyntax(err error) error {
	if se, ok := err.(interface{ Unwrap() error }); ok && se.Unwrap() != nil {
		return se.Unwrap()
	}
	return err
}

// translate rewrites a Python pattern into RE2 syntax.
func translate(p string) (string, error) {
	if !utf8.ValidString(p) {
		return "", fmt.Errorf("not valid UTF-8")
	}
	multiline := strings.Contains(p, "(?m") || hasFlag(p, 'm')
	if hasFlag(p, 'x') {
		return "", fmt.Errorf("verbose mode (?x) is not supported")
	}
	var b strings.Builder
	inClass := false
	classStart := 0 // b.Len() after the class's opening [ or [^
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == '\\':
			if i+1 >= len(p) {
				return "", fmt.Errorf("bad escape (end of pattern)")
			}
			n, err := escape(&b, p[i+1:], inClass)
			if err != nil {
				return "", err
			}
			i += 1 + n
			continue
		case inClass:
			if r == ']' && b.Len() > classStart {
				inClass = false
			} else if r == '[' {
				// Python takes [ literally inside a class; RE2 may read
				// [:name:] as a POSIX class.
				b.WriteString(`\[`)
				i += size
				continue
			}
			b.WriteRune(r)
		case r == '[':
			inClass = true
			b.WriteByte('[')
			i += size
			if i < len(p) && p[i] == '^' {
				b.WriteByte('^')
				i++
			}
			classStart = b.Len()
			if i < len(p) && p[i] == ']' {
				// A ] first in a class is literal in both dialects.
				b.WriteString(`\]`)
				i++
			}
			continue
		case r == '$' && !multiline:
			b.WriteString(`(?:\n?\z)`)
		case r == '(' && strings.HasPrefix(p[i:], "(?#"):
			end := strings.IndexByte(p[i:], ')')
			if end < 0 {
				return "", fmt.Errorf("missing ), unterminated comment")
			}
			i += end + 1
			continue
		case r == '(' && strings.HasPrefix(p[i:], "(?P="):
			return "", fmt.Errorf("back-references are not supported")
		default:
			b.WriteRune(r)
		}
		i += size
	}
	if inClass {
		return "", fmt.Errorf("unterminated character set")
	}
	return b.String(), nil
}

// hasFlag reports whether p starts with an inline flag group holding f,
// such as (?im).
func hasFlag(p string, f byte) bool {
	if !strings.HasPrefix(p, "(?") {
		return false
	}
	for i := 2; i < len(p); i++ {
		c := p[i]
		if c == ')' || c == ':' {
			return false
		}
		if c == f {
			return true
		}
		if !strings.ContainsRune("aiLmsux-", rune(c)) {
			return false
		}
	}
	return false
}

// escape writes the translation of the escape sequence starting after a
// backslash in rest and returns how many bytes of rest it used.
func escape(b *strings.Builder, rest string, inClass bool) (int, error) {
	c, size := utf8.DecodeRuneInString(rest)
	class := func(body string, negated bool) {
		switch {
		case inClass:
			b.WriteString(body)
		case negated:
			b.WriteString("[^" + body + "]")
		default:
			b.WriteString("[" + body + "]")
		}
	}
	switch c {
	case 'w':
		class(pyWord, false)
	case 'd':
		class(pyDigit, false)
	case 's':
		class(pySpace, false)
	case 'W', 'D', 'S':
		if inClass {
			b.WriteString(`\` + string(c))
			break
		}
		class(map[rune]string{'W': pyWord, 'D': pyDigit, 'S': pySpace}[c], true)
	case 'Z':
		if inClass {
			return 0, fmt.Errorf(`bad escape \Z in a character class`)
		}
		b.WriteString(`\z`)
	case 'A', 'b', 'B':
		if inClass && c != 'b' {
			return 0, fmt.Errorf(`bad escape \%c in a character class`, c)
		}
		if inClass { // \b is a backspace inside a class
			b.WriteString(`\x08`)
		} else {
			b.WriteString(`\` + string(c))
		}
	case 'a', 'f', 'n', 'r', 't', 'v':
		b.WriteString(`\` + string(c))
	case 'x':
		if len(rest) < 3 || !isHex(rest[1:3]) {
			return 0, fmt.Errorf(`incomplete escape \x`)
		}
		b.WriteString(`\x{` + rest[1:3] + `}`)
		return 3, nil
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		if len(rest) < 1+n || !isHex(rest[1:1+n]) {
			return 0, fmt.Errorf(`incomplete escape \%c`, c)
		}
		b.WriteString(`\x{` + rest[1:1+n] + `}`)
		return 1 + n, nil
	case '0':
		// Octal escape: \0, \0o, \0oo.
		j := 1
		for j < 3 && j < len(rest) && rest[j] >= '0' && rest[j] <= '7' {
			j++
		}
		v := 0
		for _, d := range rest[1:j] {
			v = v*8 + int(d-'0')
		}
		fmt.Fprintf(b, `\x{%x}`, v)
		return j, nil
	default:
		switch {
		case c >= '1' && c <= '9':
			return 0, fmt.Errorf("back-references are not supported")
		case c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
			return 0, fmt.Errorf(`bad escape \%c`, c)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return size, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
