package interpolate

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func testValues() Values {
	return Values{
		Props: map[string]any{
			"branch":   "main",
			"empty":    "",
			"none":     nil,
			"zero":     float64(0),
			"num":      float64(3),
			"float":    1.5,
			"big":      1e16,
			"yes":      true,
			"no":       false,
			"list":     []any{"a", float64(1), true, nil},
			"emptyl":   []any{},
			"dict":     map[string]any{"b": "x", "a": float64(2)},
			"quote":    "it's",
			"with.dot": "dotted",
			"intv":     int64(42),
			"jsonnum":  json.Number("7"),
		},
		Sources: map[string]map[string]any{
			"": {"branch": "dev", "revision": nil, "repository": "git://r", "project": "p", "codebase": "", "ssid": int64(5)},
			"cb": {"branch": "feature", "revision": "abc123", "repository": "git://cb",
				"project": "pcb", "codebase": "cb"},
		},
		Worker: map[string]any{"os": "linux", "host": "h1"},
		Kw:     map[string]any{"reason": "forced", "count": float64(2)},
	}
}

func TestRender(t *testing.T) {
	v := testValues()
	tests := []struct {
		format, want string
	}{
		{"plain text", "plain text"},
		{"", ""},
		{"100%%", "100%"},
		{"date +%s and %d", "date +%s and %d"},
		{"trailing %", "trailing %"},
		{"%(prop:branch)s", "main"},
		{"x-%(prop:branch)s-y", "x-main-y"},
		{"%(prop:missing)s", ""},
		{"%(prop:none)s", ""},
		{"%(prop:with.dot)s", "dotted"},
		{"%(prop:num)s", "3"},
		{"%(prop:intv)s", "42"},
		{"%(prop:jsonnum)s", "7"},
		{"%(prop:float)s", "1.5"},
		{"%(prop:big)s", "1e+16"},
		{"%(prop:yes)s %(prop:no)s", "True False"},
		{"%(prop:list)s", "['a', 1, True, None]"},
		{"%(prop:dict)s", "{'a': 2, 'b': 'x'}"},
		{"%(prop:quote)r", `"it's"`},
		{"%(prop:branch)r", "'main'"},
		// :- default when missing, value when present even if false
		{"%(prop:missing:-dflt)s", "dflt"},
		{"%(prop:empty:-dflt)s", ""},
		{"%(prop:none:-dflt)s", ""},
		{"%(prop:no:-dflt)s", "False"},
		{"%(prop:branch:-dflt)s", "main"},
		{"%(prop:missing:-)s", ""},
		// :~ default when missing or false
		{"%(prop:missing:~dflt)s", "dflt"},
		{"%(prop:empty:~dflt)s", "dflt"},
		{"%(prop:zero:~dflt)s", "dflt"},
		{"%(prop:emptyl:~dflt)s", "dflt"},
		{"%(prop:no:~dflt)s", "dflt"},
		{"%(prop:branch:~dflt)s", "main"},
		// :+ alt when present
		{"%(prop:branch:+alt)s", "alt"},
		{"%(prop:empty:+alt)s", "alt"},
		{"%(prop:missing:+alt)s", ""},
		// ternaries
		{"%(prop:branch:?|yes|no)s", "yes"},
		{"%(prop:missing:?|yes|no)s", "no"},
		{"%(prop:empty:?|yes|no)s", "yes"},
		{"%(prop:empty:#?|yes|no)s", "no"},
		{"%(prop:branch:#?|yes|no)s", "yes"},
		{"%(prop:missing:#?|yes|no)s", "no"},
		{"%(prop:branch:?:yes:no)s", "yes"},
		{"%(prop:branch:?|a|b|c)s", "a"},
		{"%(prop:missing:?|a|b|c)s", "b|c"},
		// nesting
		{"%(prop:missing:-%(prop:branch)s)s", "main"},
		{"%(prop:missing:-x%(prop:missing:-%(kw:reason)s)sy)s", "xforcedy"},
		{"%(prop:branch:?|%(src::branch)s|%(prop:nope)s)s", "dev"},
		{"%(prop:missing:?|(a|b)|c)s", "c"},
		{"%(prop:branch:?|(a|b)|c)s", "(a|b)"},
		// src
		{"%(src::branch)s", "dev"},
		{"%(src::revision)s", ""},
		{"%(src::revision:-HEAD)s", ""},
		{"%(src::revision:~HEAD)s", "HEAD"},
		{"%(src::ssid)s", "5"},
		{"%(src:cb:revision)s %(src:cb:repository)s %(src:cb:project)s %(src:cb:codebase)s", "abc123 git://cb pcb cb"},
		{"%(src:other:branch:-none)s", "none"},
		{"%(src:other:branch)s", ""},
		// worker and kw
		{"%(worker:os)s/%(worker:host)s", "linux/h1"},
		{"%(worker:arch:-amd64)s", "amd64"},
		{"%(kw:reason)s", "forced"},
		{"%(kw:missing:-none)s", "none"},
		// conversions
		{"%(prop:num)d", "3"},
		{"%(prop:float)d", "1"},
		{"%(prop:yes)d", "1"},
		{"%(prop:num)05d", "00003"},
		{"%(prop:num)+d", "+3"},
		{"%(prop:branch)6s|", "  main|"},
		{"%(prop:branch)-6s|", "main  |"},
		{"%(prop:branch).2s", "ma"},
		{"%(prop:num).3d", "003"},
	}
	for _, tt := range tests {
		got, err := Render(tt.format, v)
		if err != nil {
			t.Errorf("Render(%q): %v", tt.format, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		format, want string
	}{
		{"%(prop:x", "incomplete format key"},
		{"%(prop:x)", "incomplete format"},
		{"%(prop:x)q", "unsupported format character"},
		{"%(prop:x)*s", "wants int"},
		{"%(nosel)s", "without selector"},
		{"%(foo:x)s", "invalid Interpolate selector 'foo'"},
		{"%(prop:a b)s", "Property name must be alphanumeric"},
		{"%(kw:a/b)s", "Keyword must be alphanumeric"},
		{"%(src:cb)s", "Must specify both codebase and attribute"},
		{"%(src:c b:branch)s", "Codebase must be alphanumeric"},
		{"%(src::bra nch)s", "Attribute must be alphanumeric"},
		{"%(prop:x:!oops)s", "invalid Interpolate default type '!'"},
		{"%(prop:x:)s", "invalid Interpolate default type ''"},
		{"%(prop:x:?(a|b)s)s", "ternary delimiter '('"},
		{"%(prop:x:?|ab)s", "invalid Interpolate ternary expression"},
		{"%(prop:x:?)s", "invalid Interpolate ternary expression"},
		{"%(prop:x:-%(bad)s)s", "without selector"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.format)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", tt.format, err, tt.want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	v := testValues()
	if _, err := Render("%(prop:branch)d", v); err == nil || !strings.Contains(err.Error(), "real number is required") {
		t.Errorf("%%d of a string: err = %v", err)
	}
	if _, err := Render("%(secret:token)s", v); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("secret without provider: err = %v, want ErrNoSecrets", err)
	}
	sv := secretValues{Values: v, secrets: map[string]string{"token": "s3cret"}}
	got, err := Render("tok=%(secret:token)s", sv)
	if err != nil || got != "tok=s3cret" {
		t.Errorf("secret = %q, %v", got, err)
	}
	if _, err := Render("%(secret:nope)s", sv); err == nil {
		t.Error("unknown secret rendered without error")
	}
}

type secretValues struct {
	Values
	secrets map[string]string
}

func (s secretValues) Secret(name string) (string, error) {
	v, ok := s.secrets[name]
	if !ok {
		return "", errors.New("not found")
	}
	return v, nil
}

func TestNestingLimit(t *testing.T) {
	f := "x"
	for i := 0; i < MaxNesting+2; i++ {
		f = "%(prop:a:-" + f + ")s"
	}
	if _, err := Parse(f); err == nil {
		t.Fatal("deeply nested template parsed")
	}
}

func TestIsLiteral(t *testing.T) {
	if !MustParse("a %% b %s").IsLiteral() {
		t.Error("literal template reported substitutions")
	}
	if MustParse("%(prop:a)s").IsLiteral() {
		t.Error("substitution not reported")
	}
}

func TestPyStr(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "None"},
		{"s", "s"},
		{true, "True"},
		{float64(2), "2"},
		{-0.5, "-0.5"},
		{0.1, "0.1"},
		{1e-5, "1e-05"},
		{1.5e-7, "1.5e-07"},
		{0.0001, "0.0001"},
		{123456.789, "123456.789"},
		{1.5e16, "1.5e+16"},
		{9007199254740993.0 * 4, "3.602879701896397e+16"},
		{[]string{"a", "b"}, "['a', 'b']"},
		{map[string]string{"k": "v"}, "{'k': 'v'}"},
		{[]any{"a\nb", "q'\"", "tab\t", "\x01", "é"}, `['a\nb', 'q\'"', 'tab\t', '\x01', 'é']`},
		{map[string]any{}, "{}"},
		{int32(7), "7"},
		{uint8(9), "9"},
	}
	for _, tt := range tests {
		if got := PyStr(tt.v); got != tt.want {
			t.Errorf("PyStr(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	tests := map[float64]string{
		1.0:     "1.0",
		1e15:    "1000000000000000.0",
		1e16:    "1e+16",
		0.5:     "0.5",
		1e-4:    "0.0001",
		1e-5:    "1e-05",
		1e100:   "1e+100",
		-2.5e-9: "-2.5e-09",
	}
	for f, want := range tests {
		if got := pyFloatRepr(f); got != want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestTruthy(t *testing.T) {
	falses := []any{nil, false, "", float64(0), 0, int64(0), []any{}, map[string]any{}, []string{}, json.Number("0")}
	for _, v := range falses {
		if Truthy(v) {
			t.Errorf("Truthy(%#v) = true", v)
		}
	}
	trues := []any{true, "x", 1.5, 1, []any{nil}, map[string]any{"a": nil}, json.Number("2")}
	for _, v := range trues {
		if !Truthy(v) {
			t.Errorf("Truthy(%#v) = false", v)
		}
	}
}
