package master

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/hashicorp/go-hclog"
)

// masterConfig is a configuration with `remote` workers (served by the host
// itself, so no plugin binary is needed) and builders with one step each.
func masterConfig(dbURL string, builders int, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "master {\n  name = \"test-master\"\n  basedir = \"basedir\"\n}\n")
	fmt.Fprintf(&b, "database { url = %q }\n", dbURL)
	fmt.Fprintf(&b, "www { listen = \"127.0.0.1:0\" }\n")
	fmt.Fprintf(&b, "worker \"remote\" \"w0\" { password = \"pw\" }\n")
	for i := 0; i < builders; i++ {
		fmt.Fprintf(&b, "builder \"b%d\" {\n  workers = [\"w0\"]\n  step \"shell\" { command = [\"true\"] }\n}\n", i)
	}
	b.WriteString(extra)
	return b.String()
}

type testMaster struct {
	*BuildMaster
	t    *testing.T
	path string
	logs *syncWriter
}

func newTestMaster(t *testing.T, content string) *testMaster {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "master.hcl")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &syncWriter{w: &bytes.Buffer{}}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})
	m := New(Options{ConfigPath: path, Logger: log, HeartbeatInterval: time.Hour})
	return &testMaster{BuildMaster: m, t: t, path: path, logs: logs}
}

func (tm *testMaster) write(content string) {
	tm.t.Helper()
	if err := os.WriteFile(tm.path, []byte(content), 0o644); err != nil {
		tm.t.Fatal(err)
	}
}

// get answers a REST GET against the master's web server.
func (tm *testMaster) get(path string, out any) {
	tm.t.Helper()
	resp, err := http.Get("http://" + tm.parts.wwwAddr() + "/api/v2/" + path)
	if err != nil {
		tm.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tm.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		tm.t.Fatal(err)
	}
}

type masterList struct {
	Masters []struct {
		ID     int64  `json:"masterid"`
		Name   string `json:"name"`
		Active bool   `json:"active"`
	} `json:"masters"`
}

func (tm *testMaster) builderNames() []string {
	var out struct {
		Builders []struct {
			Name      string  `json:"name"`
			MasterIDs []int64 `json:"masterids"`
		} `json:"builders"`
	}
	tm.get("builders", &out)
	var names []string
	for _, b := range out.Builders {
		if len(b.MasterIDs) > 0 {
			names = append(names, b.Name)
		}
	}
	return names
}

func TestMasterLifecycleOnEveryDatabase(t *testing.T) {
	for _, kind := range []dbtest.Kind{dbtest.SQLiteFile, dbtest.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			url := dbtest.URL(t, kind)
			ctx := context.Background()
			tm := newTestMaster(t, masterConfig(url, 2, ""))
			if err := tm.Start(ctx); err != nil {
				t.Fatalf("start: %v\n%s", err, tm.logs)
			}
			if !strings.Contains(tm.logs.String(), "BuildMaster is running") {
				t.Error("no 'BuildMaster is running' line")
			}
			var ml masterList
			tm.get("masters", &ml)
			if len(ml.Masters) != 1 || !ml.Masters[0].Active || ml.Masters[0].Name != "test-master" {
				t.Fatalf("masters = %+v", ml.Masters)
			}
			if pid, err := ReadPID(tm.Basedir()); err != nil || pid != os.Getpid() {
				t.Errorf("pid file: %d %v", pid, err)
			}
			if got := tm.builderNames(); strings.Join(got, ",") != "b0,b1" {
				t.Errorf("builders = %v", got)
			}
			id := tm.MasterID()
			if err := tm.Stop(ctx, false); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(PIDFile(tm.Basedir())); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pid file left behind: %v", err)
			}

			// A second start on the same database keeps the master's id.
			tm2 := newTestMaster(t, masterConfig(url, 2, ""))
			tm2.path = tm.path
			if err := tm2.Start(ctx); err != nil {
				t.Fatalf("restart: %v\n%s", err, tm2.logs)
			}
			defer tm2.Stop(ctx, false)
			if tm2.MasterID() != id {
				t.Errorf("master id %d after restart, want %d", tm2.MasterID(), id)
			}
		})
	}
}

