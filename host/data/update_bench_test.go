package data_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/results"
)

// benchConnector opens an upgraded SQLite file database in b.TempDir.
func benchConnector(b *testing.B, compression string) (*data.Connector, *db.DB) {
	return benchConnectorWith(b, compression, db.Options{})
}

func benchConnectorWith(b *testing.B, compression string, o db.Options) (*data.Connector, *db.DB) {
	b.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:///"+filepath.Join(b.TempDir(), "state.sqlite"), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, _, err := d.Upgrade(ctx); err != nil {
		b.Fatal(err)
	}
	m := mq.NewSimple()
	m.Consume(mq.Key{"#"}, func(mq.Key, any) {}) // a consumer, as the web UI would be
	return data.New(d, m, data.Options{LogCompression: compression}), d
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTrivialBuild is every data update a trivial build costs: a
// buildset with one request, claim, build, two steps each with a log of a
// few lines, everything finished, request and buildset completed — each
// update committed by itself (sync), and with build progress batched
// (CommitDelay 5 ms: a build then costs three commits, at AddBuildset,
// ClaimBuildRequests and CompleteBuildRequests).
func BenchmarkTrivialBuild(b *testing.B) {
	b.Run("sync", func(b *testing.B) { benchTrivialBuild(b, db.Options{}) })
	b.Run("batched", func(b *testing.B) { benchTrivialBuild(b, db.Options{CommitDelay: 5 * time.Millisecond}) })
}

func benchTrivialBuild(b *testing.B, o db.Options) {
	ctx := context.Background()
	c, d := benchConnectorWith(b, "zstd", o)
	var events atomic.Int64
	c.MQ().Consume(mq.Key{"#"}, func(mq.Key, any) { events.Add(1) })
	master, _ := c.FindMasterID(ctx, "m")
	builder, _ := c.FindBuilderID(ctx, "b")
	worker, _ := c.FindWorkerID(ctx, "w")
	ssid, err := c.FindSourceStampID(ctx, db.SourceStampSpec{Repository: "r", Branch: sp("main")})
	if err != nil {
		b.Fatal(err)
	}
	props := data.SourcedProperties{"buildername": {"b", "Builder"}, "workername": {"w", "Worker"}, "scheduler": {"force", "Scheduler"}}
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		_, brids, err := c.AddBuildset(ctx, data.BuildsetInput{Scheduler: "force", Reason: "bench",
			SourceStamps: []db.SourceStampRef{{ID: ssid}}, BuilderIDs: []int64{builder}})
		check(err)
		brid := brids[builder]
		claimed, err := c.ClaimBuildRequests(ctx, master, []int64{brid}, 0)
		if !claimed || err != nil {
			b.Fatal(claimed, err)
		}
		build, _, err := c.AddBuild(ctx, builder, brid, worker, master, "")
		check(err)
		check(c.SetBuildProperties(ctx, build, props))
		check(c.GenerateNewBuildEvent(ctx, build))
		for _, name := range []string{"checkout", "test"} {
			step, _, _, err := c.AddStep(ctx, build, name)
			check(err)
			check(c.StartStep(ctx, step))
			logID, err := c.AddLog(ctx, step, "stdio", "s")
			check(err)
			check(c.AppendLog(ctx, logID, "hrunning\nook\nook 2\n"))
			check(c.FinishLog(ctx, logID))
			check(c.FinishStep(ctx, step, results.Success, false))
		}
		check(c.FinishBuild(ctx, build, results.Success))
		done, err := c.CompleteBuildRequests(ctx, []int64{brid}, results.Success, 0)
		if !done || err != nil {
			b.Fatal(done, err)
		}
	}
	done := make(chan struct{})
	d.AfterCommits(func() { close(done) })
	<-done // every event delivered
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(events.Load())/float64(b.N), "events/op")
}

func benchAppendLog(b *testing.B, compression string) {
	ctx := context.Background()
	c, _ := benchConnector(b, compression)
	master, _ := c.FindMasterID(ctx, "m")
	builder, _ := c.FindBuilderID(ctx, "b")
	_, brids, _ := c.AddBuildset(ctx, data.BuildsetInput{BuilderIDs: []int64{builder}})
	build, _, _ := c.AddBuild(ctx, builder, brids[builder], 0, master, "")
	step, _, _, _ := c.AddStep(ctx, build, "yes")
	logID, err := c.AddLog(ctx, step, "stdio", "s")
	if err != nil {
		b.Fatal(err)
	}
	chunk := string(bytes.Repeat([]byte("oy\n"), 1<<20/3)) // ~1 MiB of `yes` on stdout
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.AppendLog(ctx, logID, chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendLog is log throughput for large `yes`-like output, 1 MiB
// per append.
func BenchmarkAppendLog(b *testing.B) {
	for _, m := range []string{"zstd", "gz", "raw"} {
		b.Run(m, func(b *testing.B) { benchAppendLog(b, m) })
	}
}

func builderSpecs(n int, variant string) []db.BuilderSpec {
	specs := make([]db.BuilderSpec, n)
	for i := range specs {
		desc := fmt.Sprintf("builder %d %s", i, variant)
		specs[i] = db.BuilderSpec{Name: fmt.Sprintf("builder-%05d", i), Description: &desc,
			Tags: []string{"tag-" + variant, fmt.Sprintf("group-%d", i%20)}}
	}
	return specs
}

// BenchmarkUpdateBuilderList is a reconfig of 10,000 builders: on a fresh
// database, and with every builder's description and tags changed.
func BenchmarkUpdateBuilderList(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		specs := builderSpecs(10000, "a")
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			c, _ := benchConnector(b, "zstd")
			master, _ := c.FindMasterID(ctx, "m")
			b.StartTimer()
			if _, err := c.UpdateBuilderList(ctx, master, specs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all-changed", func(b *testing.B) {
		c, _ := benchConnector(b, "zstd")
		master, _ := c.FindMasterID(ctx, "m")
		lists := [2][]db.BuilderSpec{builderSpecs(10000, "a"), builderSpecs(10000, "b")}
		if _, err := c.UpdateBuilderList(ctx, master, lists[1]); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.UpdateBuilderList(ctx, master, lists[i%2]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		c, _ := benchConnector(b, "zstd")
		master, _ := c.FindMasterID(ctx, "m")
		specs := builderSpecs(10000, "a")
		if _, err := c.UpdateBuilderList(ctx, master, specs); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.UpdateBuilderList(ctx, master, specs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAddChange is one change from a git poller: files, a property, a
// user, and the poller's cursor in the same transaction.
func BenchmarkAddChange(b *testing.B) {
	ctx := context.Background()
	c, _ := benchConnector(b, "zstd")
	obj, _ := c.GetObjectID(ctx, "poller", "GitPoller")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		rev := fmt.Sprintf("%040x", i)
		_, err := c.AddChange(ctx, data.ChangeInput{Author: fmt.Sprintf("dev%d <d@x>", i%10), Comments: "fix",
			Files: []string{"a.go", "b/c.go"}, Revision: &rev, Branch: sp("main"), Repository: "git://r",
			Properties: map[string]any{"event": "push"}, Src: "git"},
			data.StateWrite{ObjectID: obj, Name: "lastRev", Value: map[string]string{"main": rev}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
