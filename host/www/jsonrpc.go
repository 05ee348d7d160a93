package www

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/bbhost/bbhost/host/data"
)

// JSON-RPC 2.0 error codes, as Buildbot's rest.py.
const (
	rpcParseError     = -32700
	rpcInvalidRequest = -32600
	rpcMethodNotFound = -32601
	rpcInvalidParams  = -32602
	rpcInternalError  = -32603
)

// maxRPCBody bounds a JSON-RPC request body.
const maxRPCBody = 1 << 20

type rpcError struct {
	status  int
	code    int
	message any
}

// rpcRequest is a decoded, checked request.
type rpcRequest struct {
	method string
	id     any
	params map[string]any
}

// serveJSONRPC answers POST /api/v2/<path> (Buildbot's renderJsonRpc):
// batches, positional params and notifications are refused; params.owner is
// set by the server ("anonymous" until authentication exists).
func (s *Server) serveJSONRPC(w http.ResponseWriter, r *http.Request, path string) {
	req, rerr := decodeRPC(w, r)
	if rerr != nil {
		s.m.request("jsonrpc", rerr.status)
		writeRPCError(w, nil, false, rerr)
		return
	}
	req.params["owner"] = "anonymous"
	result, err := s.data.Control(r.Context(), path, req.method, req.params)
	if err != nil {
		rerr := s.rpcErrorFor(err, path, req.method)
		s.m.request("jsonrpc", rerr.status)
		writeRPCError(w, req.id, true, rerr)
		return
	}
	b, err := data.AppendJSON(nil, map[string]any{"jsonrpc": "2.0", "id": req.id, "result": result})
	if err != nil {
		rerr := s.rpcErrorFor(err, path, req.method)
		s.m.request("jsonrpc", rerr.status)
		writeRPCError(w, req.id, true, rerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	s.m.request("jsonrpc", http.StatusOK)
	writeBody(w, r, b)
}

func decodeRPC(w http.ResponseWriter, r *http.Request) (*rpcRequest, *rpcError) {
	bad := func(code int, format string, args ...any) *rpcError {
		return &rpcError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return nil, bad(rpcInvalidRequest, "Invalid content-type (use application/json)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRPCBody))
	if err != nil {
		return nil, bad(rpcParseError, "JSON parse error: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bad(rpcParseError, "JSON parse error: %v", err)
	}
	if dec.More() {
		return nil, bad(rpcParseError, "JSON parse error: extra data after the request")
	}
	if _, ok := v.([]any); ok {
		return nil, bad(rpcInvalidRequest, "JSONRPC batch requests are not supported")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, bad(rpcInvalidRequest, "JSONRPC root object must be an object")
	}
	check := func(name, typename string, ok func(any) bool) *rpcError {
		x, present := obj[name]
		if !present {
			return bad(rpcInvalidRequest, "missing key '%s'", name)
		}
		if !ok(x) {
			return bad(rpcInvalidRequest, "'%s' must be %s", name, typename)
		}
		return nil
	}
	isString := func(x any) bool { _, ok := x.(string); return ok }
	for _, c := range []struct {
		name, typename string
		ok             func(any) bool
	}{
		{"jsonrpc", "a string", isString},
		{"method", "a string", isString},
		{"id", "a string, number, or null", validID},
		{"params", "an object", func(x any) bool { _, ok := x.(map[string]any); return ok }},
	} {
		if e := check(c.name, c.typename, c.ok); e != nil {
			return nil, e
		}
	}
	if obj["jsonrpc"] != "2.0" {
		return nil, bad(rpcInvalidRequest, "only JSONRPC 2.0 is supported")
	}
	return &rpcRequest{method: obj["method"].(string), id: obj["id"], params: obj["params"].(map[string]any)}, nil
}

// validID accepts what Buildbot's isinstance(id, (str, int, NoneType))
// accepts: strings, integers (booleans are Python ints too) and null.
func validID(x any) bool {
	switch v := x.(type) {
	case nil, string, bool:
		return true
	case json.Number:
		return !strings.ContainsAny(v.String(), ".eE")
	}
	return false
}

func (s *Server) rpcErrorFor(err error, path, method string) *rpcError {
	var ip *data.InvalidParamsError
	if errors.As(err, &ip) {
		msg := any(ip.Msg)
		if ip.Details != nil {
			msg = ip.Details
		}
		return &rpcError{status: http.StatusBadRequest, code: rpcInvalidParams, message: msg}
	}
	status, msg := s.errorStatus(err, "JSON-RPC "+method+" "+path)
	code := rpcInternalError
	switch status {
	case http.StatusNotFound, http.StatusForbidden:
		code = rpcInvalidRequest
	case http.StatusBadRequest, http.StatusNotImplemented:
		code = rpcMethodNotFound
	}
	return &rpcError{status: status, code: code, message: msg}
}

// writeRPCError answers {"jsonrpc": "2.0", "id": …, "error": {"code": …,
// "message": …}} (the id only once the request was decoded that far), in
// Buildbot's key order.
func writeRPCError(w http.ResponseWriter, id any, withID bool, e *rpcError) {
	b := []byte(`{"jsonrpc": "2.0", `)
	if withID {
		b = append(b, `"id": `...)
		b, _ = data.AppendJSON(b, id)
		b = append(b, ", "...)
	}
	b = append(b, `"error": {"code": `...)
	b = strconv.AppendInt(b, int64(e.code), 10)
	b = append(b, `, "message": `...)
	msg, err := data.AppendJSON(nil, e.message)
	if err != nil {
		msg = data.AppendJSONString(nil, fmt.Sprint(e.message))
	}
	b = append(b, msg...)
	b = append(b, "}}"...)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}
