package force

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// FuzzForceParams feeds arbitrary JSON-RPC params to the custom form of
// the Buildbot recording: nothing may panic, and every outcome is a
// buildset, field errors or a refused builder list.
func FuzzForceParams(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"reason": "ok", "i1": "1_000", "c2": ["x", "zz"], "grp_deep": "8", "any1_name": "p", "any1_value": "v"}`,
		`{"reason": [" ", "", "x"], "i1": [], "i2": {"a": 1}, "flat": 12345, "b1": 1.0}`,
		`{"builderNames": "b0", "properties": {"a b": [1]}, "u2": "x@y.z"}`,
		`{"reason": null, "i1": true, "c1": ["b"], "lib_branch": 5, "username": "Me <me@x.org>"}`,
		`{"builderid": 1, "workername": "-any-", "grp_sub_x": {"deep": [[[]]]}}`,
	} {
		f.Add([]byte(s), "anonymous")
	}
	h := harness(f)
	form, rec := direct(f, h, "custom", string(readFile(f, "custom.hcl")), "b0", "b1", "b2")
	f.Fuzz(func(t *testing.T, params []byte, owner string) {
		var fields map[string]any
		dec := json.NewDecoder(bytes.NewReader(params))
		dec.UseNumber()
		if dec.Decode(&fields) != nil {
			return
		}
		for k, v := range fields {
			fields[k] = numbers(v)
		}
		res, err := form.Force(context.Background(), scheduler.ForceRequest{Owner: owner, Fields: fields})
		var ve *scheduler.ValidationError
		switch {
		case err == nil:
			if res.BSID == 0 || rec.last.Reason == "" || len(rec.last.BuilderNames) == 0 {
				t.Fatalf("success without a buildset: %+v %+v", res, rec.last)
			}
			if _, err := json.Marshal(propValues(rec.last.Properties)); err != nil {
				t.Fatalf("properties are not JSON: %v", err)
			}
		case errors.As(err, &ve):
			if len(ve.Fields) == 0 {
				t.Fatal("a ValidationError without fields")
			}
		case errors.Is(err, ErrNoBuilders), errors.Is(err, ErrBuilderID):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// numbers turns json.Number into int64 or float64, as the SDK's value
// conversion delivers them.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = numbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = numbers(v[k])
		}
	}
	return v
}

func propValues(m map[string]base.Property) map[string]any {
	out := make(map[string]any, len(m))
	for k, p := range m {
		out[k] = p.Value
	}
	return out
}
