package interpolate

import (
	"strings"
	"testing"
)

// FuzzRender checks that no format string makes Parse or Render panic, that
// a template without substitutions renders to its literal text, and that
// rendering is deterministic.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"", "plain", "%%", "%(prop:branch)s", "%(prop:x:-%(prop:y:~z)s)s",
		"%(src::branch)s", "%(src:cb:revision:?|a|b)s", "%(prop:x:#?|(a|b)|c)s",
		"%(worker:os)s", "%(kw:reason:+r)s", "%(prop:num)05d", "%(", "%(prop:x)",
		"%(prop:list).3r", "%(secret:x)s", "100% %s %d",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v := testValues()
	f.Fuzz(func(t *testing.T, format string) {
		tmpl, err := Parse(format)
		if err != nil {
			return
		}
		out1, err1 := tmpl.Render(v)
		out2, err2 := tmpl.Render(v)
		if out1 != out2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("non-deterministic render of %q", format)
		}
		if tmpl.String() != format {
			t.Fatalf("String() = %q, want %q", tmpl.String(), format)
		}
		if !strings.Contains(format, "%(") && err1 == nil {
			if want := unescapePercent(format); out1 != want {
				t.Fatalf("literal %q rendered as %q, want %q", format, out1, want)
			}
		}
	})
}

// unescapePercent turns each "%%" into "%", scanning left to right.
func unescapePercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '%' && i+1 < len(s) && s[i+1] == '%' {
			i++
		}
	}
	return b.String()
}
