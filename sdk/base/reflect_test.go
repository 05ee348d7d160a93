package base

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

type inner struct {
	Name  string `hcl:"name"`
	Count int    `hcl:"count,optional"`
}

type testConfig struct {
	Repo     string            `hcl:"repourl" doc:"repository URL"`
	Branches []string          `hcl:"branches,optional"`
	Interval time.Duration     `hcl:"poll_interval,optional"`
	Secret   string            `hcl:"secret,optional" sensitive:"true"`
	Env      map[string]string `hcl:"env,optional"`
	Extra    any               `hcl:"extra,optional"`
	Ptr      *int              `hcl:"ptr,optional"`
	Rules    []inner           `hcl:"rule,block"`
	Single   *inner            `hcl:"single,block"`
	Ignored  string
}

func (c *testConfig) Validate() Diagnostics {
	if strings.HasPrefix(c.Repo, "bad") {
		return Diagnostics{AttrError("repourl", "Bad repository", "it starts with bad")}
	}
	return nil
}

func decodeHCL(t *testing.T, b Block, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return hcldec.Decode(f.Body, b.Spec(), nil)
}

func TestSchemaOf(t *testing.T) {
	b, err := SchemaOf(testConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		typ      cty.Type
		required bool
	}{
		"repourl":       {cty.String, true},
		"branches":      {cty.List(cty.String), false},
		"poll_interval": {cty.String, false},
		"secret":        {cty.String, false},
		"env":           {cty.Map(cty.String), false},
		"extra":         {cty.DynamicPseudoType, false},
		"ptr":           {cty.Number, false},
	}
	if len(b.Attributes) != len(want) {
		t.Fatalf("got %d attributes, want %d", len(b.Attributes), len(want))
	}
	for _, a := range b.Attributes {
		w, ok := want[a.Name]
		if !ok {
			t.Errorf("unexpected attribute %q", a.Name)
			continue
		}
		if !a.Type.Equals(w.typ) || a.Required != w.required {
			t.Errorf("%s: type %s required %v, want %s %v", a.Name, a.Type.FriendlyName(), a.Required, w.typ.FriendlyName(), w.required)
		}
	}
	if a := b.Attribute("repourl"); a == nil || a.Description != "repository URL" {
		t.Errorf("repourl description: %+v", a)
	}
	if a := b.Attribute("secret"); a == nil || !a.Sensitive {
		t.Errorf("secret not sensitive: %+v", a)
	}
	rule := b.NestedBlock("rule")
	if rule == nil || rule.Nesting != NestingList || rule.Block.Attribute("name") == nil {
		t.Errorf("rule block: %+v", rule)
	}
	single := b.NestedBlock("single")
	if single == nil || single.Nesting != NestingSingle || single.MinItems != 0 || single.MaxItems != 1 {
		t.Errorf("single block: %+v", single)
	}
}

func TestSchemaOfRejects(t *testing.T) {
	cases := []any{
		42,
		struct {
			C chan int `hcl:"c"`
		}{},
		struct {
			M map[int]string `hcl:"m"`
		}{},
		struct {
			A string `hcl:"a"`
			B string `hcl:"a,optional"`
		}{},
		struct {
			B string `hcl:"b,block"`
		}{},
		struct {
			X string `hcl:"x,weird"`
		}{},
	}
	for i, c := range cases {
		if _, err := SchemaOf(c); err == nil {
			t.Errorf("case %d (%T): no error", i, c)
		}
	}
}

