package locks

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
)

func newReg(t *testing.T, cfgs ...config.Lock) (*Registry, *atomic.Int32) {
	t.Helper()
	var releases atomic.Int32
	r := NewRegistry(func() { releases.Add(1) })
	r.Configure(cfgs)
	return r, &releases
}

func resolve(t *testing.T, r *Registry, worker string, acc ...config.LockAccess) []Claim {
	t.Helper()
	c, err := r.Resolve(acc, worker)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// acquireAsync starts an Acquire and returns a channel that receives its error.
func acquireAsync(r *Registry, ctx context.Context, owner Owner, claims []Claim) chan error {
	ch := make(chan error, 1)
	queued := make(chan struct{})
	var once sync.Once
	go func() {
		ch <- r.Acquire(ctx, owner, claims, func(*Lock) { once.Do(func() { close(queued) }) })
		once.Do(func() { close(queued) })
	}()
	<-queued
	return ch
}

func pending(ch chan error) bool {
	select {
	case err := <-ch:
		ch <- err
		return false
	default:
		return true
	}
}

func TestCountingMaxCount(t *testing.T) {
	r, releases := newReg(t, config.Lock{Type: "master", Name: "db", MaxCount: 2})
	c := resolve(t, r, "w1", config.LockAccess{Name: "db"})
	ctx := context.Background()
	if err := r.Acquire(ctx, "a", c, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Acquire(ctx, "b", c, nil); err != nil {
		t.Fatal(err)
	}
	if r.Available(c) {
		t.Fatal("lock available with max_count holders")
	}
	third := acquireAsync(r, ctx, "c", c)
	if !pending(third) {
		t.Fatal("third counting holder got the lock")
	}
	r.Release("a", c)
	if err := <-third; err != nil {
		t.Fatal(err)
	}
	if n, _ := c[0].Lock.Holders(); n != 2 {
		t.Fatalf("holders = %d, want 2", n)
	}
	if releases.Load() != 1 {
		t.Fatalf("onRelease called %d times, want 1", releases.Load())
	}
	r.Release("a", c) // not a holder any more: no effect, no callback
	if releases.Load() != 1 {
		t.Fatal("release of a non-holder notified")
	}
}

func TestExclusiveBlocksCounting(t *testing.T) {
	r, _ := newReg(t, config.Lock{Type: "master", Name: "m", MaxCount: 5})
	excl := resolve(t, r, "", config.LockAccess{Name: "m", Access: "exclusive"})
	cnt := resolve(t, r, "", config.LockAccess{Name: "m"})
	ctx := context.Background()
	if err := r.Acquire(ctx, "reader1", cnt, nil); err != nil {
		t.Fatal(err)
	}
	writer := acquireAsync(r, ctx, "writer", excl)
	if !pending(writer) {
		t.Fatal("exclusive taken while a counting holder exists")
	}
	// A counting requester arriving after the queued exclusive one must not
	// overtake it, although max_count would allow it.
	reader2 := acquireAsync(r, ctx, "reader2", cnt)
	if !pending(reader2) {
		t.Fatal("counting request overtook a queued exclusive one")
	}
	r.Release("reader1", cnt)
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
	if !pending(reader2) {
		t.Fatal("counting request got the lock while exclusive is held")
	}
	r.Release("writer", excl)
	if err := <-reader2; err != nil {
		t.Fatal(err)
	}
}

func TestWorkerLockPerWorker(t *testing.T) {
	r, _ := newReg(t, config.Lock{Type: "worker", Name: "wl", MaxCount: 1,
		MaxCountForWorker: map[string]int{"big": 2}})
	ctx := context.Background()
	w1 := resolve(t, r, "w1", config.LockAccess{Name: "wl"})
	w2 := resolve(t, r, "w2", config.LockAccess{Name: "wl"})
	big := resolve(t, r, "big", config.LockAccess{Name: "wl"})
	if w1[0].Lock == w2[0].Lock {
		t.Fatal("two workers share one worker-lock instance")
	}
	if w1[0].Lock != resolve(t, r, "w1", config.LockAccess{Name: "wl"})[0].Lock {
		t.Fatal("resolving twice gave two instances")
	}
	must := func(owner string, c []Claim) {
		if err := r.Acquire(ctx, owner, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	must("a", w1)
	must("b", w2) // other worker: independent
	if r.Available(w1) {
		t.Fatal("w1 lock available beyond max_count 1")
	}
	must("c", big)
	must("d", big) // max_count_for_worker 2
	if r.Available(big) {
		t.Fatal("big lock available beyond max_count_for_worker 2")
	}
	// Raising max_count on reconfig wakes waiters.
	waiting := acquireAsync(r, ctx, "e", w1)
	if !pending(waiting) {
		t.Fatal("waiter got w1 lock")
	}
	r.Configure([]config.Lock{{Type: "worker", Name: "wl", MaxCount: 2, MaxCountForWorker: map[string]int{"big": 2}}})
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
}

func TestStopWhileWaiting(t *testing.T) {
	r, _ := newReg(t, config.Lock{Type: "master", Name: "m"})
	c := resolve(t, r, "", config.LockAccess{Name: "m", Access: "exclusive"})
	bg := context.Background()
	if err := r.Acquire(bg, "holder", c, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	stopped := acquireAsync(r, ctx, "stopped", c)
	behind := acquireAsync(r, bg, "behind", c)
	if c[0].Lock.Waiting() != 2 {
		t.Fatalf("waiting = %d, want 2", c[0].Lock.Waiting())
	}
	cancel()
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped wait returned %v", err)
	}
	if c[0].Lock.Waiting() != 1 {
		t.Fatalf("waiting after stop = %d, want 1", c[0].Lock.Waiting())
	}
	r.Release("holder", c)
	select {
	case err := <-behind:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter behind a stopped one never got the lock")
	}
}

func TestAllOrNothing(t *testing.T) {
	r, _ := newReg(t, config.Lock{Type: "master", Name: "a"}, config.Lock{Type: "master", Name: "b"})
	ctx := context.Background()
	both := resolve(t, r, "", config.LockAccess{Name: "a"}, config.LockAccess{Name: "b"})
	onlyB := resolve(t, r, "", config.LockAccess{Name: "b"})
	if err := r.Acquire(ctx, "holdB", onlyB, nil); err != nil {
		t.Fatal(err)
	}
	w := acquireAsync(r, ctx, "both", both)
	if n, _ := both[0].Lock.Holders(); n != 0 {
		t.Fatal("lock a claimed while b was unavailable")
	}
	r.Release("holdB", onlyB)
	if err := <-w; err != nil {
		t.Fatal(err)
	}
	if n, _ := both[0].Lock.Holders(); n != 1 {
		t.Fatal("lock a not held after acquiring both")
	}
}

func TestResolveErrors(t *testing.T) {
	r, _ := newReg(t, config.Lock{Type: "master", Name: "m"})
	if _, err := r.Resolve([]config.LockAccess{{Name: "nope"}}, "w"); err == nil {
		t.Error("unknown lock resolved")
	}
	if _, err := r.Resolve([]config.LockAccess{{Name: "m", Access: "sideways"}}, "w"); err == nil {
		t.Error("bad access mode resolved")
	}
}

// TestContention runs many owners through a counting lock and checks the
// max_count bound is never exceeded.
func TestContention(t *testing.T) {
	const maxCount = 3
	r, _ := newReg(t, config.Lock{Type: "worker", Name: "w", MaxCount: maxCount})
	c := resolve(t, r, "w1", config.LockAccess{Name: "w"})
	ex := resolve(t, r, "w1", config.LockAccess{Name: "w", Access: "exclusive"})
	var inside, exclInside, peak atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			owner := new(int)
			claims := c
			if i%5 == 0 {
				claims = ex
			}
			if err := r.Acquire(context.Background(), owner, claims, nil); err != nil {
				t.Error(err)
				return
			}
			if claims[0].Mode == Exclusive {
				if exclInside.Add(1) != 1 || inside.Load() != 0 {
					t.Error("exclusive holder not alone")
				}
				time.Sleep(100 * time.Microsecond)
				exclInside.Add(-1)
			} else {
				n := inside.Add(1)
				if exclInside.Load() != 0 {
					t.Error("counting holder beside an exclusive one")
				}
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(100 * time.Microsecond)
				inside.Add(-1)
			}
			r.Release(owner, claims)
		}(i)
	}
	wg.Wait()
	if peak.Load() > maxCount {
		t.Fatalf("peak holders %d > max_count %d", peak.Load(), maxCount)
	}
}
