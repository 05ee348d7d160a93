package www

import (
	"net/url"
	"regexp"
	"strings"
)

// originMatcher holds allowed_origins as Buildbot compiles them: each entry
// lower-cased and matched whole, as a shell glob (fnmatch: * any run of
// characters, ? one, [...] a class). Without allowed_origins only the master
// URL's own origin is allowed.
type originMatcher struct {
	res []*regexp.Regexp
}

func newOriginMatcher(allowed []string, baseURL string) *originMatcher {
	if allowed == nil {
		if u, err := url.Parse(baseURL); err == nil {
			allowed = []string{u.Scheme + "://" + u.Host}
		}
	}
	m := &originMatcher{}
	for _, o := range allowed {
		if re, err := regexp.Compile(globToRegexp(strings.ToLower(o))); err == nil {
			m.res = append(m.res, re)
		}
	}
	return m
}

func (m *originMatcher) match(origin string) bool {
	for _, re := range m.res {
		if re.MatchString(origin) {
			return true
		}
	}
	return false
}

// globToRegexp translates an fnmatch pattern into an anchored regexp.
func globToRegexp(glob string) string {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteByte('.')
		case '[':
			j := i + 1
			if j < len(glob) && (glob[j] == '!' || glob[j] == '^') {
				j++
			}
			if j < len(glob) && glob[j] == ']' {
				j++
			}
			for j < len(glob) && glob[j] != ']' {
				j++
			}
			if j >= len(glob) {
				b.WriteString(`\[`)
				continue
			}
			class := strings.ReplaceAll(glob[i+1:j], `\`, `\\`)
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			} else if strings.HasPrefix(class, "^") {
				class = `\` + class
			}
			b.WriteString("[" + class + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)$`)
	return b.String()
}