func TestReconfigAppliesAndRejects(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t, dbtest.SQLiteFile)
	tm := newTestMaster(t, masterConfig(url, 2, ""))
	if err := tm.Start(ctx); err != nil {
		t.Fatalf("start: %v\n%s", err, tm.logs)
	}
	defer tm.Stop(ctx, false)
	www := tm.parts.www

	// A good change: one builder more.
	tm.write(masterConfig(url, 3, ""))
	if err := tm.Reconfig(ctx); err != nil {
		t.Fatalf("reconfig: %v", err)
	}
	if got := tm.builderNames(); strings.Join(got, ",") != "b0,b1,b2" {
		t.Errorf("builders after reconfig = %v", got)
	}

	// A broken file: nothing changes, the outcome says why.
	offset := ReconfigLogSize(tm.Basedir())
	tm.write(masterConfig(url, 1, "builder \"bad\" { workers = [\"nobody\"] }\n"))
	err := tm.Reconfig(ctx)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Text, "nobody") {
		t.Fatalf("reconfig of a broken file: %v", err)
	}
	if got := tm.builderNames(); strings.Join(got, ",") != "b0,b1,b2" {
		t.Errorf("builders after a failed reconfig = %v", got)
	}
	if tm.parts.www != www || tm.parts.www.Addr() == "" {
		t.Error("web server replaced or stopped by a failed reconfig")
	}
	var out bytes.Buffer
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ok, werr := WaitReconfigOutcome(wctx, tm.Basedir(), offset, &out)
	if werr != nil || ok || !strings.Contains(out.String(), "undeclared worker") {
		t.Errorf("reconfig log: ok=%v err=%v text=%q", ok, werr, out.String())
	}

	// Settings a running master cannot change are refused.
	tm.write(strings.Replace(masterConfig(url, 3, ""), `name = "test-master"`, `name = "other"`, 1))
	if err := tm.Reconfig(ctx); err == nil || !strings.Contains(err.Error(), "master.name") {
		t.Errorf("changing master.name: %v", err)
	}
}

func TestStartRefusesBrokenConfiguration(t *testing.T) {
	tm := newTestMaster(t, "builder \"b\" {\n  workers = [\"ghost\"]\n}\n")
	err := tm.Start(context.Background())
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("start: %v", err)
	}
	if !strings.Contains(ce.Text, "master.hcl:2,") {
		t.Errorf("diagnostic without file:line,col: %s", ce.Text)
	}
}

func TestSecondMasterInSameBasedirRefused(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t, dbtest.SQLiteFile)
	tm := newTestMaster(t, masterConfig(url, 1, ""))
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer tm.Stop(ctx, false)
	// The pid file names this (live) process; a master with another pid
	// must refuse. Simulate it by recording a different live pid: our
	// parent's.
	if err := os.WriteFile(PIDFile(tm.Basedir()), []byte(fmt.Sprint(os.Getppid())), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writePIDFile(tm.Basedir()); err == nil || !strings.Contains(err.Error(), "another master") {
		t.Errorf("writePIDFile with a live owner: %v", err)
	}
	_ = os.WriteFile(PIDFile(tm.Basedir()), []byte(fmt.Sprint(os.Getpid())), 0o644)
}

// syncWriter serialises writes from the master's goroutines into a buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func TestUnsupportedFeatures(t *testing.T) {
	url := dbtest.URL(t, dbtest.SQLiteFile)
	tm := newTestMaster(t, masterConfig(url, 1, "mq {\n  type = \"nats\"\n  url  = \"nats://127.0.0.1:4222\"\n}\n"))
	err := tm.Start(context.Background())
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Text, `mq type "nats" is not supported`) {
		t.Fatalf("start with mq nats: %v", err)
	}
	tm = newTestMaster(t, masterConfig(url, 1, "change_hook \"github\" {}\n"))
	if err := tm.Start(context.Background()); err != nil {
		t.Fatalf("start with a change hook: %v", err)
	}
	defer tm.Stop(context.Background(), false)
	if !strings.Contains(tm.logs.String(), `change_hook "github" is not served`) {
		t.Errorf("no warning for the change hook:\n%s", tm.logs.String())
	}
}

// Reconfigs give their memory back once they have stopped for a while: a
// release is scheduled by each reconfig, pushed back by the next, and
// dropped by Stop.
func TestReconfigReleasesMemoryWhenQuiet(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t, dbtest.SQLiteFile)
	tm := newTestMaster(t, masterConfig(url, 2, ""))
	tm.opts.ReleaseDelay = 200 * time.Millisecond
	if err := tm.Start(ctx); err != nil {
		t.Fatalf("start: %v\n%s", err, tm.logs)
	}
	if tm.releasePending() {
		t.Error("a release pending right after start, which released already")
	}
	for n := 3; n <= 4; n++ {
		tm.write(masterConfig(url, n, ""))
		if err := tm.Reconfig(ctx); err != nil {
			t.Fatalf("reconfig: %v", err)
		}
		if !tm.releasePending() {
			t.Fatal("no release scheduled after a reconfig")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for tm.releasePending() {
		if time.Now().After(deadline) {
			t.Fatal("the scheduled release never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(tm.logs.String(), "memory given back after reconfig"); n != 1 {
		t.Errorf("memory given back %d times after two quick reconfigs, want once", n)
	}
	// A release still pending when the master stops is dropped.
	tm.write(masterConfig(url, 2, ""))
	if err := tm.Reconfig(ctx); err != nil {
		t.Fatalf("reconfig: %v", err)
	}
	if err := tm.Stop(ctx, false); err != nil {
		t.Fatal(err)
	}
	if tm.releasePending() {
		t.Error("release still pending after stop")
	}
	time.Sleep(300 * time.Millisecond) // a timer that fired anyway finds the master stopped
	if strings.Contains(tm.logs.String(), "releasing database memory failed") {
		t.Errorf("release ran against a stopped master:\n%s", tm.logs)
	}
}

// releasePending reports whether a release of memory is scheduled.
func (m *BuildMaster) releasePending() bool {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	return m.release != nil
}
