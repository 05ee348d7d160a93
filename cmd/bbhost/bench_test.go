package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scaleConfig is the startup benchmark's configuration: builders builders
// with one step each, spread over workers `remote` workers (served by the
// host, so no plugin process is involved), one force scheduler over all.
// variant is added to every step's command (a new variant changes every
// builder); the builder numbered one, when >= 0, gets a command of its own
// (the same variant with one of them different changes that builder alone).
func scaleConfig(port, builders, workers int, variant string, one int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "master {\n  name = \"bench\"\n}\nwww { listen = \"127.0.0.1:%d\" }\n", port)
	for w := 0; w < workers; w++ {
		fmt.Fprintf(&b, "worker \"remote\" \"w%d\" { password = \"pw\" }\n", w)
	}
	for i := 0; i < builders; i++ {
		cmd := "true " + variant
		if i == one {
			cmd += " once-more" // only this builder differs from variant
		}
		fmt.Fprintf(&b, "builder \"b%d\" {\n  workers = [\"w%d\"]\n  step \"shell\" \"s\" { command = [\"sh\", \"-c\", %q] }\n}\n", i, i%workers, cmd)
	}
	return b.String()
}

// benchMaster is a bbhost process under measurement.
type benchMaster struct {
	cmd   *exec.Cmd
	lines chan string
}

func startBenchMaster(b *testing.B, bin, cfg string) (*benchMaster, time.Duration) {
	b.Helper()
	cmd := exec.Command(filepath.Join(bin, "bbhost"), "-config", cfg, "-log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	m := &benchMaster{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			m.lines <- sc.Text()
		}
		close(m.lines)
	}()
	m.wait(b, "BuildMaster is running")
	return m, time.Since(t0)
}

func (m *benchMaster) wait(b *testing.B, text string) {
	b.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-m.lines:
			if !ok {
				b.Fatalf("master exited before %q", text)
			}
			if strings.Contains(l, "configuration update aborted") || strings.Contains(l, "startup failed") {
				b.Fatalf("master: %s", l)
			}
			if strings.Contains(l, text) {
				return
			}
		case <-timeout:
			b.Fatalf("no %q", text)
		}
	}
}

// reconfig rewrites the configuration, sends SIGHUP and returns the time to
// `configuration update complete`.
func (m *benchMaster) reconfig(b *testing.B, path, content string) time.Duration {
	b.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := m.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		b.Fatal(err)
	}
	m.wait(b, "configuration update complete")
	return time.Since(t0)
}

// reconfigFiles is reconfig for a directory of files.
func (m *benchMaster) reconfigFiles(b *testing.B, dir string, files map[string]string) time.Duration {
	b.Helper()
	writeAll(b, dir, files)
	t0 := time.Now()
	if err := m.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		b.Fatal(err)
	}
	m.wait(b, "configuration update complete")
	return time.Since(t0)
}

func (m *benchMaster) stop() {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
	}
	for range m.lines {
	}
}

// rssMB reads a process's resident memory (kB lines of /proc/PID/status).
func rssMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// splitConfig is scaleConfig as a directory: main.hcl, workers.hcl and the
// builders in files of 100, the layout of a large site. It returns the files.
func splitConfig(port, builders, workers int, variant string, one int) map[string]string {
	files := map[string]string{}
	var b strings.Builder
	fmt.Fprintf(&b, "master {\n  name = \"bench\"\n}\nwww { listen = \"127.0.0.1:%d\" }\n", port)
	for w := 0; w < workers; w++ {
		fmt.Fprintf(&b, "worker \"remote\" \"w%d\" { password = \"pw\" }\n", w)
	}
	files["main.hcl"] = b.String()
	files["workers.hcl"], files["main.hcl"] = splitWorkers(files["main.hcl"])
	for f := 0; f < builders/100; f++ {
		b.Reset()
		for i := f * 100; i < (f+1)*100; i++ {
			cmd := "true " + variant
			if i == one {
				cmd += " once-more" // only this builder differs from variant
			}
			fmt.Fprintf(&b, "builder \"b%d\" {\n  workers = [\"w%d\"]\n  step \"shell\" \"s\" { command = [\"sh\", \"-c\", %q] }\n}\n", i, i%workers, cmd)
		}
		files[fmt.Sprintf("builders-%03d.hcl", f)] = b.String()
	}
	return files
}

