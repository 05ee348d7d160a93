package data

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestAppendJSON(t *testing.T) {
	one := int64(1)
	type inner struct {
		Z string `json:"z"`
		A *int64 `json:"a,omitempty"`
	}
	type outer struct {
		B     []inner        `json:"b"`
		A     map[string]any `json:"a"`
		Skip  int            `json:"-"`
		Raw   json.RawMessage
		Bytes []byte `json:"bytes"`
		Nil   []int  `json:"nil"`
	}
	cases := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{"a\"b\\c\n\t\x01<>&é\u2028", `"a\"b\\c\n\t\u0001<>&é\u2028"`},
		{"\xff", `"\ufffd"`},
		{map[string]any{"b": 1, "a": []any{true, nil, 1.5, json.Number("1.0")}}, `{"a":[true,null,1.5,1.0],"b":1}`},
		{map[int64]string{10: "x", 2: "y"}, `{"10":"x","2":"y"}`},
		{outer{B: []inner{{Z: "z", A: &one}, {}}, A: map[string]any{}, Raw: json.RawMessage(`{ "q" : 1 }`), Bytes: []byte{0, 255}},
			`{"Raw":{"q":1},"a":{},"b":[{"a":1,"z":"z"},{"a":null,"z":""}],"bytes":"AP8=","nil":null}`},
		{SourcedProperties{"x": {json.Number("3"), "src"}}, `{"x":[3,"src"]}`},
		{math.NaN(), `null`},
		{[2]int{1, 2}, `[1,2]`},
		{&Master{MasterID: 1, Name: "m"}, `{"active":false,"last_active":0,"masterid":1,"name":"m"}`},
	}
	for _, c := range cases {
		got, err := MarshalSorted(c.in)
		if err != nil {
			t.Errorf("%#v: %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%#v =\n%s\nwant\n%s", c.in, got, c.want)
		}
		if !json.Valid(got) {
			t.Errorf("%#v: invalid JSON %s", c.in, got)
		}
	}
	if _, err := MarshalSorted(make(chan int)); err == nil {
		t.Error("a channel encoded without error")
	}
}

func BenchmarkEncodeBuilds(b *testing.B) {
	builds := make([]any, 100)
	for i := range builds {
		r := 0
		ca := int64(1795727782)
		w := int64(1)
		builds[i] = &Build{BuildID: int64(i), Number: int64(i), BuilderID: 1, BuildRequestID: int64(i), WorkerID: &w,
			MasterID: 1, StartedAt: 1795727781, Complete: true, CompleteAt: &ca, Results: &r,
			StateString: "build successful", Properties: SourcedProperties{}}
	}
	res := &Result{Plural: "builds", Items: builds}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = res.AppendJSON(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// TestAppendJSONIndent: the pretty form is exactly the compact form passed
// through json.Indent (which formats like Python's indent=2).
func TestAppendJSONIndent(t *testing.T) {
	one := int64(1)
	values := []any{
		nil, 1, "x", []any{}, map[string]any{}, []int{1, 2},
		map[string]any{"b": []any{map[string]any{}, []any{}, map[string]any{"z": nil, "a": []any{1, "x"}}}, "a": 1.5},
		&Build{BuildID: 1, WorkerID: &one, Properties: SourcedProperties{"p": {json.Number("1"), "s"}}},
		struct{}{},
		map[string]any{"raw": json.RawMessage(`{"a": [1, {"b": {}}], "c": []}`)},
		&Result{Plural: "builds", Items: []any{&Build{BuildID: 2}}},
	}
	for _, v := range values {
		compact, err := MarshalSorted(v)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := v.(*Result); ok {
			compact, _ = r.AppendJSON(nil)
		}
		var want bytes.Buffer
		if err := Indent(&want, compact); err != nil {
			t.Fatal(err)
		}
		got, err := AppendJSONIndent(nil, v)
		if r, ok := v.(*Result); ok {
			got, err = r.AppendJSONIndent(nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Errorf("%#v:\n%s\nwant\n%s", v, got, want.String())
		}
	}
}
