package force

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

func harness(t testing.TB) *sdktest.Harness {
	t.Helper()
	h := sdktest.New(t, sdk.Plugin{Name: "schedulers", Version: "0.0.0", Components: []sdk.Component{Component()}})
	// The builder ids of the recording master.
	h.Master.BuilderIDs["b0"], h.Master.BuilderIDs["b2"], h.Master.BuilderIDs["b1"] = 1, 2, 3
	return h
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordedSchedulers are Buildbot's /api/v2/forceschedulers answers.
func recordedSchedulers(t *testing.T) map[string]struct {
	AllFields    []json.RawMessage `json:"all_fields"`
	ButtonName   string            `json:"button_name"`
	Label        string            `json:"label"`
	BuilderNames []string          `json:"builder_names"`
} {
	var out map[string]struct {
		AllFields    []json.RawMessage `json:"all_fields"`
		ButtonName   string            `json:"button_name"`
		Label        string            `json:"label"`
		BuilderNames []string          `json:"builder_names"`
	}
	if err := json.Unmarshal(readFile(t, "buildbot/forceschedulers.json"), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// configure returns the force schedulers of the recording master.
func configure(t *testing.T, h *sdktest.Harness) map[string]scheduler.Instance {
	t.Helper()
	return map[string]scheduler.Instance{
		"force":  h.Scheduler(t, Kind, "force", "", "b0", "b1"),
		"custom": h.Scheduler(t, Kind, "custom", string(readFile(t, "custom.hcl")), "b0", "b1", "b2"),
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestSpecMatchesBuildbot compares ForceSpec with what Buildbot 3.7 serves
// for the same force schedulers.
func TestSpecMatchesBuildbot(t *testing.T) {
	h := harness(t)
	insts := configure(t, h)
	for name, want := range recordedSchedulers(t) {
		spec, err := insts[name].ForceSpec(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if spec.ButtonName != want.ButtonName || spec.Label != want.Label || !reflect.DeepEqual(spec.BuilderNames, want.BuilderNames) {
			t.Errorf("%s: button %q label %q builders %v; Buildbot: %q %q %v", name, spec.ButtonName, spec.Label, spec.BuilderNames,
				want.ButtonName, want.Label, want.BuilderNames)
		}
		if len(spec.AllFields) != len(want.AllFields) {
			t.Fatalf("%s: %d fields, Buildbot has %d", name, len(spec.AllFields), len(want.AllFields))
		}
		for i := range want.AllFields {
			if !jsonEqual(t, spec.AllFields[i], want.AllFields[i]) {
				t.Errorf("%s: field %d:\n got  %s\n want %s", name, i, spec.AllFields[i], want.AllFields[i])
			}
		}
	}
}

type recordedCall struct {
	Scheduler string         `json:"scheduler"`
	Params    map[string]any `json:"params"`
	Status    int            `json:"status"`
	Response  struct {
		Error *struct {
			Code    int             `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
	} `json:"response"`
	Buildset *struct {
		Reason       string           `json:"reason"`
		SourceStamps []map[string]any `json:"sourcestamps"`
	} `json:"buildset"`
	Properties map[string][2]any `json:"properties"`
	BuilderIDs []int64           `json:"builderids"`
}

// requestFor builds the ForceRequest the master sends for JSON-RPC params:
// the params as fields, builderNames as such and the anonymous owner (the
// recording master had no authentication).
func requestFor(params map[string]any) scheduler.ForceRequest {
	fields := map[string]any{}
	for k, v := range params {
		fields[k] = normalize(v)
	}
	return scheduler.ForceRequest{Owner: "anonymous", Fields: fields}
}

// normalize turns JSON numbers into int64 where whole, as the SDK's value
// conversion does.
func normalize(v any) any {
	switch v := v.(type) {
	case float64:
		if v == float64(int64(v)) && !strings.Contains(jsonString(v), ".") {
			return int64(v)
		}
		return v
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalize(v[k])
		}
	}
	return v
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// recorder is a Host that keeps the buildsets a directly configured
// instance adds (the fake master of sdktest does not keep properties).
type recorder struct {
	base.Host
	ids  map[string]int64
	last base.BuildsetSpec
}

func (r *recorder) AddBuildset(ctx context.Context, spec base.BuildsetSpec, writes ...base.StateWrite) (base.BuildsetResult, error) {
	r.last = spec
	res := base.BuildsetResult{BSID: 1, BRIDs: map[int64]int64{}}
	for i, b := range spec.BuilderNames {
		res.BRIDs[r.ids[b]] = int64(i + 1)
	}
	return res, nil
}

// direct configures a force scheduler in-process on a recorder.
func direct(t testing.TB, h *sdktest.Harness, name, body string, builders ...string) (*Force, *recorder) {
	t.Helper()
	val, err := h.Decode(base.TypeScheduler, Kind, body)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{ids: map[string]int64{"b0": 1, "b2": 2, "b1": 3}}
	f := New()
	err = f.Configure(context.Background(), base.ConfigureRequest{Ref: base.Ref{Type: base.TypeScheduler, Kind: Kind, Name: name, Generation: 1},
		Config: val, Common: base.Common{Builders: builders}, Host: rec})
	if err != nil {
		t.Fatal(err)
	}
	return f, rec
}

// TestForceMatchesBuildbot replays the force calls recorded from Buildbot
// 3.7 and compares the outcome: the same field errors, or a buildset with
// the same reason, properties, source stamps and builders.
func TestForceMatchesBuildbot(t *testing.T) {
	h := harness(t)
	type inst struct {
		f   *Force
		rec *recorder
	}
	insts := map[string]inst{}
	f, rec := direct(t, h, "force", "", "b0", "b1")
	insts["force"] = inst{f, rec}
	f, rec = direct(t, h, "custom", string(readFile(t, "custom.hcl")), "b0", "b1", "b2")
	insts["custom"] = inst{f, rec}
	var calls []recordedCall
	if err := json.Unmarshal(readFile(t, "buildbot/force_calls.json"), &calls); err != nil {
		t.Fatal(err)
	}
	idToName := map[int64]string{1: "b0", 2: "b2", 3: "b1"}
	for i, c := range calls {
		in, ok := insts[c.Scheduler]
		if !ok {
			continue // an unknown scheduler is the master's business
		}
		req := requestFor(c.Params)
		if id, ok := req.Fields["builderid"].(int64); ok {
			// The master resolves builderid into a builder name.
			req.BuilderNames = []string{idToName[id]}
		}
		name := c.Scheduler + " " + jsonString(c.Params)
		res, err := in.f.Force(context.Background(), req)
		switch {
		case c.Status == 400:
			var ve *scheduler.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%d %s: err %v, want field errors %s", i, name, err, c.Response.Error.Message)
				continue
			}
			var want map[string]string
			if err := json.Unmarshal(c.Response.Error.Message, &want); err != nil {
				t.Fatal(err)
			}
			for k, v := range bigIntErrors(c.Params) {
				want[k] = v
			}
			if !reflect.DeepEqual(ve.Fields, want) {
				t.Errorf("%d %s: field errors\n got  %v\n want %v", i, name, ve.Fields, want)
			}
		case c.Status == 500:
			var msg string
			_ = json.Unmarshal(c.Response.Error.Message, &msg)
			var ve *scheduler.ValidationError
			switch {
			case strings.HasPrefix(msg, "TypeError("):
				// bbhost answers invalid params, with Python's message.
				if !errors.As(err, &ve) || !anyIn(msg, ve.Fields) {
					t.Errorf("%d %s: err %v, want field errors with Buildbot's %s", i, name, err, msg)
				}
			case strings.HasPrefix(msg, "KeyError("):
				if !errors.Is(err, ErrNoBuilders) {
					t.Errorf("%d %s: err %v, want %v", i, name, err, ErrNoBuilders)
				}
			default:
				t.Errorf("%d %s: unexpected recorded error %s", i, name, msg)
			}
		case c.Status == 200:
			if id, isID := req.Fields["builderid"].(int64); isID && c.Scheduler == "force" && idToName[id] == "b2" {
				// Buildbot starts a builder the scheduler does not feed when
				// named by id; bbhost keeps to the scheduler's builders.
				if !errors.Is(err, ErrNoBuilders) {
					t.Errorf("%d %s: err %v, want %v", i, name, err, ErrNoBuilders)
				}
				continue
			}
			if err != nil {
				t.Errorf("%d %s: %v", i, name, err)
				continue
			}
			checkBuildset(t, i, name, in.rec.last, res, c)
		}
	}
}

// anyIn reports whether one of the field errors is in msg (Buildbot stops
// at the first TypeError; bbhost reports every field).
func anyIn(msg string, fields map[string]string) bool {
	for _, v := range fields {
		if strings.Contains(msg, v) {
			return true
		}
	}
	return false
}

// bigIntErrors are the errors bbhost adds where Buildbot takes an integer
// beyond int64 (Python's integers have no limit).
func bigIntErrors(params map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		if s, ok := v.(string); ok && len(s) > 19 && strings.Trim(s, "0123456789") == "" {
			out[k] = "integer '" + s + "' is out of range"
		}
	}
	return out
}

func checkBuildset(t *testing.T, i int, name string, spec base.BuildsetSpec, res base.BuildsetResult, c recordedCall) {
	t.Helper()
	if spec.Reason != c.Buildset.Reason {
		t.Errorf("%d %s: reason %q, Buildbot %q", i, name, spec.Reason, c.Buildset.Reason)
	}
	var ids []int64
	for id := range res.BRIDs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	if !reflect.DeepEqual(ids, c.BuilderIDs) {
		t.Errorf("%d %s: builders %v, Buildbot %v", i, name, ids, c.BuilderIDs)
	}
	got := map[string]map[string]any{}
	for _, ss := range spec.SourceStamps {
		got[ss.Codebase] = map[string]any{"codebase": ss.Codebase, "repository": ss.Repository, "project": ss.Project, "patch": nil,
			"branch": deref(ss.Branch), "revision": deref(ss.Revision)}
	}
	want := map[string]map[string]any{}
	for _, ss := range c.Buildset.SourceStamps {
		want[ss["codebase"].(string)] = ss
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%d %s: source stamps\n got  %v\n want %v", i, name, got, want)
	}
	props := map[string]any{}
	for k, p := range spec.Properties {
		props[k] = []any{p.Value, p.Source}
	}
	wantProps := map[string]any{}
	for k, v := range c.Properties {
		wantProps[k] = []any{v[0], v[1]}
	}
	// bbhost's extension: a properties object sets free properties.
	if extra, ok := c.Params["properties"].(map[string]any); ok {
		for k, v := range extra {
			wantProps[k] = []any{v, "Force Build Form"}
		}
	}
	if !jsonEqual(t, []byte(jsonString(props)), []byte(jsonString(wantProps))) {
		t.Errorf("%d %s: properties\n got  %s\n want %s", i, name, jsonString(props), jsonString(wantProps))
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
