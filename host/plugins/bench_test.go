package plugins_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

// BenchmarkPluginStart measures a plugin process from exec to ready:
// go-plugin handshake with AutoMTLS, the Host service offered through the
// broker and the plugin's Describe answered.
func BenchmarkPluginStart(b *testing.B) {
	basedir := b.TempDir()
	plugintest.Install(b, patchdirBinary(b, "0.1.0"), filepath.Join(basedir, "plugins"))
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h, err := plugins.New(plugins.Options{Basedir: basedir, BinaryDir: "-", Logger: hclog.NewNullLogger()})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, errs := h.Plugins(ctx); len(errs) > 0 { // discovery and `describe`, outside the timing
			b.Fatal(errs)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, _, err := h.DescribePlugin(ctx, "patchdir"); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		b.StopTimer()
		h.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
}

// BenchmarkHostAddChange measures Host.AddChange as a plugin sees it: from
// a worker instance in a plugin process, through the go-plugin broker, to
// in-memory HostServices. It reports the p50 and p99 latency and the call
// rate, serially and with 64 calls in flight.
func BenchmarkHostAddChange(b *testing.B) {
	e := plugintest.NewEnv(b, plugintest.TestPlugin(b, "1.0.0"))
	ctx := context.Background()
	if err := e.Host.Start(ctx); err != nil {
		b.Fatal(err)
	}
	cfg := e.Load(b, `worker "mem" "w" {}`)
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host}, &config.Config{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	commit(ctx)
	conn, _, err := e.Host.Connect(ctx, cfg.Workers[0])
	if err != nil {
		b.Fatal(err)
	}
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("inflight=%d", par), func(b *testing.B) {
			n := max(b.N, 200)
			sink := &worker.RecordingSink{}
			b.ResetTimer()
			err := conn.RunCommand(ctx, worker.Command{ID: fmt.Sprint("bench", par, b.N), Name: "bench_addchange",
				Args: map[string]any{"n": int64(n), "parallel": int64(par)}}, sink)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			var res map[string]float64
			if err := json.Unmarshal([]byte(sink.Text("stdout")), &res); err != nil {
				b.Fatalf("%v: %q", err, sink.Text("stdout"))
			}
			b.ReportMetric(res["p50_us"], "p50-µs")
			b.ReportMetric(res["p99_us"], "p99-µs")
			b.ReportMetric(res["per_sec"], "calls/s")
		})
	}
}

// BenchmarkHotSwapPause swaps the binary of a change source that submits a
// change every millisecond (testplugin's counter, cursor in state) and
// measures the longest gap between two changes around each swap, checking
// that the changes stay 1, 2, 3, ... with none lost or doubled.
func BenchmarkHotSwapPause(b *testing.B) {
	e := plugintest.NewEnv(b)
	ctx := context.Background()
	v1, v2 := plugintest.TestPlugin(b, "1.0.0"), plugintest.TestPlugin(b, "2.0.0")
	if _, err := e.Host.Catalog().Install(ctx, v1, nil); err != nil {
		b.Fatal(err)
	}
	src := `change_source "counter" "c" {
  count         = 100000000
  poll_interval = "1ms"
}`
	cfg := e.Load(b, src)
	m := service.NewNamedManager(service.ManagerOptions[*config.Config, plugins.InstanceConfig]{
		Name: "change_svc", New: e.Host.NewService, Equal: plugins.InstanceConfig.Equal,
		Select: func(c *config.Config) []service.Item[plugins.InstanceConfig] {
			return e.Host.Items(c, config.TypeChangeSource)
		},
	})
	if err := m.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Stop(ctx)
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, &config.Config{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	commit(ctx)
	plugintest.WaitFor(b, 10*time.Second, "changes", func() bool { return len(e.Services.Changes()) > 50 })
	var pauses []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bin := v2
		if i%2 == 1 {
			bin = v1
		}
		if _, err := e.Host.Catalog().Install(ctx, bin, nil); err != nil {
			b.Fatal(err)
		}
		next := e.Load(b, src)
		before := len(e.Services.Changes())
		b.StartTimer()
		t0 := time.Now()
		commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, cfg, next)
		if err != nil {
			b.Fatal(err)
		}
		commit(ctx)
		t1 := time.Now()
		b.StopTimer()
		cfg = next
		plugintest.WaitFor(b, 10*time.Second, "changes after the swap", func() bool { return len(e.Services.Changes()) > before+50 })
		arr := e.Services.Arrivals()
		var worst time.Duration
		for k := 1; k < len(arr); k++ {
			if arr[k].After(t0.Add(-50*time.Millisecond)) && arr[k-1].Before(t1.Add(50*time.Millisecond)) {
				worst = max(worst, arr[k].Sub(arr[k-1]))
			}
		}
		pauses = append(pauses, worst)
		b.StartTimer()
	}
	b.StopTimer()
	changes := e.Services.Changes()
	for k, c := range changes {
		if *c.Revision != fmt.Sprint(k+1) {
			b.Fatalf("change %d has revision %s: lost or doubled", k+1, *c.Revision)
		}
	}
	sort.Slice(pauses, func(i, j int) bool { return pauses[i] < pauses[j] })
	b.ReportMetric(float64(pauses[len(pauses)/2].Microseconds())/1000, "p50-pause-ms")
	b.ReportMetric(float64(pauses[len(pauses)-1].Microseconds())/1000, "max-pause-ms")
	b.ReportMetric(0, "lost")
}
