package www

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

// golden is one answer of a real Buildbot 3.7.0 master, recorded by driving
// Debian's package through /work/shared/bench/buildbot/wwwshim (two builders
// b0/b1, one worker, seven forced builds; see testdata/buildbot37.json).
type golden struct {
	Status             int    `json:"status"`
	ContentType        string `json:"content_type"`
	ContentDisposition string `json:"content_disposition"`
	ContentLength      string `json:"content_length"`
	Body               string `json:"body"`
}

func loadGoldens(t testing.TB) map[string]golden {
	t.Helper()
	b, err := os.ReadFile("testdata/buildbot37.json")
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// insertGoldenRows fills d with the rows behind the recorded answers: the
// builds, build requests, steps and log of the reference run, read back from
// the answers themselves.
func insertGoldenRows(t testing.TB, d *db.DB, g map[string]golden) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		for i, a := range args {
			if f, ok := a.(float64); ok { // JSON numbers are integers here
				args[i] = int64(f)
			}
		}
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`INSERT INTO masters (id, name, name_hash, active, last_active) VALUES (1, 'vm:/tmp/bbref-yerhuaxg/master', 'h1', 1, 1795727780)`)
	exec(`INSERT INTO builders (id, name, name_hash) VALUES (1, 'b0', $1), (2, 'b1', $2)`, db.HashColumns("b0"), db.HashColumns("b1"))
	exec(`INSERT INTO builder_masters (id, builderid, masterid) VALUES (1, 1, 1), (2, 2, 1)`)
	exec(`INSERT INTO workers (id, name, info, paused, graceful) VALUES (1, 'w0', '{}', 0, 0)`)
	var br struct {
		Items []map[string]any `json:"buildrequests"`
	}
	if err := json.Unmarshal([]byte(g["/api/v2/buildrequests"].Body), &br); err != nil {
		t.Fatal(err)
	}
	for _, r := range br.Items {
		exec(`INSERT INTO buildsets (id, reason, submitted_at, complete, complete_at, results) VALUES ($1, 'forced', $2, 1, $3, $4)`,
			r["buildsetid"], r["submitted_at"], r["complete_at"], r["results"])
		exec(`INSERT INTO buildrequests (id, buildsetid, builderid, priority, complete, results, submitted_at, complete_at, waited_for)
 VALUES ($1, $2, $3, 0, 1, $4, $5, $6, 0)`, r["buildrequestid"], r["buildsetid"], r["builderid"], r["results"], r["submitted_at"], r["complete_at"])
		exec(`INSERT INTO buildrequest_claims (brid, masterid, claimed_at) VALUES ($1, 1, $2)`, r["buildrequestid"], r["claimed_at"])
	}
	var bs struct {
		Items []map[string]any `json:"builds"`
	}
	if err := json.Unmarshal([]byte(g["/api/v2/builds"].Body), &bs); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.Items {
		exec(`INSERT INTO builds (id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string, results)
 VALUES ($1, $2, $3, $4, 1, 1, $5, $6, $7, $8)`, b["buildid"], b["number"], b["builderid"], b["buildrequestid"], b["started_at"],
			b["complete_at"], b["state_string"], b["results"])
	}
	var st struct {
		Items []map[string]any `json:"steps"`
	}
	if err := json.Unmarshal([]byte(g["/api/v2/builds/1/steps"].Body), &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Items {
		exec(`INSERT INTO steps (id, number, name, buildid, started_at, complete_at, state_string, results, urls_json, hidden)
 VALUES ($1, $2, $3, 1, $4, $5, $6, $7, '[]', 0)`, s["stepid"], s["number"], s["name"], s["started_at"], s["complete_at"], s["state_string"], s["results"])
	}
	exec(`INSERT INTO logs (id, name, slug, stepid, complete, num_lines, type) VALUES (1, 'stdio', 'stdio', 3, 1, 49, 's')`)
	var lc struct {
		Items []struct {
			Content string `json:"content"`
		} `json:"logchunks"`
	}
	if err := json.Unmarshal([]byte(g["/api/v2/logs/1/contents"].Body), &lc); err != nil {
		t.Fatal(err)
	}
	// Two chunks, split mid-log, to exercise the chunk walk.
	lines := strings.Split(strings.TrimSuffix(lc.Items[0].Content, "\n"), "\n")
	if len(lines) != 49 {
		t.Fatalf("reference log has %d lines", len(lines))
	}
	exec(`INSERT INTO logchunks (logid, first_line, last_line, content, compressed) VALUES (1, 0, 19, $1, 0), (1, 20, 48, $2, 0)`,
		[]byte(strings.Join(lines[:20], "\n")), []byte(strings.Join(lines[20:], "\n")))
}

type testServer struct {
	srv  *Server
	api  *data.API
	mq   *mq.Simple
	reg  *prometheus.Registry
	base string
	db   *db.DB
}

func testConfig(listen string) *config.Config {
	cfg := &config.Config{}
	cfg.WWW.Listen = listen
	cfg.Master.URL = "http://127.0.0.1:8010/"
	return cfg
}

// startServer runs a Server on 127.0.0.1:0 over d; it stops with the test.
func startServer(t testing.TB, d *db.DB, mut func(*Options)) *testServer {
	t.Helper()
	m := mq.NewSimple()
	api := data.NewAPI(data.APIOptions{DB: d, MQ: m})
	reg := prometheus.NewRegistry()
	o := Options{Data: api, MQ: m, Registry: reg, Config: testConfig("127.0.0.1:0"),
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: io.Discard})}
	if mut != nil {
		mut(&o)
	}
	s := New(o)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &testServer{srv: s, api: api, mq: m, reg: reg, base: "http://" + s.Addr(), db: d}
}

func openDB(t testing.TB, kind dbtest.Kind) *db.DB {
	return dbtest.Open(t, kind, db.Options{})
}

type response struct {
	status int
	header http.Header
	body   string
}

func (ts *testServer) do(t *testing.T, method, path string, header map[string]string, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (ts *testServer) get(t *testing.T, path string) response {
	t.Helper()
	return ts.do(t, http.MethodGet, path, nil, "")
}

func (ts *testServer) rpc(t *testing.T, path, body string) response {
	t.Helper()
	return ts.do(t, http.MethodPost, path, map[string]string{"Content-Type": "application/json"}, body)
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return b.String()
}
