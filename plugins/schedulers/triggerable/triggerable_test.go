package triggerable

import (
	"context"
	"reflect"
	"testing"

	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

func harness(t *testing.T) *sdktest.Harness {
	return sdktest.New(t, sdk.Plugin{Name: "schedulers", Version: "0.0.0", Components: []sdk.Component{Component()}})
}

// recorder keeps the buildset a directly configured instance adds.
type recorder struct {
	base.Host
	last base.BuildsetSpec
}

func (r *recorder) AddBuildset(ctx context.Context, spec base.BuildsetSpec, writes ...base.StateWrite) (base.BuildsetResult, error) {
	r.last = spec
	return base.BuildsetResult{BSID: 7, BRIDs: map[int64]int64{1: 1}}, nil
}

func str(s string) *string { return &s }

func TestTrigger(t *testing.T) {
	h := harness(t)
	parent := int64(42)
	tests := []struct {
		name, body string
		req        scheduler.TriggerRequest
		reason     string
		props      map[string]base.Property
		stamps     []base.SourceStamp
	}{
		{name: "defaults", req: scheduler.TriggerRequest{},
			reason: "The Triggerable scheduler named 't' triggered this build",
			props:  map[string]base.Property{"scheduler": {Value: "t", Source: "Scheduler"}, "team": {Value: "core", Source: "Scheduler"}},
			stamps: []base.SourceStamp{{Codebase: ""}}},
		{name: "configured reason", body: `reason = "nightly tests"`, req: scheduler.TriggerRequest{},
			reason: "nightly tests",
			props:  map[string]base.Property{"scheduler": {Value: "t", Source: "Scheduler"}, "team": {Value: "core", Source: "Scheduler"}}},
		{name: "trigger properties and reason", body: `reason = "ignored when properties come"`,
			req: scheduler.TriggerRequest{WaitedFor: true, ParentBuildID: &parent, ParentRelationship: str("test"),
				Properties: map[string]base.Property{"reason": {Value: "because", Source: "Trigger"}, "team": {Value: "other", Source: "Trigger"}, "x": {Value: int64(1), Source: "Trigger"}},
				SourceStamps: []base.SourceStamp{{Codebase: "", Branch: str("main"), Revision: str("abc"), Repository: "r", Project: "p"},
					{Codebase: "extra", Branch: str("b"), Revision: str("def"), Repository: "e", Project: "dropped"}}},
			reason: "because",
			props: map[string]base.Property{"scheduler": {Value: "t", Source: "Scheduler"}, "team": {Value: "core", Source: "Scheduler"},
				"reason": {Value: "because", Source: "Trigger"}, "x": {Value: int64(1), Source: "Trigger"}},
			stamps: []base.SourceStamp{{Codebase: "", Branch: str("main"), Revision: str("abc"), Repository: "r", Project: "p"},
				{Codebase: "extra", Branch: str("b"), Revision: str("def"), Repository: "e"}}},
		{name: "properties without a reason", body: `reason = "configured"`,
			req:    scheduler.TriggerRequest{Properties: map[string]base.Property{"x": {Value: "y", Source: "Trigger"}}},
			reason: "The Triggerable scheduler named 't' triggered this build",
			props:  map[string]base.Property{"scheduler": {Value: "t", Source: "Scheduler"}, "team": {Value: "core", Source: "Scheduler"}, "x": {Value: "y", Source: "Trigger"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			val, err := h.Decode(base.TypeScheduler, Kind, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			s := New()
			if err := s.Configure(context.Background(), base.ConfigureRequest{Ref: base.Ref{Type: base.TypeScheduler, Kind: Kind, Name: "t"},
				Config: val, Common: base.Common{Builders: []string{"b0"}, Properties: map[string]any{"team": "core"}}, Host: rec}); err != nil {
				t.Fatal(err)
			}
			res, err := s.Trigger(context.Background(), tt.req)
			if err != nil || res.BSID != 7 {
				t.Fatalf("%+v %v", res, err)
			}
			spec := rec.last
			if spec.Reason != tt.reason {
				t.Errorf("reason %q, want %q", spec.Reason, tt.reason)
			}
			if !reflect.DeepEqual(spec.Properties, tt.props) {
				t.Errorf("properties %v, want %v", spec.Properties, tt.props)
			}
			if tt.stamps != nil && !reflect.DeepEqual(spec.SourceStamps, tt.stamps) {
				t.Errorf("stamps %+v, want %+v", spec.SourceStamps, tt.stamps)
			}
			if spec.WaitedFor != tt.req.WaitedFor || spec.ParentBuildID != tt.req.ParentBuildID || spec.ParentRelationship != tt.req.ParentRelationship {
				t.Errorf("waited_for/parent not passed on: %+v", spec)
			}
		})
	}
}

// TestTriggerThroughPlugin triggers over the plugin's gRPC service.
func TestTriggerThroughPlugin(t *testing.T) {
	h := harness(t)
	s := h.Scheduler(t, Kind, "t", `codebases = { lib = { repository = "lib.git" } }`, "b0", "b1")
	res, err := s.Trigger(context.Background(), scheduler.TriggerRequest{
		SourceStamps: []base.SourceStamp{{Codebase: "lib", Revision: str("r1")}}})
	if err != nil {
		t.Fatal(err)
	}
	bss := h.Master.Buildsets()
	if len(bss) != 1 || bss[0].BSID != res.BSID || len(res.BRIDs) != 2 {
		t.Fatalf("buildsets %+v result %+v", bss, res)
	}
	ss := bss[0].SourceStamps
	if len(ss) != 1 || ss[0].Codebase != "lib" || *ss[0].Revision != "r1" || ss[0].Repository != "" {
		t.Errorf("stamps %+v (the trigger's stamp replaces the codebase defaults)", ss)
	}
	if _, err := s.ForceSpec(context.Background()); err == nil {
		t.Error("a triggerable scheduler answered ForceSpec")
	}
}
