package force

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// TestForceThroughPlugin forces through the plugin's gRPC service: the
// buildset reaches the master, and field errors come back as a
// ValidationError.
func TestForceThroughPlugin(t *testing.T) {
	h := harness(t)
	inst := configure(t, h)["custom"]
	ctx := context.Background()
	res, err := inst.Force(ctx, scheduler.ForceRequest{Owner: "alice@example.com", Reason: "go",
		Fields: map[string]any{"i1": "4", "lib_branch": "dev"}, BuilderNames: []string{"b2", "b0", "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	bss := h.Master.Buildsets()
	if len(bss) != 1 || bss[0].BSID != res.BSID {
		t.Fatalf("buildsets %+v, result %+v", bss, res)
	}
	bs := bss[0]
	if bs.Reason != "forced by alice@example.com because go" || bs.Scheduler != "custom" {
		t.Errorf("buildset %+v", bs)
	}
	if len(res.BRIDs) != 2 || res.BRIDs[1] == 0 || res.BRIDs[2] == 0 {
		t.Errorf("build requests %v, want builders 1 (b0) and 2 (b2)", res.BRIDs)
	}
	var lib base.SourceStamp
	for _, ss := range bs.SourceStamps {
		if ss.Codebase == "lib" {
			lib = ss
		}
	}
	if lib.Branch == nil || *lib.Branch != "dev" || lib.Repository != "https://x/lib.git" {
		t.Errorf("lib stamp %+v", lib)
	}
	_, err = inst.Force(ctx, scheduler.ForceRequest{Owner: "anonymous", Fields: map[string]any{"i1": "x", "u2": "nobody"}})
	var ve *scheduler.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v, want a ValidationError", err)
	}
	want := map[string]string{
		"reason": "'Why:' needs to be specified",
		"i1":     "invalid literal for int() with base 10: 'x'",
		"u2":     "u2: please fill in email address in the form 'User <email@email.com>'",
	}
	if !reflect.DeepEqual(ve.Fields, want) {
		t.Errorf("field errors %v, want %v", ve.Fields, want)
	}
	if len(h.Master.Buildsets()) != 1 {
		t.Errorf("a refused force added a buildset")
	}
}

// TestForceRequestForms covers the structured parts of a request (reason,
// codebases, free properties), the owner rules and the scheduler's own
// properties.
func TestForceRequestForms(t *testing.T) {
	h := harness(t)
	body := `codebases = ["", "lib"]`
	f, rec := direct(t, h, "f", body, "b0", "b1")
	f.mu.Lock()
	f.common.Properties["team"] = base.Property{Value: "core", Source: "Scheduler"}
	f.mu.Unlock()
	tests := []struct {
		name       string
		req        scheduler.ForceRequest
		reason     string
		props      map[string]any
		stamps     map[string][2]string // codebase: branch, revision
		fieldErrs  map[string]string
		err        error
		builders   []string
		noBuildset bool
	}{
		{name: "defaults", req: scheduler.ForceRequest{Owner: "anonymous"},
			reason: "A build was forced by '': force build", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "", "reason": "force build", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"", ""}}},
		{name: "structured", req: scheduler.ForceRequest{Owner: "bob", Reason: "cli",
			Codebases: map[string]scheduler.CodebaseRequest{"lib": {Branch: "dev", Revision: "abc"}, "": {Branch: "main"}}},
			reason: "A build was forced by 'bob': cli", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "bob", "reason": "cli", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"main", ""}, "lib": {"dev", "abc"}}},
		{name: "fields win over structured values", req: scheduler.ForceRequest{Owner: "bob", Reason: "cli",
			Fields:    map[string]any{"reason": "form", "lib_branch": "form-branch"},
			Codebases: map[string]scheduler.CodebaseRequest{"lib": {Branch: "dev"}}},
			reason: "A build was forced by 'bob': form", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "bob", "reason": "form", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"form-branch", ""}}},
		{name: "free properties", req: scheduler.ForceRequest{Owner: "bob",
			Properties: map[string]any{"k": "v", "n": int64(3), "scheduler": "mine"},
			Fields:     map[string]any{"properties": map[string]any{"from_field": "x"}}},
			reason: "A build was forced by 'bob': force build", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "bob", "reason": "force build", "scheduler": "f", "team": "core", "k": "v", "n": int64(3), "from_field": "x"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"", ""}}},
		{name: "bad free properties", req: scheduler.ForceRequest{Owner: "bob",
			Properties: map[string]any{"bad name": "v", "ok": "sp ace", "fine": "x", "list": []any{"a"}}},
			fieldErrs: map[string]string{"properties": "bad property name='bad name', value='v'; bad property name='list', value='['a']'; bad property name='ok', value='sp ace'"}},
		{name: "owner from username when anonymous", req: scheduler.ForceRequest{Owner: "",
			Fields: map[string]any{"username": "Carol <carol@example.com>"}},
			reason: "A build was forced by 'Carol <carol@example.com>': force build", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "Carol <carol@example.com>", "reason": "force build", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"", ""}}},
		{name: "username ignored for a known owner", req: scheduler.ForceRequest{Owner: "dave",
			Fields: map[string]any{"username": "not an email"}},
			reason: "A build was forced by 'dave': force build", builders: []string{"b0", "b1"},
			props:  map[string]any{"owner": "dave", "reason": "force build", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"", ""}}},
		{name: "builder subset", req: scheduler.ForceRequest{Owner: "x", Fields: map[string]any{"builderNames": []any{"b1", int64(3)}}},
			reason: "A build was forced by 'x': force build", builders: []string{"b1"},
			props:  map[string]any{"owner": "x", "reason": "force build", "scheduler": "f", "team": "core"},
			stamps: map[string][2]string{"": {"", ""}, "lib": {"", ""}}},
		{name: "no builder", req: scheduler.ForceRequest{Owner: "x", BuilderNames: []string{"zz"}}, err: ErrNoBuilders},
		{name: "builderNames as a string", req: scheduler.ForceRequest{Owner: "x", Fields: map[string]any{"builderNames": "b0"}}, err: ErrNoBuilders},
		{name: "empty builderNames", req: scheduler.ForceRequest{Owner: "x", Fields: map[string]any{"builderNames": []any{}}}, err: ErrNoBuilders},
		{name: "builderid", req: scheduler.ForceRequest{Owner: "x", Fields: map[string]any{"builderid": int64(1)}}, err: ErrBuilderID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.last = base.BuildsetSpec{}
			_, err := f.Force(context.Background(), tt.req)
			var ve *scheduler.ValidationError
			switch {
			case tt.fieldErrs != nil:
				if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Fields, tt.fieldErrs) {
					t.Fatalf("err %v, want field errors %v", err, tt.fieldErrs)
				}
				return
			case tt.err != nil:
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			spec := rec.last
			if spec.Reason != tt.reason || !reflect.DeepEqual(spec.BuilderNames, tt.builders) {
				t.Errorf("reason %q builders %v, want %q %v", spec.Reason, spec.BuilderNames, tt.reason, tt.builders)
			}
			props := map[string]any{}
			for k, p := range spec.Properties {
				props[k] = p.Value
				wantSource := "Force Build Form"
				if k == "scheduler" || k == "team" {
					wantSource = "Scheduler"
				}
				if p.Source != wantSource {
					t.Errorf("property %s source %q, want %q", k, p.Source, wantSource)
				}
			}
			if !reflect.DeepEqual(props, tt.props) {
				t.Errorf("properties %v, want %v", props, tt.props)
			}
			stamps := map[string][2]string{}
			for _, ss := range spec.SourceStamps {
				stamps[ss.Codebase] = [2]string{*ss.Branch, *ss.Revision}
			}
			if !reflect.DeepEqual(stamps, tt.stamps) {
				t.Errorf("stamps %v, want %v", stamps, tt.stamps)
			}
		})
	}
}

