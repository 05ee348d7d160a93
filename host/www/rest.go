package www

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/bbhost/bbhost/host/data"
)

// The REST API, as Buildbot's www/rest.py: GET and HEAD read through the
// data API, POST is JSON-RPC, OPTIONS answers CORS preflights.

// bufPool recycles answer buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/api" {
		st := s.settings.Load()
		b := []byte(`{"api_versions": {"v2": `)
		b = data.AppendJSONString(b, st.baseURL+"api/v2")
		b = append(b, "}}"...)
		w.Header().Set("Content-Type", "application/json")
		s.m.request("api", http.StatusOK)
		writeBody(w, r, b)
		return
	}
	var rest string
	switch {
	case strings.HasPrefix(path, "/api/v2/") || path == "/api/v2":
		rest = path[len("/api/v2"):]
	case strings.HasPrefix(path, "/api/latest/") || path == "/api/latest":
		rest = path[len("/api/latest"):]
	default:
		s.m.request("api", http.StatusNotFound)
		writeRESTError(w, r, http.StatusNotFound, "Invalid path: "+strings.TrimPrefix(path, "/api/"))
		return
	}
	if !s.cors(w, r) {
		return
	}
	if s.data == nil {
		s.m.request("api", http.StatusServiceUnavailable)
		writeRESTError(w, r, http.StatusServiceUnavailable, "the data API is not available")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.serveREST(w, r, rest)
	case http.MethodPost:
		s.serveJSONRPC(w, r, rest)
	default:
		s.m.request("api", http.StatusBadRequest)
		writeRESTError(w, r, http.StatusBadRequest, "invalid HTTP method")
	}
}

// cors checks the Origin header against allowed_origins and answers
// preflights; it returns false when the request was answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	origin = strings.ToLower(origin)
	if !s.settings.Load().origins.match(origin) {
		s.m.request("api", http.StatusBadRequest)
		writeRESTError(w, r, http.StatusBadRequest, "invalid origin")
		return false
	}
	preflight := r.Method == http.MethodOptions
	if preflight {
		switch r.Header.Get("Access-Control-Request-Method") {
		case http.MethodGet, http.MethodPost, http.MethodHead:
		default:
			s.m.request("api", http.StatusBadRequest)
			writeRESTError(w, r, http.StatusBadRequest, "invalid method")
			return false
		}
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "3600")
	if preflight {
		s.m.request("api", http.StatusOK)
		w.WriteHeader(http.StatusOK)
		return false
	}
	return true
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, path string) {
	res, err := s.data.Get(r.Context(), path, r.URL.Query())
	if err != nil {
		code, msg := s.errorStatus(err, "REST "+path)
		s.m.request("api", code)
		writeRESTError(w, r, code, msg)
		return
	}
	if res.Raw != nil {
		h := w.Header()
		h.Set("Content-Type", res.Raw.ContentType)
		h.Set("Content-Disposition", "attachment; filename="+res.Raw.Filename)
		s.m.request("api", http.StatusOK)
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := res.Raw.Stream(r.Context(), w); err != nil && !errors.Is(err, context.Canceled) {
			// The status line went out: all that can be done is to cut the
			// answer short.
			s.log.Warn("raw answer cut short", "path", path, "error", err)
			panic(http.ErrAbortHandler)
		}
		return
	}
	compact := strings.Contains(r.Header.Get("Accept"), "application/json")
	bp := bufPool.Get().(*[]byte)
	var body []byte
	if compact {
		body, err = res.AppendJSON((*bp)[:0])
	} else {
		body, err = res.AppendJSONIndent((*bp)[:0])
	}
	defer func() {
		if cap(body) <= 4<<20 { // do not keep huge answers alive
			*bp = body[:0]
			bufPool.Put(bp)
		}
	}()
	if err != nil {
		code, msg := s.errorStatus(err, "encode "+path)
		s.m.request("api", code)
		writeRESTError(w, r, code, msg)
		return
	}
	if compact {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	s.m.request("api", http.StatusOK)
	writeBody(w, r, body)
}

// writeBody sends b with its length; a HEAD request gets the length only.
func writeBody(w http.ResponseWriter, r *http.Request, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// errorStatus maps a data API error to its HTTP status and the message the
// client sees; anything unexpected is logged and answered as a bare 500.
func (s *Server) errorStatus(err error, what string) (int, string) {
	var nf *data.NotFoundError
	var br *data.BadRequestError
	var ua *data.UnsupportedActionError
	var ip *data.InvalidParamsError
	var fb *data.ForbiddenError
	switch {
	case errors.As(err, &nf):
		return http.StatusNotFound, nf.Msg
	case errors.As(err, &br):
		return http.StatusBadRequest, br.Msg
	case errors.As(err, &ip):
		return http.StatusBadRequest, ip.Msg
	case errors.As(err, &ua):
		return http.StatusNotImplemented, ua.Msg
	case errors.As(err, &fb):
		return http.StatusForbidden, fb.Msg
	case errors.Is(err, context.Canceled):
		return 499, "request cancelled"
	}
	s.log.Error("API request failed", "request", what, "error", err)
	return http.StatusInternalServerError, "internal error"
}

// writeRESTError answers {"error": "<msg>"} as text/plain, as Buildbot does
// (a POST gets {"error": {"message": "<msg>"}}).
func writeRESTError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	var b []byte
	if r.Method == http.MethodPost {
		b = append(b, `{"error": {"message": `...)
		b = data.AppendJSONString(b, msg)
		b = append(b, "}}"...)
	} else {
		b = append(b, `{"error": `...)
		b = data.AppendJSONString(b, msg)
		b = append(b, '}')
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
