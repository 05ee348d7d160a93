package config

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestEqualIgnoresPositions(t *testing.T) {
	a := `worker "local" "w" {}
lock "worker" "l" {}
builder "b" {
  workers = ["w"]
  locks   = ["l"]
  step "shell" "unit" {
    command = ["make", "test"]
  }
}
scheduler "single_branch" "s" {
  branch   = "main"
  builders = ["b"]
}
`
	// Same configuration, moved around and reformatted.
	b := "# a comment that shifts every line\n\n" + `lock "worker" "l" {
}
builder "b" {
    locks = ["l"]
    workers = ["w"]
    step "shell" "unit" { command = ["make", "test"] }
}
worker "local" "w" {
}
scheduler "single_branch" "s" {
  builders = ["b"]
  branch = "main"
}
`
	changed := `worker "local" "w" {}
lock "worker" "l" {}
builder "b" {
  workers = ["w"]
  locks   = ["l"]
  step "shell" "unit" {
    command = ["make", "check"]
  }
}
scheduler "single_branch" "s" {
  branch   = "dev"
  builders = ["b"]
}
`
	load := func(src string) *Config {
		return mustLoad(t, writeFiles(t, map[string]string{"ci.hcl": src}), LoadOptions{Schemas: testSchemas, Hostname: "h"})
	}
	ca, cb, cc := load(a), load(b), load(changed)
	if ca.Builders[0].DefRange == cb.Builders[0].DefRange {
		t.Fatal("test needs different positions")
	}
	if !ca.Builders[0].Equal(cb.Builders[0]) || !ca.Locks[0].Equal(cb.Locks[0]) || !ca.Workers[0].Equal(cb.Workers[0]) ||
		!ca.Schedulers[0].Equal(cb.Schedulers[0]) || !ca.Builders[0].Steps[0].Equal(cb.Builders[0].Steps[0]) {
		t.Errorf("equal configurations compare different")
	}
	if ca.Builders[0].Equal(cc.Builders[0]) || ca.Builders[0].Steps[0].Equal(cc.Builders[0].Steps[0]) {
		t.Errorf("changed step not detected")
	}
	if ca.Schedulers[0].Equal(cc.Schedulers[0]) {
		t.Errorf("changed scheduler value not detected")
	}
	if !ca.Locks[0].Equal(cc.Locks[0]) || !ca.Workers[0].Equal(cc.Workers[0]) {
		t.Errorf("unchanged blocks compare different")
	}
}

func TestPluginBlockEqual(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{"branch": cty.StringVal("main")})
	base := PluginBlock{Type: TypeScheduler, Kind: "single_branch", Name: "s", Builders: []string{"b"}}
	withV := base
	withV.Value = v
	other := base
	other.Value = cty.ObjectVal(map[string]cty.Value{"branch": cty.StringVal("dev")})
	renamed := withV
	renamed.Name = "t"
	moreBuilders := withV
	moreBuilders.Builders = []string{"b", "c"}
	emptyProps := base
	emptyProps.Properties = map[string]any{}
	cases := []struct {
		name string
		a, b PluginBlock
		want bool
	}{
		{"both undecoded", base, base, true},
		{"undecoded vs decoded", base, withV, false},
		{"decoded equal", withV, withV, true},
		{"decoded different", withV, other, false},
		{"different name", withV, renamed, false},
		{"different builders", withV, moreBuilders, false},
		{"nil and empty properties", base, emptyProps, true},
	}
	for _, c := range cases {
		if got := c.a.Equal(c.b); got != c.want {
			t.Errorf("%s: Equal = %v, want %v", c.name, got, c.want)
		}
		if got := c.b.Equal(c.a); got != c.want {
			t.Errorf("%s (swapped): Equal = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSmallBlocksEqual(t *testing.T) {
	var nilManhole *Manhole
	m := &Manhole{Listen: ":22"}
	if !nilManhole.Equal(nil) || nilManhole.Equal(m) || m.Equal(nil) || !m.Equal(&Manhole{Listen: ":22"}) {
		t.Errorf("manhole equality")
	}
	if (WWW{Listen: ":1"}).Equal(WWW{Listen: ":2"}) || !(Protocol{Type: "pb", Listen: ":1"}).Equal(Protocol{Type: "pb", Listen: ":1"}) {
		t.Errorf("www/protocol equality")
	}
	if (ChangeHook{Dialect: "github", Secret: "a"}).Equal(ChangeHook{Dialect: "github", Secret: "b"}) {
		t.Errorf("change hook secret change not detected")
	}
	if (PluginPin{Name: "git", SHA256: "aa"}).Equal(PluginPin{Name: "git", SHA256: "bb"}) {
		t.Errorf("plugin pin checksum change not detected")
	}
	if !(Caches{Sizes: map[string]int{"builds": 1}}).Equal(Caches{Sizes: map[string]int{"builds": 1}}) {
		t.Errorf("caches equality")
	}
}