// TestParameterValues is the validation table of the parameter classes,
// with Buildbot's messages.
func TestParameterValues(t *testing.T) {
	h := harness(t)
	f, rec := direct(t, h, "p", `
		codebase { omit = ["branch", "project", "repository", "revision"] }
		property {
			type = "int"
			name = "n"
		}
		property {
			type = "choice"
			name = "c"
			choices = ["a", "b"]
			multiple = true
			defaults = ["a"]
		}
		property {
			type = "text"
			name = "t"
			maxsize = 4
			required = true
		}
		property {
			type = "workername"
			choices = ["w1"]
		}
		property {
			type = "bool"
			name = "flag"
		}
		property {
			type = "nested"
			name = "g"
			field {
				type = "int"
				name = "x"
				default = 5
			}
		}`, "b0")
	tests := []struct {
		fields map[string]any
		props  map[string]any
		errs   map[string]string
	}{
		{fields: map[string]any{"t": "ok"}, props: map[string]any{"n": int64(0), "c": []any{"a"}, "t": "ok", "workername": "", "flag": false, "g": map[string]any{"x": int64(5)}}},
		{fields: map[string]any{"t": "ok", "n": " +1_2 ", "c": []any{"b", "a"}, "workername": "-any-", "flag": true, "g_x": "7"},
			props: map[string]any{"n": int64(12), "c": []any{"b", "a"}, "t": "ok", "flag": true, "g": map[string]any{"x": int64(7)}}},
		{fields: map[string]any{"t": "ok", "n": "٣", "workername": "w9", "flag": int64(1)},
			props: map[string]any{"n": int64(3), "c": []any{"a"}, "t": "ok", "workername": "w9", "flag": true, "g": map[string]any{"x": int64(5)}}},
		{fields: map[string]any{"t": "ok", "n": 2.9, "flag": "true"},
			props: map[string]any{"n": int64(2), "c": []any{"a"}, "t": "ok", "workername": "", "flag": false, "g": map[string]any{"x": int64(5)}}},
		{fields: map[string]any{"t": "toolong", "n": "1.5", "c": []any{"a", "z"}, "g_x": "y"},
			errs: map[string]string{"t": "t: is too large 7 > 4", "n": "invalid literal for int() with base 10: '1.5'",
				"c": "'z' does not belong to list of available choices '['a', 'b']'", "g_x": "invalid literal for int() with base 10: 'y'"}},
		{fields: map[string]any{"t": []any{"  "}},
			errs: map[string]string{"t": "'t' needs to be specified"}},
		// Buildbot's blank removal skips the element after a removed one.
		{fields: map[string]any{"t": []any{"  ", ""}},
			props: map[string]any{"n": int64(0), "c": []any{"a"}, "t": "", "workername": "", "flag": false, "g": map[string]any{"x": int64(5)}}},
		{fields: map[string]any{"t": "ok", "n": nil},
			errs: map[string]string{"n": "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"}},
		{fields: map[string]any{"t": int64(12345)},
			errs: map[string]string{"t": "object of type 'int' has no len()"}},
		{fields: map[string]any{"t": make([]any, 1001)},
			errs: map[string]string{"t": "t: too many values (1001 > 1000)"}},
		{fields: map[string]any{"t": "ok", "n": "99999999999999999999"},
			errs: map[string]string{"n": "integer '99999999999999999999' is out of range"}},
	}
	for _, tt := range tests {
		_, err := f.Force(context.Background(), scheduler.ForceRequest{Owner: "o", Fields: tt.fields})
		if tt.errs != nil {
			var ve *scheduler.ValidationError
			if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Fields, tt.errs) {
				t.Errorf("%v: err %v, want %v", tt.fields, err, tt.errs)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.fields, err)
			continue
		}
		props := map[string]any{}
		for k, p := range rec.last.Properties {
			if k != "owner" && k != "reason" && k != "scheduler" {
				props[k] = p.Value
			}
		}
		if !reflect.DeepEqual(props, tt.props) {
			t.Errorf("%v: properties %v, want %v", tt.fields, props, tt.props)
		}
		if n := len(rec.last.SourceStamps); n != 1 || *rec.last.SourceStamps[0].Branch != "" {
			t.Errorf("a codebase without fields still gets its stamp: %+v", rec.last.SourceStamps)
		}
	}
}

// TestReconfigureInPlace swaps the form of a configured instance.
func TestReconfigureInPlace(t *testing.T) {
	h := harness(t)
	inst := h.Scheduler(t, Kind, "f", `button_name = "One"`, "b0")
	if err := inst.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Configure(inst, base.TypeScheduler, Kind, "f", `button_name = "Two"`, base.Common{Builders: []string{"b1"}}); err != nil {
		t.Fatal(err)
	}
	spec, err := inst.ForceSpec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if spec.ButtonName != "Two" || !reflect.DeepEqual(spec.BuilderNames, []string{"b1"}) {
		t.Errorf("after reconfig: %+v", spec)
	}
	if _, err := inst.Force(context.Background(), scheduler.ForceRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	if bs := h.Master.Buildsets(); len(bs) != 1 || !strings.Contains(bs[0].Reason, "'o'") {
		t.Errorf("buildsets %+v", bs)
	}
}
