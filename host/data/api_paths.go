package data

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PathArgs are the values a path pattern captured: int64 for `n:` segments,
// string for `i:` and untyped `:` segments.
type PathArgs map[string]any

// Int returns the integer argument called name.
func (a PathArgs) Int(name string) (int64, bool) {
	v, ok := a[name].(int64)
	return v, ok
}

// String returns the string argument called name.
func (a PathArgs) String(name string) (string, bool) {
	v, ok := a[name].(string)
	return v, ok
}

// Has reports whether the path captured name.
func (a PathArgs) Has(name string) bool {
	_, ok := a[name]
	return ok
}

// repr renders the arguments in path order as Buildbot's error messages do
// ({'buildid': 999}).
func (a PathArgs) repr(order []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'%s': ", k)
		switch v := a[k].(type) {
		case string:
			fmt.Fprintf(&b, "'%s'", v)
		default:
			fmt.Fprint(&b, v)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// pathSeg is one element of a path pattern: a literal, or an argument with
// its type flag ('n' integer, 'i' identifier, 0 any string).
type pathSeg struct {
	lit  string
	arg  string
	flag byte
}

type pathPattern struct {
	text string // "builds/n:buildid"
	segs []pathSeg
	args []string // argument names in order
}

var patternElt = regexp.MustCompile(`^(.?):([a-z0-9_.]+)$`)

// parsePattern reads "/builds/n:buildid" (leading slash optional; "/" is the
// root).
func parsePattern(p string) (pathPattern, error) {
	p = strings.TrimPrefix(p, "/")
	pat := pathPattern{text: p}
	if p == "" {
		return pat, nil
	}
	for _, s := range strings.Split(p, "/") {
		m := patternElt.FindStringSubmatch(s)
		switch {
		case m == nil:
			if s == "" {
				return pat, fmt.Errorf("path pattern %q has an empty element", p)
			}
			pat.segs = append(pat.segs, pathSeg{lit: s})
		case m[1] == "" || m[1] == "n" || m[1] == "i":
			var flag byte
			if m[1] != "" {
				flag = m[1][0]
			}
			pat.segs = append(pat.segs, pathSeg{arg: m[2], flag: flag})
			pat.args = append(pat.args, m[2])
		default:
			return pat, fmt.Errorf("path pattern %q: unknown type flag %q", p, m[1])
		}
	}
	return pat, nil
}

// pathIdentRe is Buildbot's pathmatch identifier (no length limit).
var pathIdentRe = regexp.MustCompile(`^[a-zA-Z_-][.a-zA-Z0-9_-]*$`)

func (p *pathPattern) match(path []string) (PathArgs, bool) {
	if len(path) != len(p.segs) {
		return nil, false
	}
	var args PathArgs
	for i, s := range p.segs {
		e := path[i]
		if s.arg == "" {
			if s.lit != e {
				return nil, false
			}
			continue
		}
		var v any
		switch s.flag {
		case 'n':
			n, err := strconv.ParseInt(e, 10, 64)
			if err != nil {
				return nil, false
			}
			v = n
		case 'i':
			if !pathIdentRe.MatchString(e) {
				return nil, false
			}
			v = e
		default:
			v = e
		}
		if args == nil {
			args = PathArgs{}
		}
		args[s.arg] = v
	}
	if args == nil {
		args = PathArgs{}
	}
	return args, true
}

// matcher finds the first pattern, in registration order, that matches a
// path (Buildbot's util/pathmatch).
type matcher[T any] struct {
	byLen map[int][]matchEntry[T]
	all   []matchEntry[T]
}

type matchEntry[T any] struct {
	pat    pathPattern
	target T
}

func (m *matcher[T]) add(pattern string, target T) error {
	pat, err := parsePattern(pattern)
	if err != nil {
		return err
	}
	for _, e := range m.all {
		if e.pat.text == pat.text {
			return fmt.Errorf("duplicate path pattern %q", pattern)
		}
	}
	if m.byLen == nil {
		m.byLen = map[int][]matchEntry[T]{}
	}
	e := matchEntry[T]{pat: pat, target: target}
	m.byLen[len(pat.segs)] = append(m.byLen[len(pat.segs)], e)
	m.all = append(m.all, e)
	return nil
}

func (m *matcher[T]) lookup(path []string) (T, *pathPattern, PathArgs, bool) {
	for i := range m.byLen[len(path)] {
		e := &m.byLen[len(path)][i]
		if args, ok := e.pat.match(path); ok {
			return e.target, &e.pat, args, true
		}
	}
	var zero T
	return zero, nil, nil, false
}

// splitPath turns an API path ("builds/1/steps", with or without a leading
// slash; "" for the root) into its elements. "/" and paths with a trailing
// slash keep an empty last element, which no pattern matches (Buildbot
// refuses trailing slashes).
func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}
