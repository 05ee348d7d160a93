package runner

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

// discardSink counts what it is given and keeps nothing.
type discardSink struct {
	updates, bytes int64
}

func (s *discardSink) Update(u worker.Update) error {
	atomic.AddInt64(&s.updates, 1)
	atomic.AddInt64(&s.bytes, int64(len(u.Text)))
	return nil
}
func (s *discardSink) UploadWrite(p []byte) error             { return nil }
func (s *discardSink) UploadClose() error                     { return nil }
func (s *discardSink) UploadUnpack() error                    { return nil }
func (s *discardSink) UploadUtime(atime, mtime float64) error { return nil }
func (s *discardSink) DownloadRead(n int) ([]byte, error)     { return nil, nil }
func (s *discardSink) DownloadClose() error                   { return nil }

// BenchmarkRunTrue runs `true` as a step's shell command: the ceiling of a
// local worker's trivial builds per second.
func BenchmarkRunTrue(b *testing.B) {
	r := newTestRunner(b)
	args := shellArgs(r.Basedir(), []any{"true"}, map[string]any{"logEnviron": true})
	sink := &discardSink{}
	var id atomic.Int64
	runOne := func(b *testing.B) {
		cmd := worker.Command{ID: fmt.Sprint(id.Add(1)), Name: worker.CmdShell, Args: args}
		if err := r.Run(context.Background(), cmd, sink); err != nil {
			b.Error(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			runOne(b)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				runOne(b)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
	})
}

// BenchmarkOutputThroughput streams 100 MB of `yes` through Run.
func BenchmarkOutputThroughput(b *testing.B) {
	r := newTestRunner(b)
	const size = 100_000_000
	args := shellArgs(r.Basedir(), fmt.Sprintf("yes | head -c %d", size), nil)
	b.SetBytes(size)
	for i := 0; b.Loop(); i++ {
		sink := &discardSink{}
		if err := r.Run(context.Background(), worker.Command{ID: fmt.Sprint("yes-", i), Name: worker.CmdShell, Args: args}, sink); err != nil {
			b.Fatal(err)
		}
		if sink.bytes < size {
			b.Fatalf("received %d bytes", sink.bytes)
		}
		b.ReportMetric(float64(sink.updates), "updates/op")
	}
}
