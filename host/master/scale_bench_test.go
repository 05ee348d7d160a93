package master

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// scaleConfig has builders builders on workers `remote` workers.
func scaleConfig(builders, workers int, variant string, one int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "master {\n  name = \"bench\"\n  basedir = \"basedir\"\n}\nwww { listen = \"127.0.0.1:0\" }\n")
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

// BenchmarkScaleInProcess starts a master with 10,000 builders and 1,000
// workers in the benchmark's process and reconfigures it (every builder
// changed, then one), reporting each phase; run it with -cpuprofile or
// -memprofile to see where the time goes. cmd/bbhost's BenchmarkMasterScale
// measures the same on a real process, with its RSS.
func BenchmarkScaleInProcess(b *testing.B) {
	const builders, workers = 10000, 1000
	var start, all, one time.Duration
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		path := filepath.Join(dir, "master.hcl")
		if err := os.WriteFile(path, []byte(scaleConfig(builders, workers, "", -1)), 0o644); err != nil {
			b.Fatal(err)
		}
		m := New(Options{ConfigPath: path, Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard}), HeartbeatInterval: time.Hour})
		ctx := context.Background()
		t0 := time.Now()
		if err := m.Start(ctx); err != nil {
			b.Fatal(err)
		}
		start += time.Since(t0)
		for _, c := range []struct {
			d   *time.Duration
			cfg string
		}{{&all, scaleConfig(builders, workers, "changed", -1)}, {&one, scaleConfig(builders, workers, "changed", 17)}} {
			if err := os.WriteFile(path, []byte(c.cfg), 0o644); err != nil {
				b.Fatal(err)
			}
			t0 = time.Now()
			if err := m.Reconfig(ctx); err != nil {
				b.Fatal(err)
			}
			*c.d += time.Since(t0)
		}
		if err := m.Stop(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(start.Seconds()/n*1000, "start-ms")
	b.ReportMetric(all.Seconds()/n*1000, "reconfig-all-ms")
	b.ReportMetric(one.Seconds()/n*1000, "reconfig-one-ms")
	b.ReportMetric(0, "ns/op")
}