// splitWorkers moves the worker blocks of a main file into their own file.
func splitWorkers(main string) (workers, rest string) {
	var w, r strings.Builder
	for _, line := range strings.SplitAfter(main, "\n") {
		if strings.HasPrefix(line, "worker ") {
			w.WriteString(line)
		} else {
			r.WriteString(line)
		}
	}
	return w.String(), r.String()
}

func writeAll(b *testing.B, dir string, files map[string]string) {
	b.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && string(old) == content {
			continue // unchanged files keep their content, as an editor would
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMasterScaleSplit is BenchmarkMasterScale with the configuration
// split into files (see splitConfig): a reconfig reads again only the files
// that changed.
func BenchmarkMasterScaleSplit(b *testing.B) {
	const builders, workers = 10000, 1000
	bin := buildBench(b)
	var start, all, one time.Duration
	var rssSum float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		port := benchPort(b)
		writeAll(b, dir, splitConfig(port, builders, workers, "", -1))
		m, d := startBenchMaster(b, bin, dir)
		start += d
		rssSum += rssMB(m.cmd.Process.Pid, "VmRSS")
		all += m.reconfigFiles(b, dir, splitConfig(port, builders, workers, "changed", -1))
		one += m.reconfigFiles(b, dir, splitConfig(port, builders, workers, "changed", 17)) // only builder 17's file changes
		m.stop()
	}
	n := float64(b.N)
	b.ReportMetric(start.Seconds()/n*1000, "start-ms")
	b.ReportMetric(rssSum/n, "start-rss-MB")
	b.ReportMetric(all.Seconds()/n*1000, "reconfig-all-ms")
	b.ReportMetric(one.Seconds()/n*1000, "reconfig-one-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMasterScale starts a master with 10,000 builders and 1,000
// workers (goal: under 1 s and 64 MB RSS), then reconfigures it with every
// builder changed (goal: under 500 ms) and with one builder changed (goal:
// under 50 ms). It also reports the peak RSS, and the RSS once the
// reconfigs have settled. Each iteration uses a fresh SQLite database.
func BenchmarkMasterScale(b *testing.B) {
	const builders, workers = 10000, 1000
	bin := buildBench(b)
	var start, all, one time.Duration
	var rssSum, hwmSum, settledSum float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		path := filepath.Join(dir, "master.hcl")
		port := benchPort(b)
		if err := os.WriteFile(path, []byte(scaleConfig(port, builders, workers, "", -1)), 0o644); err != nil {
			b.Fatal(err)
		}
		m, d := startBenchMaster(b, bin, path)
		start += d
		rssSum += rssMB(m.cmd.Process.Pid, "VmRSS")
		all += m.reconfig(b, path, scaleConfig(port, builders, workers, "changed", -1))
		one += m.reconfig(b, path, scaleConfig(port, builders, workers, "changed", 17))
		hwmSum += rssMB(m.cmd.Process.Pid, "VmHWM")
		// The memory the reconfigs used is given back once they stop
		// (master.Options.ReleaseDelay, 2 s).
		time.Sleep(3 * time.Second)
		settledSum += rssMB(m.cmd.Process.Pid, "VmRSS")
		m.stop()
	}
	n := float64(b.N)
	b.ReportMetric(start.Seconds()/n*1000, "start-ms")
	b.ReportMetric(rssSum/n, "start-rss-MB")
	b.ReportMetric(all.Seconds()/n*1000, "reconfig-all-ms")
	b.ReportMetric(one.Seconds()/n*1000, "reconfig-one-ms")
	b.ReportMetric(hwmSum/n, "peak-rss-MB")
	b.ReportMetric(settledSum/n, "rss-after-reconfig-MB")
	b.ReportMetric(0, "ns/op")
}

// buildBench builds bbhost once for the benchmark.
func buildBench(b *testing.B) string {
	b.Helper()
	bin := b.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "bbhost"), "./cmd/bbhost")
	root, _ := filepath.Abs("../..")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func benchPort(b *testing.B) int {
	b.Helper()
	return freePort(b)
}
