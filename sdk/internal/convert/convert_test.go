package convert

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func TestValueRoundTrip(t *testing.T) {
	cases := []any{
		nil, true, int64(-3), 2.5, "s", []byte{1, 2},
		[]string{"sh", "-c", "make"},
		map[string]string{"A": "b"},
		[]any{int64(1), "x", nil, []any{false}},
		map[string]any{"timeout": int64(1200), "maxTime": nil, "env": map[string]string{"X": "1"}},
	}
	for _, c := range cases {
		pv, err := ValueToProto(c)
		if err != nil {
			t.Fatalf("%#v: %v", c, err)
		}
		b, err := proto.Marshal(pv)
		if err != nil {
			t.Fatal(err)
		}
		var back pb.Value
		if err := proto.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := ValueFromProto(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip of %#v gave %#v", c, got)
		}
	}
}

func TestValueNormalises(t *testing.T) {
	for in, want := range map[any]any{int(3): int64(3), uint8(4): int64(4), float32(0.5): 0.5, json.Number("7"): int64(7)} {
		pv, err := ValueToProto(in)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := ValueFromProto(pv)
		if got != want {
			t.Errorf("%T %v → %#v, want %#v", in, in, got, want)
		}
	}
	type s struct {
		A int `json:"a"`
	}
	pv, err := ValueToProto(s{A: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ValueFromProto(pv)
	if !reflect.DeepEqual(got, map[string]any{"a": int64(1)}) {
		t.Errorf("struct → %#v", got)
	}
	if _, err := ValueToProto(make(chan int)); err == nil {
		t.Error("channel accepted")
	}
}

func testSchema() base.Block {
	return base.Block{
		Attributes: []base.Attribute{
			{Name: "dir", Type: cty.String, Required: true, Description: "d"},
			{Name: "tags", Type: cty.List(cty.String)},
			{Name: "any", Type: cty.DynamicPseudoType},
		},
		Blocks: []base.NestedBlock{{Name: "rule", Nesting: base.NestingList, Block: base.Block{
			Attributes: []base.Attribute{{Name: "n", Type: cty.Number}}}}},
	}
}

func TestSchemaAndDynamicRoundTrip(t *testing.T) {
	s := testSchema()
	ps, err := SchemaToProto(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := SchemaFromProto(ps)
	if err != nil {
		t.Fatal(err)
	}
	if !back.ImpliedType().Equals(s.ImpliedType()) {
		t.Fatalf("implied types differ: %#v vs %#v", back.ImpliedType(), s.ImpliedType())
	}
	v := cty.ObjectVal(map[string]cty.Value{
		"dir":  cty.StringVal("/x"),
		"tags": cty.ListVal([]cty.Value{cty.StringVal("a")}),
		"any":  cty.ObjectVal(map[string]cty.Value{"k": cty.NumberIntVal(1)}),
		"rule": cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(2)})}),
	})
	dv, err := DynamicToProto(v, s.ImpliedType())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DynamicFromProto(dv, back.ImpliedType())
	if err != nil {
		t.Fatal(err)
	}
	if !got.RawEquals(v) {
		t.Errorf("round trip: %#v", got)
	}
	// Extra attributes (the host's common ones) are dropped to fit.
	withExtra := cty.ObjectVal(map[string]cty.Value{
		"dir": cty.StringVal("/x"), "tags": cty.NullVal(cty.List(cty.String)), "any": cty.NullVal(cty.DynamicPseudoType),
		"rule": cty.ListValEmpty(cty.Object(map[string]cty.Type{"n": cty.Number})), "builders": cty.StringVal("b"),
	})
	if _, err := DynamicToProto(withExtra, s.ImpliedType()); err != nil {
		t.Errorf("extra attribute: %v", err)
	}
	if _, err := DynamicToProto(cty.UnknownVal(s.ImpliedType()), s.ImpliedType()); err == nil {
		t.Error("unknown value encoded")
	}
}

