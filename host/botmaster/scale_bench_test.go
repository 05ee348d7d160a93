package botmaster

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scaleConfig is nBuilders builders over nWorkers workers (each builder
// lists two), with a step whose command carries variant so a second
// configuration changes every builder.
func scaleConfig(nBuilders, nWorkers int, variant, desc string) string {
	var b strings.Builder
	for i := 0; i < nWorkers; i++ {
		fmt.Fprintf(&b, "worker \"local\" \"w%d\" {}\n", i)
	}
	for i := 0; i < nBuilders; i++ {
		fmt.Fprintf(&b, `builder "b%d" {
  workers     = ["w%d", "w%d"]
  description = "%s"
  tags        = ["t%d"]
  step "shell" "s" { command = ["echo", "%s"] }
}
`, i, i%nWorkers, (i+1)%nWorkers, desc, i%10, variant)
	}
	return b.String()
}

// rssMB reads the process's resident set size.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkScale10000 measures, with 10,000 builders and 1,000 workers on
// SQLite: the first configuration of the botmaster and the WorkerManager
// until every worker is attached (a master start, configuration loading
// excluded), a reconfiguration changing every builder's steps and
// description, and one changing a single builder. It reports the times,
// the heap in use and the process RSS after the start.
func BenchmarkScale10000(b *testing.B) {
	const nb, nw = 10000, 1000
	h := newHarness(b, scaleConfig(10, 2, "x", "d"), harnessOptions{idleConns: true, noStart: true})
	t0 := time.Now()
	first := h.loadConfig(scaleConfig(nb, nw, "v1", "first"))
	b.Logf("loading a configuration of %d builders: %v", nb, time.Since(t0))
	heapOf := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapInuse) / (1 << 20)
	}
	heapConfig := heapOf()
	b.ResetTimer()

	t0 = time.Now()
	h.reconfigure(first)
	for len(h.wm.Connected()) < nw {
		time.Sleep(time.Millisecond)
	}
	start := time.Since(t0)
	b.Logf("start: %v", start)
	heapStarted := heapOf()
	rss := rssMB()
	b.StopTimer()
	changed := h.loadConfig(scaleConfig(nb, nw, "v2", "second"))
	one := h.loadConfig(strings.Replace(scaleConfig(nb, nw, "v2", "second"), `"b77" {
  workers     = ["w77", "w78"]
  description = "second"`, `"b77" {
  workers     = ["w77", "w78"]
  description = "changed"`, 1))
	b.StartTimer()

	t0 = time.Now()
	h.reconfigure(changed)
	all := time.Since(t0)
	b.Logf("reconfig all: %v", all)
	t0 = time.Now()
	h.reconfigure(one)
	single := time.Since(t0)
	b.Logf("reconfig one: %v", single)
	t0 = time.Now()
	defer func() { b.Logf("stop: %v", time.Since(t0)) }()
	b.StopTimer()
	if got := h.bm.Builder("b77").Config().Description; got != "changed" {
		b.Fatalf("description %q", got)
	}
	b.ReportMetric(float64(start.Milliseconds()), "start-ms")
	b.ReportMetric(float64(all.Milliseconds()), "reconfig-all-ms")
	b.ReportMetric(float64(single.Microseconds())/1000, "reconfig-one-ms")
	b.ReportMetric(heapConfig, "heap-config-MB")
	b.ReportMetric(heapStarted-heapConfig, "heap-engine-MB")
	b.ReportMetric(rss, "rss-MB")
	b.ReportMetric(0, "ns/op")
}
