package www

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db/dbtest"
)

func getStatus(t *testing.T, addr, path string) (int, string, error) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestReconfigureListen(t *testing.T) {
	ts := startServer(t, openDB(t, dbtest.SQLiteMemory), nil)
	s := ts.srv
	if s.Name() != "www" {
		t.Errorf("Name = %q", s.Name())
	}
	old := s.Addr()
	if code, _, err := getStatus(t, old, "/api"); err != nil || code != 200 {
		t.Fatalf("old address: %d %v", code, err)
	}

	// An address in use: the reconfiguration fails and nothing changes.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := s.Reconfigure(t.Context(), testConfig(busy.Addr().String())); err == nil {
		t.Fatal("reconfigure onto a busy port succeeded")
	}
	if s.Addr() != old {
		t.Fatalf("Addr after a failed bind = %s, want %s", s.Addr(), old)
	}
	if code, _, err := getStatus(t, old, "/api"); err != nil || code != 200 {
		t.Fatalf("old address after a failed bind: %d %v", code, err)
	}

	// A new address is bound before the old one closes: both serve until
	// the commit.
	commit, err := s.Reconfigure(t.Context(), testConfig("127.0.0.2:0"))
	if err != nil {
		t.Skipf("127.0.0.2 unavailable: %v", err)
	}
	next := s.Addr()
	if next == old || !strings.HasPrefix(next, "127.0.0.2:") {
		t.Fatalf("Addr after reconfigure = %s", next)
	}
	for _, a := range []string{old, next} {
		if code, _, err := getStatus(t, a, "/api"); err != nil || code != 200 {
			t.Fatalf("%s before commit: %d %v", a, code, err)
		}
	}
	commit(t.Context())
	if _, _, err := getStatus(t, old, "/api"); err == nil {
		t.Errorf("old address still serves after commit")
	}
	if code, _, err := getStatus(t, next, "/api"); err != nil || code != 200 {
		t.Fatalf("new address after commit: %d %v", code, err)
	}

	// Rolling back before the commit reuses the still-open listener.
	cur := s.Addr()
	commit2, err := s.Reconfigure(t.Context(), testConfig("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	third := s.Addr()
	rb, err := s.Reconfigure(t.Context(), testConfig("127.0.0.2:0"))
	if err != nil {
		t.Fatal(err)
	}
	rb(t.Context())
	_ = commit2 // superseded by the rollback: never run
	if s.Addr() != cur {
		t.Errorf("Addr after rollback = %s, want %s", s.Addr(), cur)
	}
	if _, _, err := getStatus(t, third, "/api"); err == nil {
		t.Errorf("rolled-back address still serves")
	}

	// No listen address: no listener.
	commit3, err := s.Reconfigure(t.Context(), testConfig(""))
	if err != nil {
		t.Fatal(err)
	}
	commit3(t.Context())
	if s.Addr() != "" {
		t.Errorf("Addr without listen = %q", s.Addr())
	}
	if _, _, err := getStatus(t, cur, "/api"); err == nil {
		t.Errorf("server still listens without a listen address")
	}
}

func TestMountAndStop(t *testing.T) {
	ts := startServer(t, openDB(t, dbtest.SQLiteMemory), nil)
	s := ts.srv
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hook "+r.URL.Path) })
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ui "+r.URL.Path) })
	if err := s.Mount("/change_hook/", hook); err != nil {
		t.Fatal(err)
	}
	if err := s.Mount("/", ui); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"/api/", "/api", "/ws", "/sse/x", "/metrics", "relative", "/change_hook/"} {
		if err := s.Mount(bad, ui); err == nil {
			t.Errorf("Mount(%q) accepted", bad)
		}
	}
	for path, want := range map[string]string{
		"/change_hook/github": "hook /change_hook/github",
		"/change_hook":        "hook /change_hook",
		"/change_hooks":       "ui /change_hooks",
		"/":                   "ui /",
		"/#/builders":         "ui /",
	} {
		if code, body, err := getStatus(t, s.Addr(), path); err != nil || code != 200 || body != want {
			t.Errorf("GET %s = %d %q %v, want %q", path, code, body, err, want)
		}
	}
	if code, _, _ := getStatus(t, s.Addr(), "/api/v2/builds"); code != 200 {
		t.Errorf("mounting / hid the API: %d", code)
	}
	addr := s.Addr()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := getStatus(t, addr, "/api"); err == nil {
		t.Error("server still serves after Stop")
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	// It can start again.
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _, err := getStatus(t, s.Addr(), "/api"); err != nil || code != 200 {
		t.Errorf("after restart: %d %v", code, err)
	}
}