func TestDecode(t *testing.T) {
	b, err := SchemaOf(testConfig{})
	if err != nil {
		t.Fatal(err)
	}
	val, diags := decodeHCL(t, b, `
repourl       = "https://example.com/r.git"
branches      = ["main", "dev"]
poll_interval = "1m30s"
env           = { A = "1" }
extra         = { k = [1, 2.5, "x"] }
ptr           = 7
rule {
  name  = "one"
  count = 2
}
rule { name = "two" }
single { name = "s" }
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg := testConfig{Interval: time.Second, Secret: "default"}
	if d := Decode(val, &cfg); d.HasErrors() {
		t.Fatal(d.Err())
	}
	if cfg.Repo != "https://example.com/r.git" || len(cfg.Branches) != 2 || cfg.Interval != 90*time.Second {
		t.Errorf("decoded %+v", cfg)
	}
	if cfg.Secret != "default" {
		t.Errorf("absent attribute overwrote the default: %q", cfg.Secret)
	}
	if cfg.Env["A"] != "1" || cfg.Ptr == nil || *cfg.Ptr != 7 {
		t.Errorf("env/ptr: %+v %v", cfg.Env, cfg.Ptr)
	}
	extra, ok := cfg.Extra.(map[string]any)
	if !ok {
		t.Fatalf("extra is %T", cfg.Extra)
	}
	list, _ := extra["k"].([]any)
	if len(list) != 3 || list[0] != int64(1) || list[1] != 2.5 || list[2] != "x" {
		t.Errorf("extra.k = %#v", extra["k"])
	}
	if len(cfg.Rules) != 2 || cfg.Rules[0].Count != 2 || cfg.Rules[1].Name != "two" {
		t.Errorf("rules: %+v", cfg.Rules)
	}
	if cfg.Single == nil || cfg.Single.Name != "s" {
		t.Errorf("single: %+v", cfg.Single)
	}
}

func TestDecodeDiagnostics(t *testing.T) {
	b, _ := SchemaOf(testConfig{})
	cases := []struct {
		src, path, summary string
	}{
		{`repourl = "x"
poll_interval = "soon"
rule { name = "a" }`, "poll_interval", "Invalid value"},
		{`repourl = "bad://x"
rule { name = "a" }`, "repourl", "Bad repository"},
		{`repourl = "x"
ptr = 1.5
rule { name = "a" }`, "ptr", "Invalid value"},
	}
	for _, c := range cases {
		val, diags := decodeHCL(t, b, c.src)
		if diags.HasErrors() {
			t.Fatalf("%q: %v", c.src, diags)
		}
		var cfg testConfig
		d := Decode(val, &cfg)
		if !d.HasErrors() {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if got := FormatPath(d[0].Path); got != c.path || d[0].Summary != c.summary {
			t.Errorf("%q: got %s %q, want %s %q", c.src, got, d[0].Summary, c.path, c.summary)
		}
		if err := d.Err(); err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%q: error %v does not name %s", c.src, err, c.path)
		}
		if back := AsDiagnostics(d.Err()); len(back) != len(d) {
			t.Errorf("AsDiagnostics lost diagnostics")
		}
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"10s": 10 * time.Second, "5m": 5 * time.Minute, "30": 30 * time.Second, "1.5": 1500 * time.Millisecond} {
		got, err := ParseDuration(s)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "soon", "-5s", "1e400x"} {
		if _, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q): no error", s)
		}
	}
}

func TestFormatPath(t *testing.T) {
	p := cty.GetAttrPath("rule").Index(cty.NumberIntVal(1)).GetAttr("name").Index(cty.StringVal("k"))
	if got := FormatPath(p); got != `rule[1].name["k"]` {
		t.Errorf("FormatPath = %s", got)
	}
}

func TestRegistrationValidate(t *testing.T) {
	reg, err := NewRegistration(TypeChangeSource, "k", "docs", testConfig{Secret: "d"}, nil, func() Component { return nil })
	if err != nil {
		t.Fatal(err)
	}
	val, diags := decodeHCL(t, reg.Info().Schema, "repourl = \"bad\"\nrule { name = \"a\" }")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if d := reg.Validate(val); !d.HasErrors() {
		t.Error("Validate accepted a bad repourl")
	}
	if _, err := NewRegistration(TypeChangeSource, "", "", nil, nil, func() Component { return nil }); err == nil {
		t.Error("registration without a kind accepted")
	}
}
