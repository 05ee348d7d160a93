package www

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db/dbtest"
)

// TestRESTMatchesBuildbot replays requests recorded against a real Buildbot
// 3.7.0 master (testdata/buildbot37.json) on the same rows and compares the
// answers byte for byte: status, content type, body (the pretty text/plain
// form as well as the compact application/json one), raw download headers.
//
// Intended differences, not replayed here: a 500 with Python internals in
// 3.7 (field=, order=, /logchunks, unknown worker control, a bad action on a
// build request) is a clean 4xx JSON error; an unknown scheduler action is
// 501 instead of 3.7's silent success; /api lists v2 only (3.7 also names a
// v3 it does not serve); the JSON-RPC "invalid content-type" and parse-error
// messages are Go's.
func TestRESTMatchesBuildbot(t *testing.T) {
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		g := loadGoldens(t)
		d := openDB(t, kind)
		insertGoldenRows(t, d, g)
		ts := startServer(t, d, nil)
		for req, want := range g {
			method, path, body := http.MethodGet, req, ""
			header := map[string]string{}
			if strings.HasPrefix(req, "ACCEPT:") {
				path = strings.TrimPrefix(req, "ACCEPT:")
				header["Accept"] = "application/json"
			}
			for _, m := range []string{"POST ", "PUT ", "OPTIONS ", "HEAD "} {
				if strings.HasPrefix(req, m) {
					method = strings.TrimSpace(m)
					path, body, _ = strings.Cut(strings.TrimPrefix(req, m), " ")
				}
			}
			switch method {
			case http.MethodPost:
				header["Content-Type"] = "application/json"
			case http.MethodOptions:
				header["Origin"] = "http://example.com"
				header["Access-Control-Request-Method"] = "GET"
			}
			got := ts.do(t, method, path, header, body)
			if got.status != want.Status {
				t.Errorf("%s: status %d, want %d (%s)", req, got.status, want.Status, got.body)
				continue
			}
			if ct := got.header.Get("Content-Type"); ct != want.ContentType {
				t.Errorf("%s: content type %q, want %q", req, ct, want.ContentType)
			}
			if cd := got.header.Get("Content-Disposition"); cd != want.ContentDisposition {
				t.Errorf("%s: content disposition %q, want %q", req, cd, want.ContentDisposition)
			}
			if want.ContentLength != "" && got.header.Get("Content-Length") != want.ContentLength {
				t.Errorf("%s: content length %q, want %q", req, got.header.Get("Content-Length"), want.ContentLength)
			}
			wantBody := want.Body
			if method == http.MethodPost && want.Status == http.StatusOK {
				// 3.7 answers success compact and sorted, as we do.
				wantBody = compactJSON(t, wantBody)
			}
			if got.body != wantBody {
				t.Errorf("%s: body\n%s\nwant\n%s", req, abbreviate(got.body), abbreviate(wantBody))
			}
		}
	})
}

