package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// moduleRoot is the repository root (tests run in cmd/bbhost).
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// buildAll builds bbhost and the first-party plugins into one directory, the
// layout `make build` produces (plugins are found beside the binary).
func buildAll(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	root := moduleRoot(t)
	for out, pkg := range map[string]string{
		"bbhost":                   "./cmd/bbhost",
		"bbhost-plugin-local":      "./plugins/local",
		"bbhost-plugin-schedulers": "./plugins/schedulers",
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, out), pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	return bin
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runningMaster is a bbhost process whose stderr is collected line by line.
type runningMaster struct {
	t    *testing.T
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
}

func startMaster(t *testing.T, bin, config string) *runningMaster {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "bbhost"), "-config", config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &runningMaster{t: t, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			m.mu.Lock()
			m.log.WriteString(sc.Text() + "\n")
			m.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-m.done
		if t.Failed() {
			t.Logf("master log:\n%s", m.logText())
		}
	})
	return m
}

func (m *runningMaster) logText() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.String()
}

// waitLog waits for text to appear in the log after offset and returns the
// new offset.
func (m *runningMaster) waitLog(offset int, text string, timeout time.Duration) int {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l := m.logText()
		if i := strings.Index(l[offset:], text); i >= 0 {
			return offset + i + len(text)
		}
		select {
		case <-m.done:
			m.t.Fatalf("master exited while waiting for %q", text)
		case <-time.After(20 * time.Millisecond):
		}
	}
	m.t.Fatalf("no %q in the master's log after %s", text, timeout)
	return 0
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, b)
	}
}

