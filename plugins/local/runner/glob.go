package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// pyGlob is Python's glob.glob(pattern, recursive=True), which the worker's
// glob command returns: "*", "?" and "[...]" match within one path component
// and never match a leading "." unless the pattern has one, "**" as a whole
// component matches any number of directories (and files, when last), "a/**"
// includes "a/" itself, a pattern without wildcards returns itself if the
// path exists, and unreadable directories simply match nothing. Directory
// entries come in directory order, as os.scandir gives them. Relative
// patterns are relative to cwd (the worker's base directory).
func pyGlob(ctx context.Context, pattern, cwd string) ([]string, error) {
	g := &globber{ctx: ctx, cwd: cwd}
	out := []string{}
	skipFirstEmpty := pattern == "" || strings.HasPrefix(pattern, "**")
	first := true
	g.iglob(pattern, false, func(s string) {
		if first {
			first = false
			if skipFirstEmpty && s == "" {
				return
			}
		}
		out = append(out, s)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

type globber struct {
	ctx context.Context
	cwd string
}

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

func isHidden(name string) bool { return name != "" && name[0] == '.' }

// pySplit is os.path.split.
func pySplit(p string) (head, tail string) {
	i := strings.LastIndexByte(p, '/') + 1
	head, tail = p[:i], p[i:]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head, tail
}

// pyJoin is os.path.join of two parts.
func pyJoin(a, b string) string {
	switch {
	case strings.HasPrefix(b, "/"):
		return b
	case a == "" || strings.HasSuffix(a, "/"):
		return a + b
	default:
		return a + "/" + b
	}
}

// resolve makes a glob path usable by the file system ("" is the cwd).
func (g *globber) resolve(p string) string {
	if p == "" {
		return g.cwd
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(g.cwd, p)
}

func (g *globber) lexists(p string) bool {
	_, err := os.Lstat(g.resolve(p))
	return err == nil
}

func (g *globber) isdir(p string) bool {
	fi, err := os.Stat(g.resolve(p))
	return err == nil && fi.IsDir()
}

// listdir is glob's _listdir: entry names in directory order, only
// directories (symlinks followed) when dironly; nothing on error.
func (g *globber) listdir(dir string, dironly bool) []string {
	if g.ctx.Err() != nil {
		return nil
	}
	f, err := os.Open(g.resolve(dir))
	if err != nil {
		return nil
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil && len(entries) == 0 {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if dironly && !g.entryIsDir(dir, e) {
			continue
		}
		names = append(names, e.Name())
	}
	return names
}

func (g *globber) entryIsDir(dir string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(g.resolve(dir), e.Name()))
	return err == nil && fi.IsDir()
}

func (g *globber) iglob(pathname string, dironly bool, yield func(string)) {
	dirname, basename := pySplit(pathname)
	if !hasMagic(pathname) {
		if basename != "" {
			if g.lexists(pathname) {
				yield(pathname)
			}
		} else if g.isdir(dirname) {
			yield(pathname)
		}
		return
	}
	if dirname == "" {
		if basename == "**" {
			g.glob2("", dironly, yield)
		} else {
			g.glob1("", basename, dironly, yield)
		}
		return
	}
	var dirs []string
	if dirname != pathname && hasMagic(dirname) {
		g.iglob(dirname, true, func(d string) { dirs = append(dirs, d) })
	} else {
		dirs = []string{dirname}
	}
	for _, d := range dirs {
		emit := func(name string) { yield(pyJoin(d, name)) }
		switch {
		case !hasMagic(basename):
			g.glob0(d, basename, emit)
		case basename == "**":
			g.glob2(d, dironly, emit)
		default:
			g.glob1(d, basename, dironly, emit)
		}
	}
}

func (g *globber) glob0(dir, basename string, yield func(string)) {
	if basename != "" {
		if g.lexists(pyJoin(dir, basename)) {
			yield(basename)
		}
	} else if g.isdir(dir) {
		yield(basename)
	}
}

func (g *globber) glob1(dir, pattern string, dironly bool, yield func(string)) {
	m := compileFnmatch(pattern)
	hidden := isHidden(pattern)
	for _, name := range g.listdir(dir, dironly) {
		if !hidden && isHidden(name) {
			continue
		}
		if m.match(name) {
			yield(name)
		}
	}
}

func (g *globber) glob2(dir string, dironly bool, yield func(string)) {
	yield("")
	g.rlistdir(dir, dironly, 0, yield)
}

// maxGlobDepth stops "**" from following a symlink loop for ever (Python
// would recurse until the path is too long).
const maxGlobDepth = 64

func (g *globber) rlistdir(dir string, dironly bool, depth int, yield func(string)) {
	if depth >= maxGlobDepth {
		return
	}
	for _, x := range g.listdir(dir, dironly) {
		if isHidden(x) {
			continue
		}
		yield(x)
		path := x
		if dir != "" {
			path = pyJoin(dir, x)
		}
		g.rlistdir(path, dironly, depth+1, func(y string) { yield(pyJoin(x, y)) })
	}
}

// fnmatcher is a compiled fnmatch pattern: "*", "?", "[seq]", "[!seq]"
// (with ranges; "]" first in a set is literal; an unclosed "[" is literal)
// and literal characters, matched against a whole name.
type fnmatcher []fnToken

type fnToken struct {
	kind   byte // 'l' literal, '?' any, '*' any run, '[' set
	r      rune
	neg    bool
	ranges [][2]rune
}

func compileFnmatch(pat string) fnmatcher {
	p := []rune(pat)
	var toks fnmatcher
	for i := 0; i < len(p); {
		c := p[i]
		i++
		switch c {
		case '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != '*' {
				toks = append(toks, fnToken{kind: '*'})
			}
		case '?':
			toks = append(toks, fnToken{kind: '?'})
		case '[':
			j := i
			if j < len(p) && p[j] == '!' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j >= len(p) {
				toks = append(toks, fnToken{kind: 'l', r: '['})
				continue
			}
			set := p[i:j]
			i = j + 1
			t := fnToken{kind: '['}
			if len(set) > 0 && set[0] == '!' {
				t.neg = true
				set = set[1:]
			}
			for k := 0; k < len(set); k++ {
				lo := set[k]
				if k+2 < len(set) && set[k+1] == '-' {
					if hi := set[k+2]; lo <= hi {
						t.ranges = append(t.ranges, [2]rune{lo, hi})
					}
					k += 2
					continue
				}
				t.ranges = append(t.ranges, [2]rune{lo, lo})
			}
			toks = append(toks, t)
		default:
			toks = append(toks, fnToken{kind: 'l', r: c})
		}
	}
	return toks
}

func (t *fnToken) matches(r rune) bool {
	switch t.kind {
	case 'l':
		return r == t.r
	case '?':
		return true
	case '[':
		in := false
		for _, rg := range t.ranges {
			if r >= rg[0] && r <= rg[1] {
				in = true
				break
			}
		}
		return in != t.neg
	}
	return false
}

// match reports whether name matches the whole pattern (backtracking to the
// last "*", linear for patterns with one star).
func (m fnmatcher) match(name string) bool {
	s := make([]rune, 0, utf8.RuneCountInString(name))
	for _, r := range name {
		s = append(s, r)
	}
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		switch {
		case ti < len(m) && m[ti].kind == '*':
			starT, starS = ti, si
			ti++
		case ti < len(m) && m[ti].matches(s[si]):
			ti++
			si++
		case starT >= 0:
			starS++
			si = starS
			ti = starT + 1
		default:
			return false
		}
	}
	for ti < len(m) && m[ti].kind == '*' {
		ti++
	}
	return ti == len(m)
}