func TestSchemaFromProtoRejects(t *testing.T) {
	bad := []*pb.Schema{
		{Block: &pb.Schema_Block{Attributes: []*pb.Schema_Attribute{{Name: "a", Type: []byte(`"nonsense"`)}}}},
		{Block: &pb.Schema_Block{Attributes: []*pb.Schema_Attribute{{Name: "", Type: []byte(`"string"`)}}}},
		{Block: &pb.Schema_Block{Attributes: []*pb.Schema_Attribute{{Name: "a", Type: []byte(`"string"`)}, {Name: "a", Type: []byte(`"string"`)}}}},
		{Block: &pb.Schema_Block{BlockTypes: []*pb.Schema_NestedBlock{{TypeName: "b", Nesting: 0}}}},
	}
	for i, s := range bad {
		if _, err := SchemaFromProto(s); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

func TestDiagnosticsRoundTrip(t *testing.T) {
	ds := base.Diagnostics{
		base.AttrError("dir", "Bad dir", "detail"),
		{Severity: base.SeverityWarning, Summary: "w", Path: cty.GetAttrPath("rule").Index(cty.NumberIntVal(2)).Index(cty.StringVal("k"))},
	}
	back := DiagnosticsFromProto(DiagnosticsToProto(ds))
	if len(back) != 2 || back[0].Summary != "Bad dir" || back[1].Severity != base.SeverityWarning {
		t.Fatalf("%+v", back)
	}
	if base.FormatPath(back[1].Path) != `rule[2]["k"]` {
		t.Errorf("path %s", base.FormatPath(back[1].Path))
	}
}

func TestErrors(t *testing.T) {
	for _, e := range []error{base.ErrStale, base.ErrStateConflict, base.ErrUnsupported, base.ErrUnknownInstance} {
		st := ErrorToStatus(errors.Join(errors.New("ctx"), e))
		back := ErrorFromStatus(st)
		if !errors.Is(back, e) {
			t.Errorf("%v did not survive: %v", e, back)
		}
	}
	st := ErrorToStatus(context.Canceled)
	if status.Code(st) != codes.Canceled {
		t.Errorf("canceled → %v", status.Code(st))
	}
	un := status.Error(codes.Unavailable, "gone")
	if status.Code(ErrorFromStatus(un)) != codes.Unavailable {
		t.Error("unavailable lost its code")
	}
	plain := ErrorFromStatus(ErrorToStatus(errors.New("boom")))
	if plain.Error() != "boom" {
		t.Errorf("message %q", plain.Error())
	}
}

func TestChangeRoundTrip(t *testing.T) {
	br, rev := "main", "abc"
	c := base.Change{Author: "a <a@x>", Files: []string{"f"}, Comments: "c", Revision: &rev, Branch: &br,
		Properties: map[string]any{"k": "v"}, Repository: "r", Codebase: "cb", Src: "git"}
	pc, err := ChangeToProto(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ChangeFromProto(pc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("%+v\n%+v", back, c)
	}
}

func FuzzValueFromProto(f *testing.F) {
	for _, v := range []any{nil, "x", []any{int64(1), map[string]any{"a": 2.5}}, []string{"a"}} {
		pv, _ := ValueToProto(v)
		b, _ := proto.Marshal(pv)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pv pb.Value
		if proto.Unmarshal(b, &pv) != nil {
			return
		}
		v, err := ValueFromProto(&pv)
		if err != nil {
			return
		}
		if _, err := ValueToProto(v); err != nil {
			t.Fatalf("decoded value %#v does not encode again: %v", v, err)
		}
	})
}

func FuzzSchemaFromProto(f *testing.F) {
	ps, _ := SchemaToProto(testSchema())
	b, _ := proto.Marshal(ps)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var s pb.Schema
		if proto.Unmarshal(b, &s) != nil {
			return
		}
		blk, err := SchemaFromProto(&s)
		if err != nil {
			return
		}
		_ = blk.ImpliedType()
	})
}

func FuzzDynamicFromProto(f *testing.F) {
	dv, _ := DynamicToProto(cty.ObjectVal(map[string]cty.Value{
		"dir": cty.StringVal("/x"), "tags": cty.NullVal(cty.List(cty.String)), "any": cty.StringVal("s"),
		"rule": cty.ListValEmpty(cty.Object(map[string]cty.Type{"n": cty.Number})),
	}), testSchema().ImpliedType())
	f.Add(dv.Msgpack)
	typ := testSchema().ImpliedType()
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DynamicFromProto(&pb.DynamicValue{Msgpack: b}, typ)
		if err != nil {
			return
		}
		var cfg struct {
			Dir string `hcl:"dir"`
		}
		_ = base.Decode(v, &cfg)
	})
}
