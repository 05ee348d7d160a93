package pyre

import "testing"

// The expectations below are CPython 3.11's re.match results.
func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{`^[a-z ]+$`, "ok", true},
		{`^[a-z ]+$`, "ok\n", true}, // $ before a final newline
		{`^[a-z ]+$`, "ok\n\n", false},
		{`^[a-z ]+\Z`, "ok\n", false},
		{`[a-z]+`, "abc123", true}, // anchored at the start only
		{`[0-9]+`, "abc123", false},
		{`^[\w.+/~-]*$`, "feature/x-1.2", true},
		{`^[\w.+/~-]*$`, "bad branch!", false},
		{`^[\w\.\-/~:]*$`, "héllo", true}, // \w is Unicode
		{`^[\w\.\-/~:]*$`, "sp ace", false},
		{`^\w+$`, "日本", true},
		{`^\d+$`, "١٢٣", true}, // Arabic-Indic digits are \d in Python
		{`^\s$`, "\u00a0", true},
		{`^\s$`, "\x0b", true},
		{`^\S+$`, "a\u3000b", false},
		{`^\W$`, "é", false},
		{`^a\ b$`, "a b", true},
		{`^\u00e9$`, "é", true},
		{`^\x41$`, "A", true},
		{`^[]a]+$`, "]a]", true},
		{`^[^]a]+$`, "bc", true},
		{`^[[]$`, "[", true},
		{`^[[:alpha:]]$`, ":]", true}, // Python has no POSIX classes
		{`^[[:alpha:]]$`, ":", false},
		{`(?i)^abc$`, "ABC", true},
		{`(?m)^b$`, "a\nb\nc", false}, // re.match is anchored at the start of the string
		{`a(?#comment)b`, "ab", true},
		{`^[\s]$`, "\u2028", true},
		{`^\0$`, "\x00", true},
		{`^[\d-]+$`, "1-2", true},
	}
	for _, tt := range tests {
		re, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if got := re.Match(tt.s); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{`(?=a)b`, `(a)\1`, `(?P<x>a)(?P=x)`, `[abc`, `a\`, `\q`, `(?x) a b`, `a{2,1}`, `\xZZ`, `[\Z]`, `(`} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) succeeded, want an error", p)
		}
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{`^[\w.+/~-]*$`, `[]a]`, `\u00e9`, `(?m)$`, `\0\01`, `[\W\s]`} {
		f.Add(s, "abc")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		re, err := Compile(pattern)
		if err != nil {
			return
		}
		_ = re.Match(s)
	})
}
