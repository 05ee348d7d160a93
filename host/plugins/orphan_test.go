package plugins_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/hashicorp/go-hclog"
)

// testHostEnv makes the test binary run as a tiny master (runTestHost)
// instead of running tests: BBHOST_PLUGINS_TEST_HOST=<basedir>.
const testHostEnv = "BBHOST_PLUGINS_TEST_HOST"

// runTestHost starts the plugins installed in the base directory with one
// change source, prints "READY <plugin pids>" and waits to be killed.
func runTestHost() int {
	basedir := os.Getenv(testHostEnv)
	log := hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn})
	svc := plugintest.NewServices(nil)
	h, err := plugins.New(plugins.Options{Basedir: basedir, BinaryDir: "-", Logger: log, Services: svc, MQ: svc.MQ})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	path := filepath.Join(basedir, "master.hcl")
	cfg, diags := config.Load(path, config.LoadOptions{Schemas: h.SchemaSource(), Hostname: "test"})
	if diags.HasErrors() {
		fmt.Println("ERROR", diags)
		return 1
	}
	ctx := context.Background()
	for _, item := range h.Items(cfg, config.TypeChangeSource) {
		svc, err := h.NewService(ctx, item.Name, item.Config)
		if err == nil {
			err = svc.Start(ctx)
		}
		if err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
	}
	var pids []string
	for _, p := range h.Processes() {
		pids = append(pids, strconv.Itoa(p.PID))
	}
	fmt.Println("READY", strings.Join(pids, " "))
	select {}
}

// pluginProcesses counts live processes running the binary at path.
func pluginProcesses(t *testing.T, path string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != path {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The state follows the command name in parentheses.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue
		}
		out = append(out, pid)
	}
	return out
}

func TestNoOrphansWhenHostIsKilled(t *testing.T) {
	basedir := t.TempDir()
	bin := plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
	if err := os.WriteFile(filepath.Join(basedir, "master.hcl"), []byte(patchdirConfig(t.TempDir())), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := pluginProcesses(t, bin); len(n) != 0 {
		t.Fatalf("plugin processes before the test: %v", n)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), testHostEnv+"="+basedir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("test host: %q %v", line, err)
	}
	running := pluginProcesses(t, bin)
	if len(running) != 1 || strings.TrimSpace(strings.TrimPrefix(line, "READY ")) != strconv.Itoa(running[0]) {
		t.Fatalf("plugin processes while the host runs: %v (host says %q)", running, line)
	}
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for len(pluginProcesses(t, bin)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("plugin processes survived the host: %v", pluginProcesses(t, bin))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the plugin was gone %s after the host was killed", time.Since(killed).Round(time.Millisecond))
}
