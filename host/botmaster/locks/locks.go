// Package locks owns Buildbot's build and step locks (locks.py): master locks
// (one real lock for the whole master) and worker locks (one real lock per
// worker, with a per-worker max_count), taken in counting or exclusive mode.
//
// Waiters queue in FIFO order and a counting waiter never overtakes an
// exclusive one queued ahead of it, so exclusive access is not starved. Taking
// several locks is all-or-nothing: a requester waits on the first lock that is
// not available, then checks all of them again, and claims them together. One
// mutex (the Registry's) guards every lock, which makes that check-and-claim
// atomic; lock operations are rare next to everything else a build does.
package locks

import (
	"context"
	"fmt"
	"sync"

	"github.com/bbhost/bbhost/host/config"
)

// Mode is how a lock is accessed.
type Mode uint8

const (
	// Counting access: up to max_count holders at once.
	Counting Mode = iota
	// Exclusive access: the only holder.
	Exclusive
)

// String names the mode as the configuration does.
func (m Mode) String() string {
	if m == Exclusive {
		return "exclusive"
	}
	return "counting"
}

// ParseMode reads a config access mode; "" is counting.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "counting":
		return Counting, nil
	case "exclusive":
		return Exclusive, nil
	}
	return 0, fmt.Errorf("unknown lock access %q (want counting or exclusive)", s)
}

// Owner identifies who holds or waits for a lock: a build or a step. Any
// comparable value works; pointers are the usual choice.
type Owner any

// Claim is one real lock and how it is taken.
type Claim struct {
	Lock *Lock
	Mode Mode
}

// Lock is one real lock (Buildbot's BaseLock): a master lock, or a worker
// lock's instance for one worker.
type Lock struct {
	reg      *Registry
	name     string
	worker   string // "" for master locks
	maxCount int

	claimedExcl     int
	claimedCounting int
	owners          []holder
	waiting         []*waiter
}

type holder struct {
	owner Owner
	mode  Mode
}

// waiter is a queued requester; wake is nil once it was woken and not yet
// re-queued (Buildbot's (owner, access, None) entry).
type waiter struct {
	owner Owner
	mode  Mode
	wake  chan struct{}
}

// Name returns the lock's configured name.
func (l *Lock) Name() string { return l.name }

// Worker returns the worker a worker lock instance belongs to, "" for a
// master lock.
func (l *Lock) Worker() string { return l.worker }

// String describes the lock as Buildbot's repr does.
func (l *Lock) String() string {
	l.reg.mu.Lock()
	defer l.reg.mu.Unlock()
	if l.worker == "" {
		return fmt.Sprintf("<MasterLock(%s, %d)>", l.name, l.maxCount)
	}
	return fmt.Sprintf("<WorkerLock(%s, %d)[%s]>", l.name, l.maxCount, l.worker)
}

func (l *Lock) findWaiting(owner Owner) int {
	for i, w := range l.waiting {
		if w.owner == owner {
			return i
		}
	}
	return -1
}

// available is Buildbot's isAvailable: requesters queued ahead of owner count
// against it, and a counting request never passes an exclusive one.
func (l *Lock) available(owner Owner, mode Mode) bool {
	idx := -1
	if owner != nil {
		idx = l.findWaiting(owner)
	}
	if idx < 0 {
		idx = len(l.waiting)
	}
	ahead := l.waiting[:idx]
	if mode == Counting {
		if l.claimedExcl > 0 || l.claimedCounting+len(ahead)+1 > l.maxCount {
			return false
		}
		for _, w := range ahead {
			if w.mode != Counting {
				return false
			}
		}
		return true
	}
	return l.claimedExcl == 0 && l.claimedCounting == 0 && len(ahead) == 0
}

func (l *Lock) claim(owner Owner, mode Mode) {
	if i := l.findWaiting(owner); i >= 0 {
		l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
	}
	l.owners = append(l.owners, holder{owner, mode})
	if mode == Counting {
		l.claimedCounting++
	} else {
		l.claimedExcl++
	}
}

func (l *Lock) release(owner Owner, mode Mode) bool {
	for i, h := range l.owners {
		if h.owner == owner && h.mode == mode {
			l.owners = append(l.owners[:i], l.owners[i+1:]...)
			if mode == Counting {
				l.claimedCounting--
			} else {
				l.claimedExcl--
			}
			l.tryWakeUp()
			return true
		}
	}
	return false
}

// tryWakeUp wakes the waiters at the head of the queue that could now get
// the lock (Buildbot's _tryWakeUp).
func (l *Lock) tryWakeUp() {
	excl, counting := l.claimedExcl, l.claimedCounting
	for _, w := range l.waiting {
		if w.mode == Counting {
			if excl > 0 || counting >= l.maxCount {
				break
			}
			counting++
		} else {
			if excl > 0 || counting > 0 {
				break
			}
			excl++
		}
		if w.wake != nil {
			close(w.wake)
			w.wake = nil
		}
	}
}

// wait queues owner (or re-arms its entry) and returns the channel closed
// when the lock might be available.
func (l *Lock) wait(owner Owner, mode Mode) chan struct{} {
	ch := make(chan struct{})
	if i := l.findWaiting(owner); i >= 0 {
		l.waiting[i].wake = ch
		l.waiting[i].mode = mode
	} else {
		l.waiting = append(l.waiting, &waiter{owner: owner, mode: mode, wake: ch})
	}
	return ch
}

// stopWaiting removes owner from the queue and lets the ones behind it move.
func (l *Lock) stopWaiting(owner Owner) {
	if i := l.findWaiting(owner); i >= 0 {
		l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
		l.tryWakeUp()
	}
}

