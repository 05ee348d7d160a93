package www

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

// bigLog writes a stdio log of about mb megabytes through the update
// methods (zstd chunks) and returns its id and the raw text's length.
func bigLog(tb testing.TB, d *db.DB, mb int) (int64, int64) {
	tb.Helper()
	ctx := context.Background()
	c := data.New(d, mq.NewSimple(), data.Options{LogCompression: "zstd"})
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	mid, err := c.FindMasterID(ctx, "m")
	must(err)
	ids, err := c.UpdateBuilderList(ctx, mid, []db.BuilderSpec{{Name: "b"}})
	must(err)
	bsid, brids, err := c.AddBuildset(ctx, data.BuildsetInput{Reason: "r", BuilderIDs: []int64{ids["b"]}})
	must(err)
	_ = bsid
	wid, err := c.FindWorkerID(ctx, "w")
	must(err)
	buildid, _, err := c.AddBuild(ctx, ids["b"], brids[ids["b"]], wid, mid, "building")
	must(err)
	stepid, _, _, err := c.AddStep(ctx, buildid, "s")
	must(err)
	logid, err := c.AddLog(ctx, stepid, "stdio", "s")
	must(err)
	var raw int64
	line := 0
	var batch strings.Builder
	for i := 0; i < mb; i++ {
		batch.Reset()
		for batch.Len() < 1<<20 {
			s := fmt.Sprintf("line %09d %s", line, strings.Repeat("y", 50))
			batch.WriteString("o" + s + "\n")
			raw += int64(len(s)) + 1
			line++
		}
		must(c.AppendLog(ctx, logid, batch.String()))
	}
	must(c.FinishLog(ctx, logid))
	return logid, raw - 1 // stdio raw has no final newline
}

// TestRawLogStreams downloads a 64 MB log over HTTP and checks that the
// server's heap never holds more than a fraction of it.
func TestRawLogStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MB log")
	}
	d := openDB(t, dbtest.SQLiteFile)
	logid, want := bigLog(t, d, 64)
	ts := startServer(t, d, nil)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	resp, err := http.Get(fmt.Sprintf("%s/api/v2/logs/%d/raw", ts.base, logid))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(stop)
	wg.Wait()
	if err != nil || resp.StatusCode != 200 || n != want {
		t.Fatalf("raw: status %d, %d bytes (want %d), %v", resp.StatusCode, n, want, err)
	}
	grew := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("streamed %d MB; heap in use grew by at most %.1f MB", n>>20, float64(grew)/(1<<20))
	if grew > 24<<20 {
		t.Errorf("heap grew by %d MB while streaming %d MB", grew>>20, n>>20)
	}
}

// BenchmarkRawLog measures a raw download of a 64 MB stdio log (zstd
// chunks in SQLite) over loopback HTTP.
func BenchmarkRawLog(b *testing.B) {
	d := openDB(b, dbtest.SQLiteFile)
	logid, want := bigLog(b, d, 64)
	ts := startServer(b, d, nil)
	url := fmt.Sprintf("%s/api/v2/logs/%d/raw", ts.base, logid)
	b.SetBytes(want)
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != want {
			b.Fatalf("%d bytes, %v", n, err)
		}
	}
}