func abbreviate(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func TestRESTEdges(t *testing.T) {
	g := loadGoldens(t)
	d := openDB(t, dbtest.SQLiteFile)
	insertGoldenRows(t, d, g)
	ts := startServer(t, d, nil)

	r := ts.get(t, "/api")
	if r.status != 200 || r.body != `{"api_versions": {"v2": "http://127.0.0.1:8010/api/v2"}}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("/api = %d %s %q", r.status, r.body, r.header.Get("Content-Type"))
	}
	if r := ts.get(t, "/api/"); r.status != 404 || r.body != `{"error": "Invalid path: "}` {
		t.Errorf("/api/ = %d %s", r.status, r.body)
	}
	if r := ts.get(t, "/api/v3/builds"); r.status != 404 {
		t.Errorf("/api/v3 = %d %s", r.status, r.body)
	}
	r = ts.get(t, "/api/v2")
	if r.status != 200 || !strings.Contains(r.body, `"rootlinks": [`) || !strings.HasPrefix(r.body, "{\n  \"meta\": {\n    \"total\": 12\n  },") {
		t.Errorf("/api/v2 = %d %s", r.status, abbreviate(r.body))
	}
	if r := ts.get(t, "/api/latest/builds?limit=1&field=buildid"); r.status != 200 ||
		r.body != "{\n  \"builds\": [\n    {\n      \"buildid\": 1\n    }\n  ],\n  \"meta\": {\n    \"total\": 1\n  }\n}" {
		t.Errorf("/api/latest = %d %q", r.status, r.body)
	}
	if r := ts.get(t, "/api/v2/builds/"); r.status != 404 || r.body != `{"error": "Invalid path: builds/"}` {
		t.Errorf("trailing slash = %d %s", r.status, r.body)
	}
	if r := ts.get(t, "/api/v2/builds?field="); r.status != 400 || r.body != `{"error": "no such field ''"}` {
		t.Errorf("field= = %d %s", r.status, r.body)
	}
	if r := ts.get(t, "/api/v2/logchunks"); r.status != 404 {
		t.Errorf("/logchunks = %d %s", r.status, r.body)
	}
	r = ts.do(t, http.MethodHead, "/api/v2/logs/1/raw", nil, "")
	if r.status != 200 || r.body != "" || r.header.Get("Content-Disposition") != "attachment; filename=stdio" {
		t.Errorf("HEAD raw = %d %q %v", r.status, r.body, r.header)
	}
	if r := ts.get(t, "/nosuch"); r.status != 404 || r.body != `{"error": "not found"}` {
		t.Errorf("/nosuch = %d %s", r.status, r.body)
	}
	if r := ts.get(t, "/metrics"); r.status != 200 || !strings.Contains(r.body, `bbhost_www_requests_total{code="200",handler="api"}`) {
		t.Errorf("/metrics = %d %s", r.status, abbreviate(r.body))
	}

	// A database failure is a 500 without internals.
	d.Close()
	if r := ts.get(t, "/api/v2/builds"); r.status != 500 || r.body != `{"error": "internal error"}` {
		t.Errorf("closed database = %d %s", r.status, r.body)
	}
}

func TestCORS(t *testing.T) {
	d := openDB(t, dbtest.SQLiteMemory)
	ts := startServer(t, d, nil)
	origin := func(o, method, reqMethod string) response {
		h := map[string]string{"Origin": o}
		if reqMethod != "" {
			h["Access-Control-Request-Method"] = reqMethod
		}
		return ts.do(t, method, "/api/v2/builds", h, "")
	}
	// Without allowed_origins, the master URL's origin only.
	if r := origin("http://127.0.0.1:8010", http.MethodGet, ""); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8010" {
		t.Errorf("own origin = %d %v", r.status, r.header)
	}
	if r := origin("http://evil.example", http.MethodGet, ""); r.status != 400 || r.body != `{"error": "invalid origin"}` {
		t.Errorf("foreign origin = %d %s", r.status, r.body)
	}
	cfg := testConfig(ts.srv.settings.Load().listen)
	cfg.WWW.AllowedOrigins = []string{"https://*.Example.com", "http://h[0-9].local"}
	commit, err := ts.srv.Reconfigure(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(t.Context())
	r := origin("https://ci.example.com", http.MethodOptions, "POST")
	if r.status != 200 || r.body != "" || r.header.Get("Access-Control-Allow-Origin") != "https://ci.example.com" ||
		r.header.Get("Access-Control-Allow-Headers") != "Content-Type" || r.header.Get("Access-Control-Max-Age") != "3600" {
		t.Errorf("preflight = %d %q %v", r.status, r.body, r.header)
	}
	if r := origin("http://h7.local", http.MethodOptions, "DELETE"); r.status != 400 || r.body != `{"error": "invalid method"}` {
		t.Errorf("preflight DELETE = %d %s", r.status, r.body)
	}
	if r := origin("http://hx.local", http.MethodGet, ""); r.status != 400 {
		t.Errorf("class mismatch = %d", r.status)
	}
	if r := ts.do(t, http.MethodOptions, "/api/v2/builds", nil, ""); r.status != 400 || r.body != `{"error": "invalid HTTP method"}` {
		t.Errorf("OPTIONS without origin = %d %s", r.status, r.body)
	}
	if r := ts.do(t, http.MethodPost, "/api/v2/builds", map[string]string{"Origin": "http://evil.example"}, ""); r.status != 400 || r.body != `{"error": {"message": "invalid origin"}}` {
		t.Errorf("POST foreign origin = %d %s", r.status, r.body)
	}
}
