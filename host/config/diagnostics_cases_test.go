package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// baseConfig is valid; each case adds main.hcl with one mistake.
const baseConfig = `worker "local" "w1" {}
builder "b1" {
  workers = ["w1"]
  step "shell" {
    command = "true"
  }
}
lock "master" "l1" {}
scheduler "force" "s1" {
  builders = ["b1"]
}
`

type diagCase struct {
	name    string
	main    string
	schemas bool // load with testSchemas
	line    int
	col     int
	summary string
	detail  string // substring of the detail
	file    string // default main.hcl
}

var diagCases = []diagCase{
	// Unknown blocks and attributes.
	{name: "unknown top-level block", main: "buidler \"b2\" {}\n",
		line: 1, col: 1, summary: "Unsupported block type", detail: `Did you mean "builder"?`},
	{name: "unknown top-level attribute", main: "title = \"x\"\n",
		line: 1, col: 1, summary: "Unsupported argument", detail: `An argument named "title" is not expected here.`},
	{name: "unknown master attribute", main: "master {\n  titel = \"x\"\n}\n",
		line: 2, col: 3, summary: "Unsupported argument", detail: `Did you mean "title"?`},
	{name: "unknown step attribute", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command        = \"make\"\n    halt_on_failur = true\n  }\n}\n",
		line: 5, col: 5, summary: "Unsupported argument", detail: `Did you mean "halt_on_failure"?`},
	{name: "unknown builder block", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  steps \"shell\" {}\n}\n",
		line: 3, col: 3, summary: "Unsupported block type", detail: `Did you mean "step"?`},
	{name: "unknown plugin attribute", schemas: true, main: "change_source \"git\" \"c\" {\n  repourl = \"x\"\n  brnch   = \"main\"\n}\n",
		line: 3, col: 3, summary: "Unsupported argument", detail: `Did you mean "branch"?`},
	{name: "unknown step kind", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shel\" {}\n}\n",
		line: 3, col: 8, summary: "Unknown step kind", detail: `Did you mean "shell"?`},

	// Wrong types.
	{name: "number expected", main: "lock \"worker\" \"l2\" {\n  max_count = \"many\"\n}\n",
		line: 2, col: 15, summary: "Incorrect attribute value type", detail: `Inappropriate value for attribute "max_count": a number is required.`},
	{name: "bool expected", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command         = \"x\"\n    halt_on_failure = \"sometimes\"\n  }\n}\n",
		line: 5, col: 23, summary: "Incorrect attribute value type", detail: `attribute "halt_on_failure": a bool is required`},
	{name: "list element type", main: "builder \"b2\" {\n  workers = [\"w1\", [\"w2\"]]\n}\n",
		line: 2, col: 13, summary: "Incorrect attribute value type", detail: `attribute "workers": element 1: string required`},
	{name: "command type", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command = 42 > 1\n  }\n}\n",
		line: 4, col: 15, summary: "Incorrect attribute value type", detail: `a string or a list of strings is required`},
	{name: "plugin attribute type", schemas: true, main: "change_source \"git\" \"c\" {\n  repourl = [\"x\"]\n}\n",
		line: 2, col: 13, summary: "Incorrect attribute value type", detail: `string required`},
	{name: "properties must be an object", main: "worker \"local\" \"w2\" {\n  properties = [1]\n}\n",
		line: 2, col: 16, summary: "Incorrect attribute value type", detail: `an object is required`},

	// Unknown plugin kind.
	{name: "unknown scheduler kind", schemas: true, main: "scheduler \"nighty\" \"n\" {\n  builders = [\"b1\"]\n}\n",
		line: 1, col: 11, summary: "Unknown scheduler kind", detail: `Did you mean "nightly"? The known scheduler kinds are "force", "nightly" and "single_branch".`},
	{name: "unknown worker kind lists builtin remote", schemas: true, main: "worker \"docker\" \"w2\" {}\n",
		line: 1, col: 8, summary: "Unknown worker kind", detail: `"local" and "remote"`},

	// References.
	{name: "builder names unknown worker", main: "builder \"b2\" {\n  workers = [\"w1\", \"w2\"]\n}\n",
		line: 2, col: 20, summary: "Reference to undeclared worker", detail: `Builder "b2" lists worker "w2", but no worker block declares it. Did you mean "w1"?`},
	{name: "builder names unknown lock", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  locks   = [\"l1\", { name = \"l3\", access = \"exclusive\" }]\n}\n",
		line: 3, col: 20, summary: "Reference to undeclared lock", detail: `Builder "b2" takes lock "l3"`},
	{name: "step names unknown lock", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" \"s\" {\n    command = \"x\"\n    locks   = [\"nolock\"]\n  }\n}\n",
		line: 5, col: 16, summary: "Reference to undeclared lock", detail: `Step "s" of builder "b2" takes lock "nolock"`},
	{name: "scheduler names unknown builder", main: "scheduler \"force\" \"s2\" {\n  builders = [\"b1\", \"b3\"]\n}\n",
		line: 2, col: 21, summary: "Reference to undeclared builder", detail: `Scheduler "s2" feeds builder "b3", but no builder block declares it. Did you mean "b1"?`},
	{name: "scheduler names unknown builder with schemas", schemas: true, main: "scheduler \"force\" \"s2\" {\n  builders = [\"b3\"]\n}\n",
		line: 2, col: 15, summary: "Reference to undeclared builder", detail: `feeds builder "b3"`},
	{name: "trigger names unknown scheduler", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"trigger\" {\n    scheduler_names = [\"s9\"]\n  }\n}\n",
		line: 4, col: 24, summary: "Reference to undeclared scheduler", detail: `triggers scheduler "s9"`},
	{name: "undeclared local", main: "locals {\n  a = local.bb\n}\nlocals {\n  b = 1\n}\n",
		line: 2, col: 7, summary: "Reference to undeclared local value", detail: `Did you mean "b"?`},
	{name: "local cycle", main: "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n",
		line: 2, col: 3, summary: "Cycle in local values", detail: "local.a → local.b → local.c → local.a"},

	// Duplicates: the second is flagged, the detail names the first.
	{name: "duplicate worker", main: "worker \"remote\" \"w1\" {\n  password = \"x\"\n}\n",
		line: 1, col: 17, summary: `Duplicate worker "w1"`, detail: "base.hcl:1,1"},
	{name: "duplicate builder", main: "builder \"b1\" {\n  workers = [\"w1\"]\n}\n",
		line: 1, col: 9, summary: `Duplicate builder "b1"`, detail: "base.hcl:2,9"},
	{name: "duplicate scheduler", main: "scheduler \"force\" \"s1\" {\n  builders = [\"b1\"]\n}\n",
		line: 1, col: 19, summary: `Duplicate scheduler "s1"`, detail: "base.hcl:9,1"},
	{name: "duplicate lock across types", main: "lock \"worker\" \"l1\" {}\n",
		line: 1, col: 15, summary: `Duplicate lock "l1"`, detail: "base.hcl:8,1"},
	{name: "duplicate master block", main: "master {}\nmaster {}\n",
		line: 2, col: 1, summary: "Duplicate master block", detail: "main.hcl:1,1"},
	{name: "duplicate local", main: "locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n",
		line: 5, col: 3, summary: "Duplicate local value", detail: "main.hcl:2,3"},
	{name: "duplicate protocol", main: "protocol \"pb\" {\n  listen = \":1\"\n}\nprotocol \"pb\" {\n  listen = \":2\"\n}\n",
		line: 4, col: 10, summary: `Duplicate protocol "pb"`, detail: "main.hcl:1,1"},
	{name: "duplicate change hook", main: "change_hook \"github\" {}\nchange_hook \"github\" {}\n",
		line: 2, col: 13, summary: `Duplicate change_hook "github"`, detail: "main.hcl:1,1"},
	{name: "duplicate plugin pin", main: "plugin \"git\" {}\nplugin \"git\" {}\n",
		line: 2, col: 8, summary: `Duplicate plugin "git"`, detail: "main.hcl:1,1"},

	// Durations and cron.
	{name: "bad step timeout", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command = \"x\"\n    timeout = \"10x\"\n  }\n}\n",
		line: 5, col: 15, summary: "Invalid duration", detail: `"10x" is not one: unknown unit "x"`},
	{name: "bad commit delay", main: "database {\n  commit_delay = \"fast\"\n}\n",
		line: 2, col: 18, summary: "Invalid duration", detail: `"fast" is not one`},
	{name: "negative metrics interval", main: "metrics {\n  log_interval = -5\n}\n",
		line: 2, col: 18, summary: "Invalid duration", detail: "must not be negative"},
	{name: "bad plugin duration", main: "change_source \"git\" \"c\" {\n  poll_interval = \"soon\"\n}\n",
		line: 2, col: 19, summary: "Invalid duration", detail: `Attribute "poll_interval" takes a duration. "soon" is not one`},
	{name: "bad plugin duration with schemas", schemas: true, main: "scheduler \"single_branch\" \"sb\" {\n  builders          = [\"b1\"]\n  tree_stable_timer = \"2 minutes\"\n}\n",
		line: 3, col: 23, summary: "Invalid duration", detail: `"2 minutes"`},
	{name: "bad cron", main: "scheduler \"nightly\" \"n\" {\n  cron     = \"0 25 * * *\"\n  builders = [\"b1\"]\n}\n",
		line: 2, col: 14, summary: "Invalid cron expression", detail: `"0 25 * * *" is not a valid cron expression`},
	{name: "cron with too many fields", schemas: true, main: "scheduler \"nightly\" \"n\" {\n  cron     = \"0 0 3 * * *\"\n  builders = [\"b1\"]\n}\n",
		line: 2, col: 14, summary: "Invalid cron expression", detail: "five fields"},

	// Names.
	{name: "builder name starts with underscore", main: "builder \"_b2\" {\n  workers = [\"w1\"]\n}\n",
		line: 1, col: 9, summary: "Invalid builder name", detail: `must not start with "_"`},
	{name: "worker name not an identifier", main: "worker \"local\" \"bad name\" {}\n",
		line: 1, col: 16, summary: "Invalid worker name", detail: "at most 50 letters"},
	{name: "worker name too long", main: fmt.Sprintf("worker \"local\" %q {}\n", strings.Repeat("w", 51)),
		line: 1, col: 16, summary: "Invalid worker name", detail: "at most 50"},
	{name: "step name too long", main: fmt.Sprintf("builder \"b2\" {\n  workers = [\"w1\"]\n  step \"mkdir\" %q {\n    dir = \"x\"\n  }\n}\n", strings.Repeat("s", 51)),
		line: 3, col: 16, summary: "Invalid step name", detail: "1 to 50 characters"},
	{name: "builder without workers attribute", main: "builder \"b2\" {}\n",
		line: 1, col: 1, summary: "Builder has no workers", detail: `Builder "b2" needs a workers attribute`},
	{name: "builder with empty workers", main: "builder \"b2\" {\n  workers = []\n}\n",
		line: 2, col: 13, summary: "Builder has no workers", detail: "at least one worker"},

	// Values.
	{name: "database scheme", main: "database {\n  url = \"mysql://db/ci\"\n}\n",
		line: 2, col: 9, summary: "Invalid database url", detail: `the scheme "mysql" is not supported`},
	{name: "www listen", main: "www {\n  listen = \"localhost\"\n}\n",
		line: 2, col: 12, summary: "Invalid listen address", detail: "missing port in address"},
	{name: "protocol listen port", main: "protocol \"msgpack\" {\n  listen = \"127.0.0.1:http\"\n}\n",
		line: 2, col: 12, summary: "Invalid listen address", detail: `port "http" is not a number`},
	{name: "protocol type", main: "protocol \"amqp\" {\n  listen = \":1\"\n}\n",
		line: 1, col: 10, summary: "Invalid protocol", detail: `use "pb" or "msgpack"`},
	{name: "mq type", main: "mq {\n  type = \"rabbit\"\n}\n",
		line: 2, col: 10, summary: "Invalid type", detail: `use "simple" or "nats"`},
	{name: "nats without url", main: "mq {\n  type = \"nats\"\n}\n",
		line: 2, col: 10, summary: "Missing NATS url"},
	{name: "log compression", main: "master {\n  log_compression = \"bz2\"\n}\n",
		line: 2, col: 21, summary: "Invalid log_compression", detail: `use "zstd", "gz" or "raw"`},
	{name: "lock type", main: "lock \"global\" \"l2\" {}\n",
		line: 1, col: 6, summary: "Invalid lock type", detail: `use "worker" or "master"`},
	{name: "lock access", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  locks   = [{ name = \"l1\", access = \"shared\" }]\n}\n",
		line: 3, col: 14, summary: "Invalid lock access", detail: `access must be "counting" or "exclusive"`},
	{name: "change hook dialect", main: "change_hook \"githib\" {}\n",
		line: 1, col: 13, summary: "Invalid change hook dialect", detail: `Did you mean "github"?`},
	{name: "strict hook without secret", main: "change_hook \"gitlab\" {\n  strict = true\n}\n",
		line: 2, col: 12, summary: "Strict change hook without secret"},
	{name: "bad skips regexp", main: "change_hook \"github\" {\n  skips = [\"[ci skip\"]\n}\n",
		line: 2, col: 11, summary: "Invalid skips pattern"},
	{name: "negative max_builds", main: "worker \"local\" \"w2\" {\n  max_builds = -1\n}\n",
		line: 2, col: 16, summary: "Invalid max_builds", detail: "at least 0"},
	{name: "bad sha256", main: "plugin \"git\" {\n  sha256 = \"abc\"\n}\n",
		line: 2, col: 12, summary: "Invalid sha256"},
	{name: "bad authorized keys", main: "manhole {\n  listen          = \"127.0.0.1:2222\"\n  authorized_keys = \"ssh-rsa nonsense\"\n}\n",
		line: 3, col: 21, summary: "Invalid authorized_keys", detail: "line 1 is not a public key"},
	{name: "git mode", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"git\" {\n    repourl = \"x\"\n    mode    = \"fulll\"\n  }\n}\n",
		line: 5, col: 15, summary: "Invalid mode", detail: `Did you mean "full"?`},
	{name: "shallow needs clobber", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"git\" {\n    repourl = \"x\"\n    shallow = 5\n  }\n}\n",
		line: 5, col: 15, summary: "Shallow clone needs a clobber"},
	{name: "file mode as number", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"string_download\" {\n    s          = \"x\"\n    workerdest = \"f\"\n    mode       = 0644\n  }\n}\n",
		line: 6, col: 18, summary: "Invalid file mode", detail: "octal string"},
	{name: "decode_rc result", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command   = \"x\"\n    decode_rc = { 0 = \"great\" }\n  }\n}\n",
		line: 5, col: 17, summary: "Invalid decode_rc", detail: `maps to "great"`},
	{name: "do_step_if constant", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" {\n    command    = \"x\"\n    do_step_if = \"yes\"\n  }\n}\n",
		line: 5, col: 18, summary: "Invalid do_step_if"},
	{name: "trigger conflicting arguments", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"trigger\" {\n    scheduler_names     = [\"s1\"]\n    always_use_latest   = true\n    update_source_stamp = false\n  }\n}\n",
		line: 6, col: 27, summary: "Conflicting trigger arguments"},

	// Missing things.
	{name: "missing required step attribute", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"git\" {\n    mode = \"full\"\n  }\n}\n",
		line: 3, col: 14, summary: "Missing required argument", detail: `"repourl" is required`},
	{name: "missing protocol listen", main: "protocol \"pb\" {}\n",
		line: 1, col: 15, summary: "Missing required argument", detail: `"listen" is required`},
	{name: "scheduler without builders", main: "scheduler \"force\" \"s2\" {}\n",
		line: 1, col: 1, summary: "Missing required argument", detail: `"builders" is required`},
	{name: "scheduler without builders with schemas", schemas: true, main: "scheduler \"force\" \"s2\" {}\n",
		line: 1, col: 24, summary: "Missing required argument", detail: `"builders" is required`},
	{name: "step without kind", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step {}\n}\n",
		line: 3, col: 3, summary: "Missing step kind"},
	{name: "step with three labels", main: "builder \"b2\" {\n  workers = [\"w1\"]\n  step \"shell\" \"a\" \"b\" {}\n}\n",
		line: 3, col: 20, summary: "Extraneous label for step"},
	{name: "missing block label", main: "builder {}\n",
		line: 1, col: 9, summary: "Missing name for builder"},

	// Functions.
	{name: "missing file", main: "manhole {\n  listen          = \":2222\"\n  authorized_keys = file(\"nokeys\")\n}\n",
		line: 3, col: 27, summary: "Invalid function argument", detail: "nokeys: no such file or directory"},
	{name: "env with too many arguments", main: "locals {\n  x = env(\"A\", \"b\", \"c\")\n}\n",
		line: 2, col: 22, summary: "Invalid function argument", detail: "at most one default"},
	{name: "unknown function", main: "locals {\n  x = uper(\"a\")\n}\n",
		line: 2, col: 7, summary: "Call to unknown function", detail: `Did you mean "upper"?`},
	{name: "plugin body expression error without schemas", main: "change_source \"git\" \"c\" {\n  repourl = local.nope\n}\n",
		line: 2, col: 13, summary: "Reference to undeclared local value", detail: `A local value named "nope" has not been declared.`},

	// Syntax.
	{name: "syntax error", main: "builder \"b2\" {\n  workers = [\"w1\"\n}\n",
		line: 3, col: 1, summary: "Missing item separator"},
}

func TestDiagnostics(t *testing.T) {
	for _, c := range diagCases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"base.hcl": baseConfig, "main.hcl": c.main})
			opts := LoadOptions{LookupEnv: noEnv, Hostname: "test"}
			if c.schemas {
				opts.Schemas = testSchemas
			}
			cfg, diags := Load(dir, opts)
			errs := errorsOf(diags)
			var out strings.Builder
			_ = WriteDiagnostics(&out, cfg.Sources, diags, false)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%s", len(errs), out.String())
			}
			d := errs[0]
			want := c.file
			if want == "" {
				want = "main.hcl"
			}
			if d.Subject == nil {
				t.Fatalf("diagnostic without subject:\n%s", out.String())
			}
			if got := filepath.Base(d.Subject.Filename); got != want || d.Subject.Start.Line != c.line || d.Subject.Start.Column != c.col {
				t.Errorf("at %s:%d,%d, want %s:%d,%d\n%s", got, d.Subject.Start.Line, d.Subject.Start.Column,
					want, c.line, c.col, out.String())
			}
			if d.Summary != c.summary {
				t.Errorf("summary %q, want %q", d.Summary, c.summary)
			}
			if !strings.Contains(d.Detail, c.detail) {
				t.Errorf("detail %q does not contain %q", d.Detail, c.detail)
			}
		})
	}
}

