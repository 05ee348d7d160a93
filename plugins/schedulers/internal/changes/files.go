package changes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bbhost/bbhost/sdk/base"
)

// Files decides which changes are important by their files (bbhost's
// replacement for Buildbot's fileIsImportant callable): a change is
// important when one of its files matches one of the patterns. A pattern
// is a path glob: * and ? stay within a path segment, ** spans segments,
// [...] is a character class. No patterns: every change is important.
type Files struct {
	patterns []*regexp.Regexp
}

// CompileFiles compiles glob patterns.
func CompileFiles(globs []string) (*Files, error) {
	f := &Files{}
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("file pattern %q: %w", g, err)
		}
		f.patterns = append(f.patterns, re)
	}
	return f, nil
}

// Important reports whether the change is important (no patterns: yes).
func (f *Files) Important(ch base.Change) bool {
	if f == nil || len(f.patterns) == 0 {
		return true
	}
	for _, file := range ch.Files {
		for _, p := range f.patterns {
			if p.MatchString(file) {
				return true
			}
		}
	}
	return false
}

// Active reports whether patterns were given.
func (f *Files) Active() bool { return f != nil && len(f.patterns) > 0 }

func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`\A`)
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				i++
				if i+1 < len(g) && g[i+1] == '/' {
					i++
					b.WriteString(`(?:.*/)?`) // **/ : any number of directories
				} else {
					b.WriteString(`.*`)
				}
			} else {
				b.WriteString(`[^/]*`)
			}
		case '?':
			b.WriteString(`[^/]`)
		case '[':
			end := strings.IndexByte(g[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			class := g[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		case '\\':
			if i+1 < len(g) {
				i++
				b.WriteString(regexp.QuoteMeta(string(g[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}
