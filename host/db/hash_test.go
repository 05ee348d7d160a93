package db_test

import (
	"testing"

	"github.com/bbhost/bbhost/host/db"
)

// Expected values computed with Buildbot 3.7's hashColumns and
// util/identifiers.py.
func TestHashColumns(t *testing.T) {
	s := func(v string) *string { return &v }
	pid := int64(12)
	for _, tc := range []struct {
		parts []any
		want  string
	}{
		{[]any{"builder"}, "f52318a05e518a5596012af2ed38de68ac26a468"},
		{[]any{s("main"), (*string)(nil), "https://ex/repo.git", "", "", (*int64)(nil)}, "51bcc1af713d3c97f2d663aa453bb1dcfc1aa70f"},
		{[]any{nil, "abc", "", "p", "cb", &pid}, "b41cc632947302da8983a1ec91724d3674166c51"},
		{[]any{"ünï"}, "146f11febcba34ed0d0f8824d4d8a1b23c8480c7"},
	} {
		if got := db.HashColumns(tc.parts...); got != tc.want {
			t.Errorf("HashColumns(%v) = %s, want %s", tc.parts, got, tc.want)
		}
	}
}

func TestForceIdentifier(t *testing.T) {
	long := ""
	for i := 0; i < 60; i++ {
		long += "a"
	}
	for in, want := range map[string]string{
		"stdio": "stdio", "foo bar": "foo_bar", "9lives": "_lives", long: long[:50],
		"日本語 log": "____log", "x.y-z": "x_y-z", "é-ok": "é-ok",
	} {
		if got := db.ForceIdentifier(50, in); got != want {
			t.Errorf("ForceIdentifier(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIncrementIdentifier(t *testing.T) {
	x50 := ""
	for i := 0; i < 50; i++ {
		x50 += "x"
	}
	for in, want := range map[string]string{
		"name": "name_2", "name_2": "name_3", "name_99": "name_100", x50: x50[:48] + "_2", "a_b_1": "a_b_2",
	} {
		got, err := db.IncrementIdentifier(50, in)
		if err != nil || got != want {
			t.Errorf("IncrementIdentifier(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := db.IncrementIdentifier(1, "a"); err == nil {
		t.Error("IncrementIdentifier with no room succeeded")
	}
}

func FuzzForceIdentifier(f *testing.F) {
	for _, s := range []string{"stdio", "foo bar", "9", "", "日本語", "a_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := db.ForceIdentifier(50, s)
		if s != "" && !db.IsIdentifier(50, got) {
			t.Fatalf("ForceIdentifier(%q) = %q, not an identifier", s, got)
		}
		if db.IsIdentifier(50, s) && got != s {
			t.Fatalf("identifier %q changed to %q", s, got)
		}
		if got != "" {
			if next, err := db.IncrementIdentifier(50, got); err != nil || !db.IsIdentifier(50, next) || next == got {
				t.Fatalf("IncrementIdentifier(%q) = %q, %v", got, next, err)
			}
		}
	})
}
