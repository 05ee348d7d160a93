package sched

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestWorkers(t *testing.T) {
	var w Workers
	var running, done atomic.Int32
	started := make(chan struct{}, 3)
	body := func(ctx context.Context) {
		running.Add(1)
		started <- struct{}{}
		<-ctx.Done()
		done.Add(1)
	}
	w.Go(body) // not running: ignored
	w.Start(body, body)
	if !w.Running() {
		t.Fatal("not running after Start")
	}
	w.Go(body)
	for i := 0; i < 3; i++ {
		<-started
	}
	w.Start(body) // already running: ignored
	w.Stop()
	if running.Load() != 3 || done.Load() != 3 {
		t.Errorf("%d started, %d returned; want 3 and 3", running.Load(), done.Load())
	}
	if w.Running() {
		t.Error("running after Stop")
	}
	w.Stop() // a second Stop is harmless
}
