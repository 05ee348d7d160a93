package pyfmt

import "testing"

// The expected strings below were printed by CPython 3.11.
func TestRepr(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"abc", `'abc'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{"tab\tnl\nret\r", `'tab\tnl\nret\r'`},
		{"\x00\x7f", `'\x00\x7f'`},
		{"é ü", `'é ü'`},
		{"\u200b", `'\u200b'`},
		{"\U0001F600", "'\U0001F600'"},
		{"\u00a0", `'\xa0'`},
		{`back\slash`, `'back\\slash'`},
		{"\u0085", `'\x85'`},
		{nil, "None"},
		{true, "True"},
		{false, "False"},
		{int64(-3), "-3"},
		{5.7, "5.7"},
		{1.0, "1.0"},
		{1e16, "1e+16"},
		{1e15, "1000000000000000.0"},
		{123456789012345678.0, "1.2345678901234568e+17"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{1.5e-5, "1.5e-05"},
		{-2.5, "-2.5"},
		{1e300, "1e+300"},
		{0.30000000000000004, "0.30000000000000004"},
		{100.0, "100.0"},
		{1e-7, "1e-07"},
		{[]any{int64(1), "a", nil, true, 2.5, map[string]any{"k": []any{int64(1)}}}, `[1, 'a', None, True, 2.5, {'k': [1]}]`},
		{[]any{"a", "b", "c"}, `['a', 'b', 'c']`},
	}
	for _, tt := range tests {
		if got := Repr(tt.in); got != tt.want {
			t.Errorf("Repr(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := Str("x'y"); got != "x'y" {
		t.Errorf("Str of a string = %q", got)
	}
	if got := Str(int64(5)); got != "5" {
		t.Errorf("Str(5) = %q", got)
	}
}

func TestFormat(t *testing.T) {
	m := map[string]any{"owner": "me", "reason": "abc", "n": int64(-7)}
	tests := []struct {
		format, want string
		wantErr      bool
	}{
		{"A build was forced by '%(owner)s': %(reason)s", "A build was forced by 'me': abc", false},
		{"%(owner)5s|%(reason)-4s|%(reason).2s|%(n)05d|%(n)+d|%(owner)r", "   me|abc |ab|-0007|-7|'me'", false},
		{"100%% sure", "100% sure", false},
		{"no specs", "no specs", false},
		{"%(missing)s", "", true},
		{"%s", "", true},
		{"%(owner)x", "", true},
		{"%(owner", "", true},
		{"trailing %", "", true},
		{"%(reason)d", "", true},
	}
	for _, tt := range tests {
		got, err := Format(tt.format, m)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Format(%q) = %q, %v; want %q, error %v", tt.format, got, err, tt.want, tt.wantErr)
		}
	}
	if got, _ := Format("%(n)05d", map[string]any{"n": int64(42)}); got != "00042" {
		t.Errorf("zero padding = %q", got)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		format string
		ok     bool
	}{
		{"A build was forced by '%(owner)s': %(reason)s", true},
		{"%(owner)r %%", true},
		{"%(name)s", false},
		{"%s", false},
		{"%(owner)q", false},
	}
	for _, tt := range tests {
		if err := Check(tt.format, "owner", "reason"); (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tt.format, err, tt.ok)
		}
	}
}

func TestEqualTruthyLen(t *testing.T) {
	eq := []struct {
		a, b any
		want bool
	}{
		{true, int64(1), true},
		{int64(1), 1.0, true},
		{true, 1.0, true},
		{false, int64(0), true},
		{"1", int64(1), false},
		{nil, nil, true},
		{nil, "", false},
		{[]any{"a"}, []any{"a"}, true},
		{[]any{"a"}, []any{"b"}, false},
		{map[string]any{"k": int64(1)}, map[string]any{"k": true}, true},
		{map[string]any{"k": int64(1)}, map[string]any{"j": int64(1)}, false},
	}
	for _, tt := range eq {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v", tt.a, tt.b, got)
		}
	}
	truthy := []struct {
		v    any
		want bool
	}{{nil, false}, {"", false}, {"x", true}, {int64(0), false}, {0.0, false}, {2.5, true}, {[]any{}, false}, {map[string]any{"a": nil}, true}, {false, false}}
	for _, tt := range truthy {
		if got := Truthy(tt.v); got != tt.want {
			t.Errorf("Truthy(%#v) = %v", tt.v, got)
		}
	}
	if n, ok := Len("héllo"); !ok || n != 5 {
		t.Errorf("Len counts code points: %d %v", n, ok)
	}
	if _, ok := Len(int64(5)); ok {
		t.Errorf("an int has no len()")
	}
	if TypeName(nil) != "NoneType" || TypeName(map[string]any{}) != "dict" || TypeName(int64(1)) != "int" {
		t.Errorf("type names")
	}
}