func (l *Lock) setMaxCount(n int) {
	old := l.maxCount
	l.maxCount = n
	if n > old {
		l.tryWakeUp()
	}
}

// Registry holds the master's real locks by name, kept across
// reconfigurations (a running build keeps the locks it resolved; a changed
// max_count applies to the existing lock, as Buildbot's updateFromLockId).
type Registry struct {
	mu     sync.Mutex
	master map[string]*Lock
	worker map[string]*workerLock
	// onRelease is called (outside the mutex) after a release.
	onRelease func()
}

type workerLock struct {
	maxCount          int
	maxCountForWorker map[string]int
	perWorker         map[string]*Lock
}

// NewRegistry returns an empty registry. onRelease, when not nil, is called
// after every Release that freed something (the botmaster uses it to start
// builds that waited for a lock).
func NewRegistry(onRelease func()) *Registry {
	return &Registry{master: map[string]*Lock{}, worker: map[string]*workerLock{}, onRelease: onRelease}
}

// Configure applies the `lock` blocks: new locks are created, existing ones
// take their new max counts. Locks that disappeared from the configuration are
// kept for the builds that still hold them.
func (r *Registry) Configure(cfgs []config.Lock) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cfgs {
		maxCount := c.MaxCount
		if maxCount <= 0 {
			maxCount = 1
		}
		switch c.Type {
		case "worker":
			wl := r.worker[c.Name]
			if wl == nil {
				wl = &workerLock{perWorker: map[string]*Lock{}}
				r.worker[c.Name] = wl
			}
			wl.maxCount = maxCount
			wl.maxCountForWorker = c.MaxCountForWorker
			for w, l := range wl.perWorker {
				l.setMaxCount(wl.countFor(w))
			}
		default:
			l := r.master[c.Name]
			if l == nil {
				r.master[c.Name] = &Lock{reg: r, name: c.Name, maxCount: maxCount}
			} else {
				l.setMaxCount(maxCount)
			}
		}
	}
}

func (wl *workerLock) countFor(worker string) int {
	if n, ok := wl.maxCountForWorker[worker]; ok && n > 0 {
		return n
	}
	return wl.maxCount
}

// Resolve turns configured lock accesses into real locks for a build or step
// running on worker (Buildbot's getLockFromLockAccesses + getLockForWorker).
func (r *Registry) Resolve(accesses []config.LockAccess, worker string) ([]Claim, error) {
	if len(accesses) == 0 {
		return nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Claim, 0, len(accesses))
	for _, a := range accesses {
		mode, err := ParseMode(a.Access)
		if err != nil {
			return nil, fmt.Errorf("lock %q: %w", a.Name, err)
		}
		if l, ok := r.master[a.Name]; ok {
			out = append(out, Claim{l, mode})
			continue
		}
		wl, ok := r.worker[a.Name]
		if !ok {
			return nil, fmt.Errorf("unknown lock %q", a.Name)
		}
		l := wl.perWorker[worker]
		if l == nil {
			l = &Lock{reg: r, name: a.Name, worker: worker, maxCount: wl.countFor(worker)}
			wl.perWorker[worker] = l
		}
		out = append(out, Claim{l, mode})
	}
	return out, nil
}

// Available reports whether every claim could be taken now by a requester
// not yet queued (Buildbot's canStartBuild lock check).
func (r *Registry) Available(claims []Claim) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range claims {
		if !c.Lock.available(nil, c.Mode) {
			return false
		}
	}
	return true
}

// Acquire waits until owner holds every claim. While waiting, owner keeps its
// place in the queue of the lock it waits for. Cancelling ctx (a build being
// stopped) abandons the wait and returns ctx's error with nothing held.
// onWait, when not nil, is called once before the first wait.
func (r *Registry) Acquire(ctx context.Context, owner Owner, claims []Claim, onWait func(*Lock)) error {
	if len(claims) == 0 {
		return nil
	}
	waited := false
	for {
		r.mu.Lock()
		var blocked *Claim
		for i := range claims {
			if !claims[i].Lock.available(owner, claims[i].Mode) {
				blocked = &claims[i]
				break
			}
		}
		if blocked == nil {
			for _, c := range claims {
				c.Lock.claim(owner, c.Mode)
			}
			r.mu.Unlock()
			return nil
		}
		ch := blocked.Lock.wait(owner, blocked.Mode)
		r.mu.Unlock()
		if !waited && onWait != nil {
			onWait(blocked.Lock)
		}
		waited = true
		select {
		case <-ch:
		case <-ctx.Done():
			r.mu.Lock()
			for _, c := range claims {
				c.Lock.stopWaiting(owner)
			}
			r.mu.Unlock()
			return ctx.Err()
		}
	}
}

// Release gives back every claim owner holds among claims.
func (r *Registry) Release(owner Owner, claims []Claim) {
	if len(claims) == 0 {
		return
	}
	released := false
	r.mu.Lock()
	for _, c := range claims {
		if c.Lock.release(owner, c.Mode) {
			released = true
		}
	}
	r.mu.Unlock()
	if released && r.onRelease != nil {
		r.onRelease()
	}
}

// Holders returns how many owners hold the lock in each mode (for tests and
// diagnostics).
func (l *Lock) Holders() (counting, exclusive int) {
	l.reg.mu.Lock()
	defer l.reg.mu.Unlock()
	return l.claimedCounting, l.claimedExcl
}

// Waiting returns how many requesters are queued on the lock.
func (l *Lock) Waiting() int {
	l.reg.mu.Lock()
	defer l.reg.mu.Unlock()
	return len(l.waiting)
}
