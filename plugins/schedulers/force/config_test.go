package force

import (
	"context"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/sdk/base"
)

// TestConfigDiagnostics gives one mistake per case and checks the
// diagnostic's attribute path and text.
func TestConfigDiagnostics(t *testing.T) {
	h := harness(t)
	tests := []struct {
		name, body, path, text string
	}{
		{"reserved name", `property { name = "owner" }`, "property[0].name", "owner cannot be used as a parameter name, because it is reserved"},
		{"reserved builderid", `property { name = "builderid" }`, "property[0].name", "reserved"},
		{"unknown type", "property {\n type = \"float\"\n name = \"x\"\n}", "property[0].type", `"float" is not a parameter type`},
		{"missing name", `property { type = "int" }`, "property[0].name", "needs a name"},
		{"bad regex", "property {\n name = \"x\"\n regex = \"(?=a)\"\n}", "property[0].regex", "regular expression"},
		{"python-only escape", "property {\n name = \"x\"\n regex = \"\\\\q\"\n}", "property[0].regex", `bad escape \q`},
		{"columns", `property {
			type = "nested"
			name = "g"
			columns = 5
		}`, "property[0].columns", "UI only support up to 4 columns in nested parameters"},
		{"codebase columns", `codebase {
			columns = 6
		}`, "codebase[0].columns", "up to 4 columns"},
		{"empty codebases", `codebases = []`, "codebases", "'codebases' cannot be empty"},
		{"duplicate codebase", `codebases = ["a", "a"]`, "codebases[1]", `codebase "a" is given twice`},
		{"duplicate field", `
			property { name = "x" }
			property { name = "x" }`, "", `two fields of the form are named "x"`},
		{"field clashes with codebase", `property { name = "branch" }`, "", `named "branch"`},
		{"reason_string key", `reason_string = "%(who)s"`, "reason_string", `unknown key "who"`},
		{"reason_string positional", `reason_string = "%s"`, "reason_string", "use %(name)s"},
		{"size on bool", `property {
			type = "bool"
			name = "b"
			size = 3
		}`, "property[0].size", "size does not apply to a bool parameter"},
		{"int default", `property {
			type = "int"
			name = "i"
			default = "x"
		}`, "property[0].default", "must be a whole number"},
		{"bool default", `property {
			type = "bool"
			name = "b"
			default = "yes"
		}`, "property[0].default", "true or false"},
		{"default on multiple", `property {
			type = "choice"
			name = "c"
			multiple = true
			default = "a"
		}`, "property[0].default", "takes defaults"},
		{"defaults on single", `property {
			type = "choice"
			name = "c"
			defaults = ["a"]
		}`, "property[0].defaults", "for multiple parameters"},
		{"fields on a string", `property {
			name = "s"
			field { name = "x" }
		}`, "property[0].field", "belong to nested parameters"},
		{"too deep", `property {
			type = "nested"
			name = "a"
			field {
				type = "nested"
				name = "b"
				field {
					type = "nested"
					name = "c"
					field {}
				}
			}
		}`, "property[0].field[0].field[0].field", "at most 2 deep"},
		{"any_property label", `property {
			type = "any_property"
			name = "p"
			label = "x"
		}`, "property[0].label", "has no label"},
		{"omit unknown", `codebase { omit = ["tag"] }`, "codebase[0].omit[0]", `"tag" is not a codebase field`},
		{"fixed and omitted", `codebase {
			omit = ["branch"]
			fixed = { branch = "main" }
		}`, "codebase[0].branch", "more than one way"},
		{"codebase field renamed", `codebase {
			branch { name = "br" }
		}`, "codebase[0].branch.name", `must be named "branch"`},
		{"nested reason", `reason { type = "nested" }`, "reason", "cannot be groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags, err := h.Validate(base.TypeScheduler, Kind, tt.body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", tt.body)
			}
			found := false
			for _, d := range diags {
				if base.FormatPath(d.Path) == tt.path && strings.Contains(d.Summary+": "+d.Detail, tt.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("want a diagnostic at %q with %q; got %v", tt.path, tt.text, diags)
			}
		})
	}
}

// TestConfigAccepts checks configurations Buildbot accepts.
func TestConfigAccepts(t *testing.T) {
	h := harness(t)
	for _, body := range []string{
		``,
		`codebases = ["", "lib"]`,
		`codebase { omit = ["branch", "project", "repository", "revision"] }`,
		string(readFile(t, "custom.hcl")),
		`property {
			type = "nested"
			field { name = "a" }
		}`,
	} {
		diags, err := h.Validate(base.TypeScheduler, Kind, body)
		if err != nil || diags.HasErrors() {
			t.Errorf("%s: %v %v", body, err, diags)
		}
	}
}

func TestNameMustBeIdentifier(t *testing.T) {
	h := harness(t)
	val, err := h.Decode(base.TypeScheduler, Kind, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, ok := range map[string]bool{"force": true, "my-force_2": true, "ünï": true, "2force": false, "has space": false, "a.b": false} {
		err := New().Configure(context.Background(), base.ConfigureRequest{Ref: base.Ref{Type: base.TypeScheduler, Kind: Kind, Name: name}, Config: val})
		if (err == nil) != ok {
			t.Errorf("name %q: %v, want ok=%v", name, err, ok)
		}
	}
}