// TestBaseConfigIsValid guards the table above: without main.hcl's mistake
// the configuration loads.
func TestBaseConfigIsValid(t *testing.T) {
	for _, schemas := range []bool{false, true} {
		dir := writeFiles(t, map[string]string{"base.hcl": baseConfig})
		opts := LoadOptions{}
		if schemas {
			opts.Schemas = testSchemas
		}
		mustLoad(t, dir, opts)
	}
}

// TestAttrDiagnosticOnLoadedBlock maps a plugin's complaint about an
// attribute path to the user's file, line and column.
func TestAttrDiagnosticOnLoadedBlock(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `change_source "git" "app" {
  repourl  = "/srv/git/app.git"
  branches = ["main", "re("]
}
`})
	cfg := mustLoad(t, dir, LoadOptions{Schemas: testSchemas})
	d := AttrDiagnostic(&cfg.ChangeSources[0], []string{"branches", "1"}, "Invalid branch pattern", "missing closing )")
	if d.Subject == nil || filepath.Base(d.Subject.Filename) != "ci.hcl" || d.Subject.Start.Line != 3 || d.Subject.Start.Column != 23 {
		t.Fatalf("subject %v, want ci.hcl:3,23", d.Subject)
	}
	var out strings.Builder
	if err := WriteDiagnostics(&out, cfg.Sources, hcl.Diagnostics{d}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ci.hcl:3,23: Error: Invalid branch pattern") || !strings.Contains(out.String(), "missing closing )") {
		t.Errorf("rendered:\n%s", out.String())
	}
}