func runCLI(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "bbhost"), args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// TestQuickstartEndToEnd runs the quickstart the way `make run` does, as a
// real process with real plugin processes, git and SQLite: it must come up,
// run its periodic build to success, take an edited configuration on SIGHUP,
// keep running on a broken one, and stop on request.
func TestQuickstartEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and runs a master")
	}
	bin := buildAll(t)
	dir := t.TempDir()
	root := moduleRoot(t)
	for _, f := range []string{"master.hcl", "prepare.sh"} {
		b, err := os.ReadFile(filepath.Join(root, "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(filepath.Join(dir, "prepare.sh")).CombinedOutput(); err != nil {
		t.Fatalf("prepare.sh: %v\n%s", err, out)
	}
	port := freePort(t)
	cfgPath := filepath.Join(dir, "master.hcl")
	orig, _ := os.ReadFile(cfgPath)
	good := strings.Replace(string(orig), `listen = "127.0.0.1:8010"`, fmt.Sprintf(`listen = "127.0.0.1:%d"`, port), 1)
	if good == string(orig) {
		t.Fatal("quickstart has no www listen line to rewrite")
	}
	write := func(s string) {
		if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good)

	if code, out := runCLI(t, bin, "validate", "-config", cfgPath); code != 0 {
		t.Fatalf("validate: %d\n%s", code, out)
	}
	m := startMaster(t, bin, cfgPath)
	off := m.waitLog(0, "BuildMaster is running", 60*time.Second)
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v2/", port)

	var masters struct {
		Masters []struct {
			Active bool `json:"active"`
		} `json:"masters"`
	}
	getJSON(t, api+"masters", &masters)
	if len(masters.Masters) != 1 || !masters.Masters[0].Active {
		t.Fatalf("masters = %+v", masters)
	}

	// The periodic scheduler builds right away; the build checks out the
	// repository and runs its scripts.
	type buildList struct {
		Builds []struct {
			BuildID int64  `json:"buildid"`
			Results *int   `json:"results"`
			State   string `json:"state_string"`
		} `json:"builds"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var bl buildList
		getJSON(t, api+"builds?complete=true", &bl)
		if len(bl.Builds) > 0 {
			if r := bl.Builds[0].Results; r == nil || *r != 0 {
				t.Fatalf("first build: %+v", bl.Builds[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no finished build within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var logText struct {
		Logchunks []struct {
			Content string `json:"content"`
		} `json:"logchunks"`
	}
	getJSON(t, api+"builds/1/steps/say-hello/logs/stdio/contents", &logText)
	if len(logText.Logchunks) == 0 || !strings.Contains(logText.Logchunks[0].Content, "ohello from") {
		t.Errorf("say hello log: %+v", logText)
	}

	pid := m.cmd.Process.Pid
	// An edited configuration on SIGHUP: one builder more.
	write(good + "\nbuilder \"second\" {\n  workers = [\"local-1\"]\n  step \"shell\" { command = [\"true\"] }\n}\n")
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	off = m.waitLog(off, "configuration update complete", 30*time.Second)
	var builders struct {
		Builders []struct {
			Name string `json:"name"`
		} `json:"builders"`
	}
	getJSON(t, api+"builders?masterids__contains=1", &builders)
	if len(builders.Builders) != 2 {
		t.Errorf("builders after reconfig: %+v", builders)
	}

	// A broken one: diagnostics, and the master keeps its configuration.
	write(good + "\nbuilder \"broken\" {\n  workers = [\"nobody\"]\n}\n")
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	m.waitLog(off, "configuration update aborted", 30*time.Second)
	if !strings.Contains(m.logText(), "master.hcl:") || !strings.Contains(m.logText(), `"nobody"`) {
		t.Error("no diagnostic with file and position in the log")
	}
	getJSON(t, api+"builders?masterids__contains=1", &builders)
	if len(builders.Builders) != 2 {
		t.Errorf("builders after a broken reconfig: %+v", builders)
	}

	// The same through `bbhost reconfig`, which reports the outcome.
	code, out := runCLI(t, bin, "reconfig", "-config", cfgPath)
	if code != 1 || !strings.Contains(out, "configuration update aborted") || !strings.Contains(out, "Reference to undeclared worker") {
		t.Errorf("bbhost reconfig of a broken file: %d\n%s", code, out)
	}
	code, out = runCLI(t, bin, "validate", "-config", cfgPath)
	if code != 1 || !strings.Contains(out, "master.hcl:") {
		t.Errorf("bbhost validate of a broken file: %d\n%s", code, out)
	}
	write(good)
	code, out = runCLI(t, bin, "reconfig", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "configuration update complete") {
		t.Errorf("bbhost reconfig: %d\n%s", code, out)
	}

	// A forced build through the CLI.
	code, out = runCLI(t, bin, "force", "-master", fmt.Sprintf("http://127.0.0.1:%d", port), "-builder", "hello", "-reason", "cli test")
	if code != 0 || !strings.Contains(out, "buildset") {
		t.Errorf("bbhost force: %d\n%s", code, out)
	}

	// JSON-RPC force as the web UI sends it from a builder's page (by id),
	// and the errors of a bad call.
	rpc := func(path, body string) (int, string) {
		resp, err := http.Post(api+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := rpc("forceschedulers/force", `{"jsonrpc":"2.0","id":1,"method":"force","params":{"builderid":1,"reason":"by id"}}`); status != 200 || !strings.Contains(body, `"result"`) {
		t.Errorf("force by builderid: %d %s", status, body)
	}
	if status, body := rpc("forceschedulers/nope", `{"jsonrpc":"2.0","id":2,"method":"force","params":{}}`); status != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("force of an unknown scheduler: %d %s", status, body)
	}
	if status, body := rpc("forceschedulers/force", `{"jsonrpc":"2.0","id":3,"method":"force","params":{"builderNames":["hello"],"properties":{"bad name!":"x"}}}`); status != 400 || !strings.Contains(body, `-32602`) {
		t.Errorf("force with an invalid property: %d %s", status, body)
	}

	code, out = runCLI(t, bin, "stop", "-config", cfgPath)
	if code != 0 {
		t.Errorf("bbhost stop: %d\n%s", code, out)
	}
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		t.Fatal("master still running after bbhost stop")
	}
	if !strings.Contains(m.logText(), "BuildMaster is stopped") {
		t.Error("no 'BuildMaster is stopped' line")
	}
}

// TestMasterStopAndKillMidBuild stops a master with SIGTERM, then kills one
// with SIGKILL, each while a build runs: either way the build ends RETRY
// and its request runs again, to success, when the master starts again.
func TestMasterStopAndKillMidBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and runs masters")
	}
	bin := buildAll(t)
	dir := t.TempDir()
	port := freePort(t)
	cfgPath := filepath.Join(dir, "master.hcl")
	// The step sleeps the first time it runs on a request (a marker per
	// attempt lives in the worker's directory) and succeeds when run again.
	cfg := fmt.Sprintf(`
www { listen = "127.0.0.1:%d" }
worker "local" "w" {}
builder "slow" {
  workers = ["w"]
  step "shell" "wait" {
    command = ["sh", "-c", "if [ -f ../../marker-$MARK ]; then echo second run; else touch ../../marker-$MARK; echo first run; sleep 60; fi"]
    env     = { MARK = "%%(prop:reason)s" }
  }
}
scheduler "force" "force" { builders = ["slow"] }
`, port)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v2/", port)
	type build struct {
		BuildID        int64  `json:"buildid"`
		BuildRequestID int64  `json:"buildrequestid"`
		Results        *int   `json:"results"`
		State          string `json:"state_string"`
	}
	builds := func() []build {
		var bl struct {
			Builds []build `json:"builds"`
		}
		getJSON(t, api+"builds?order=buildid", &bl)
		return bl.Builds
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	stepLog := func(buildID int64) string {
		resp, err := http.Get(fmt.Sprintf("%sbuilds/%d/steps/wait/logs/stdio/raw", api, buildID))
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		reason := strings.ReplaceAll(sig.String(), " ", "-")
		m := startMaster(t, bin, cfgPath)
		m.waitLog(0, "BuildMaster is running", 60*time.Second)
		before := len(builds())
		code, out := runCLI(t, bin, "force", "-master", fmt.Sprintf("http://127.0.0.1:%d", port), "-builder", "slow", "-reason", reason)
		if code != 0 {
			t.Fatalf("force: %s", out)
		}
		waitFor("the first run to start", func() bool {
			b := builds()
			return len(b) > before && strings.Contains(stepLog(b[len(b)-1].BuildID), "first run")
		})
		interrupted := builds()[before]
		if err := m.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case <-m.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("master still running after %s", sig)
		}

		m2 := startMaster(t, bin, cfgPath)
		m2.waitLog(0, "BuildMaster is running", 60*time.Second)
		waitFor("the request to run again", func() bool {
			for _, b := range builds() {
				if b.BuildRequestID == interrupted.BuildRequestID && b.BuildID != interrupted.BuildID && b.Results != nil {
					return true
				}
			}
			return false
		})
		for _, b := range builds() {
			switch {
			case b.BuildID == interrupted.BuildID:
				if b.Results == nil || *b.Results != 5 {
					t.Errorf("%s: interrupted build %+v, want RETRY (5)", sig, b)
				}
			case b.BuildRequestID == interrupted.BuildRequestID:
				if *b.Results != 0 || !strings.Contains(stepLog(b.BuildID), "second run") {
					t.Errorf("%s: re-run %+v, want SUCCESS on the second run", sig, b)
				}
			}
		}
		if code, out := runCLI(t, bin, "stop", "-config", cfgPath); code != 0 {
			t.Fatalf("stop: %s", out)
		}
		<-m2.done
	}
}
