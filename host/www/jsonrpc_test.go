package www

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

func TestJSONRPC(t *testing.T) {
	g := loadGoldens(t)
	d := openDB(t, dbtest.SQLiteMemory)
	insertGoldenRows(t, d, g)
	ts := startServer(t, d, nil)
	var events []string
	ts.mq.Consume(mq.Key{"control", "#"}, func(k mq.Key, b any) { events = append(events, fmt.Sprintf("%s %v", k, b)) })
	err := ts.api.RegisterControl("/forceschedulers/i:schedulername", "force", func(_ context.Context, args data.PathArgs, params map[string]any) (any, error) {
		if params["builderNames"] == nil {
			return nil, &data.InvalidParamsError{Msg: "bad", Details: map[string]any{"builderNames": "required"}}
		}
		return []any{int64(12), map[string]any{"1": int64(40)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, ctype, body string
		status            int
		want              string
	}{
		{"/api/v2/workers/w0", "application/json", `{"jsonrpc":"2.0","method":"kill","params":{"reason":"r","owner":"forged"},"id":null}`,
			200, `{"id":null,"jsonrpc":"2.0","result":null}`},
		{"/api/v2/workers/1", "application/json; charset=utf-8", `{"jsonrpc":"2.0","method":"pause","params":{},"id":"x"}`,
			200, `{"id":"x","jsonrpc":"2.0","result":null}`},
		{"/api/v2/forceschedulers/force", "application/json", `{"jsonrpc":"2.0","method":"force","params":{"builderNames":["b0"]},"id":3}`,
			200, `{"id":3,"jsonrpc":"2.0","result":[12,{"1":40}]}`},
		{"/api/v2/forceschedulers/force", "application/json", `{"jsonrpc":"2.0","method":"force","params":{},"id":4}`,
			400, `{"jsonrpc": "2.0", "id": 4, "error": {"code": -32602, "message": {"builderNames":"required"}}}`},
		{"/api/v2/workers/99", "application/json", `{"jsonrpc":"2.0","method":"pause","params":{},"id":5}`,
			404, `{"jsonrpc": "2.0", "id": 5, "error": {"code": -32600, "message": "worker not found"}}`},
		{"/api/v2/workers/1", "application/json", `{"jsonrpc":"2.0","method":"fly","params":{},"id":6}`,
			501, `{"jsonrpc": "2.0", "id": 6, "error": {"code": -32601, "message": "action: fly is not supported"}}`},
		{"/api/v2/schedulers/1", "application/json", `{"jsonrpc":"2.0","method":"enable","params":{"enabled":"yes"},"id":7}`,
			400, `{"jsonrpc": "2.0", "id": 7, "error": {"code": -32602, "message": "'enabled' must be a boolean"}}`},
		{"/api/v2/workers/1/", "application/json", `{"jsonrpc":"2.0","method":"pause","params":{},"id":8}`,
			404, `{"jsonrpc": "2.0", "id": 8, "error": {"code": -32600, "message": "Invalid path: workers/1/"}}`},
		{"/api/v2/workers/1", "text/plain", `{"jsonrpc":"2.0","method":"pause","params":{},"id":9}`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid content-type (use application/json)"}}`},
		{"/api/v2/workers/1", "", ``,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid content-type (use application/json)"}}`},
		{"/api/v2/workers/1", "application/json", `"x"`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "JSONRPC root object must be an object"}}`},
		{"/api/v2/workers/1", "application/json", `{"jsonrpc":"2.0","method":1,"params":{},"id":1}`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "'method' must be a string"}}`},
		{"/api/v2/workers/1", "application/json", `{"jsonrpc":"2.0","method":"pause","params":{}}`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "missing key 'id'"}}`},
		{"/api/v2/workers/1", "application/json", `{"jsonrpc":"2.0","method":"pause","params":{},"id":1.5}`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "'id' must be a string, number, or null"}}`},
		{"/api/v2/workers/1", "application/json", `{"jsonrpc":2,"method":"pause","params":{},"id":1}`,
			400, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "'jsonrpc' must be a string"}}`},
	}
	for _, c := range cases {
		h := map[string]string{}
		if c.ctype != "" {
			h["Content-Type"] = c.ctype
		}
		r := ts.do(t, http.MethodPost, c.path, h, c.body)
		if r.status != c.status || r.body != c.want || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("POST %s %s:\n got %d %s (%s)\nwant %d %s", c.path, c.body, r.status, r.body, r.header.Get("Content-Type"), c.status, c.want)
		}
	}
	want := "[control.worker.1.kill map[reason:r] control.worker.1.pause map[reason:no reason]]"
	if fmt.Sprint(events) != want {
		t.Errorf("events = %v, want %s", events, want)
	}
	r := ts.rpc(t, "/api/v2/workers/1", `{bad`)
	if r.status != 400 || !strings.HasPrefix(r.body, `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "JSON parse error: `) {
		t.Errorf("bad JSON = %d %s", r.status, r.body)
	}
	r = ts.rpc(t, "/api/v2/workers/1", `{"jsonrpc":"2.0","method":"pause","params":{},"id":1}{}`)
	if r.status != 400 || !strings.Contains(r.body, "-32700") {
		t.Errorf("trailing data = %d %s", r.status, r.body)
	}
	r = ts.rpc(t, "/api/v2/workers/1", `{"jsonrpc":"2.0","method":"pause","params":{"x":"`+strings.Repeat("a", maxRPCBody)+`"},"id":1}`)
	if r.status != 400 || !strings.Contains(r.body, "-32700") {
		t.Errorf("oversized body = %d %s", r.status, abbreviate(r.body))
	}
}
