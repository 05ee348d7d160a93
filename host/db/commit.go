package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Batched commits (SQLite with Options.CommitDelay > 0).
//
// A commit costs more than the few statements of a typical update (it
// writes every touched page to the WAL), and a build makes a couple of
// dozen small updates. In batched mode, non-durable transactions (TxThen
// with durable false: build, step and log progress) run inside one open
// SQLite transaction, each in its own savepoint, and are committed together
// at most CommitDelay after the first of them — or earlier, by a durable
// transaction (every Tx), a read on the reader pool (so reads see every
// write made before them), maxBatch pending transactions, Flush or Close.
// The after-commit functions of all transactions run in commit order on
// the connector's publisher goroutine. A process crash can lose the
// non-durable transactions of the last CommitDelay, all or none of each.

// maxBatch bounds the transactions committed together.
const maxBatch = 1000

// batcher is the open batch; its fields are guarded by DB.wmu, except
// pending (read without the lock by the read barrier).
type batcher struct {
	delay   time.Duration
	open    bool
	ops     int
	afters  []func()
	timer   *time.Timer
	armed   bool
	pending atomic.Bool
	pub     *publisher
}

// publisher runs after-commit functions in order, on one goroutine owned by
// the connector (started by Open, stopped by Close).
type publisher struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []func()
	closed bool
	done   chan struct{}
	onErr  func(p any)
}

func newPublisher(onPanic func(p any)) *publisher {
	p := &publisher{done: make(chan struct{}), onErr: onPanic}
	p.cond = sync.NewCond(&p.mu)
	go p.run()
	return p
}

func (p *publisher) push(fns []func()) {
	if len(fns) == 0 {
		return
	}
	p.mu.Lock()
	p.queue = append(p.queue, fns...)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *publisher) run() {
	defer close(p.done)
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		fns := p.queue
		p.queue = nil
		closed := p.closed
		p.mu.Unlock()
		for _, fn := range fns {
			p.call(fn)
		}
		if closed && len(fns) == 0 {
			return
		}
	}
}

func (p *publisher) call(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			p.onErr(r)
		}
	}()
	fn()
}

// close runs what is queued and stops the goroutine.
func (p *publisher) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Signal()
	<-p.done
}

// TxThen runs fn in a write transaction like Tx and, once it has committed,
// runs after (when not nil). Without batching (PostgreSQL, or CommitDelay
// 0) that is Tx followed by after on the caller's goroutine. With batching,
// a non-durable transaction may commit up to CommitDelay later, with
// others, and after runs then on the publisher goroutine; a durable one
// commits before TxThen returns (with every pending one).
func (d *DB) TxThen(ctx context.Context, durable bool, fn func(tx *Tx) error, after func()) error {
	if d.batch == nil {
		if err := d.Tx(ctx, fn); err != nil {
			return err
		}
		if after != nil {
			after()
		}
		return nil
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = d.txBatched(ctx, durable, fn, after)
		if err == nil || !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

// Batched reports whether non-durable transactions are batched.
func (d *DB) Batched() bool { return d.batch != nil }

func (d *DB) txBatched(ctx context.Context, durable bool, fn func(tx *Tx) error, after func()) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := d.batch
	var publish []func()
	d.wmu.Lock()
	defer func() {
		d.wmu.Unlock()
		b.pub.push(publish)
	}()
	if d.closed.Load() {
		return errors.New("database is closed")
	}
	sctx := context.WithoutCancel(ctx)
	if !b.open {
		if _, err := d.txc.begin.ExecContext(sctx); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		b.open = true
		b.pending.Store(true)
	}
	if _, err := d.txc.savepoint.ExecContext(sctx); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	done := false
	defer func() {
		if done {
			return
		}
		// Undo this transaction only; the batch keeps the others.
		_, _ = d.txc.rollbackTo.ExecContext(sctx)
		_, _ = d.txc.release.ExecContext(sctx)
		if b.ops == 0 {
			_, _ = d.txc.rollback.ExecContext(sctx)
			b.open = false
			b.pending.Store(false)
		}
	}()
	if err = fn(&Tx{q: d.wconn, db: d}); err != nil {
		return err
	}
	if _, err = d.txc.release.ExecContext(sctx); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	done = true
	b.ops++
	if after != nil {
		b.afters = append(b.afters, after)
	}
	if durable || b.ops >= maxBatch {
		publish, err = d.commitLocked(sctx)
		return err
	}
	if !b.armed {
		if b.timer == nil {
			b.timer = time.AfterFunc(b.delay, d.flushTimer)
		} else {
			b.timer.Reset(b.delay)
		}
		b.armed = true
	}
	return nil
}

// commitLocked commits the open batch (d.wmu held) and returns the
// after-commit functions to publish.
func (d *DB) commitLocked(ctx context.Context) ([]func(), error) {
	b := d.batch
	if !b.open {
		return nil, nil
	}
	b.open = false
	b.pending.Store(false)
	if b.timer != nil {
		b.timer.Stop()
	}
	b.armed = false
	afters, n := b.afters, b.ops
	b.afters, b.ops = nil, 0
	if _, err := d.txc.commit.ExecContext(ctx); err != nil {
		_, _ = d.txc.rollback.ExecContext(ctx)
		d.log.Error("commit of batched transactions failed; their changes are lost", "transactions", n, "error", err)
		return nil, fmt.Errorf("commit: %w", err)
	}
	return afters, nil
}

// Flush commits the pending non-durable transactions (a no-op without
// batching or when none is pending).
func (d *DB) Flush(ctx context.Context) error {
	b := d.batch
	if b == nil || !b.pending.Load() {
		return nil
	}
	d.wmu.Lock()
	publish, err := d.commitLocked(context.WithoutCancel(ctx))
	d.wmu.Unlock()
	b.pub.push(publish)
	return err
}

func (d *DB) flushTimer() {
	if err := d.Flush(context.Background()); err != nil {
		d.log.Error("timed commit failed", "error", err)
	}
}

// barrierWait bounds how long a read waits for the writer to commit the
// pending batch.
const barrierWait = 100 * time.Millisecond

// readBarrier makes a read on the reader pool see every write made before
// it: it commits a pending batch first. When a transaction holds the writer
// it waits for it (the batch is then committed by whoever comes next), but
// not forever: a read made by a transaction function itself, through *DB
// instead of its *Tx, must not wait for its own commit.
func (d *DB) readBarrier(ctx context.Context) {
	b := d.batch
	if b == nil || !b.pending.Load() {
		return
	}
	deadline := time.Now().Add(barrierWait)
	for {
		if d.wmu.TryLock() {
			publish, err := d.commitLocked(context.WithoutCancel(ctx))
			d.wmu.Unlock()
			b.pub.push(publish)
			if err != nil {
				d.log.Error("commit before read failed", "error", err)
			}
			return
		}
		if !b.pending.Load() {
			return
		}
		if time.Now().After(deadline) {
			d.log.Warn("read while the writer stays busy: it may miss batched writes (a read through *DB inside a transaction function?)")
			return
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// AfterCommits runs fn after the after-commit functions of every
// transaction committed so far: at once without batching, else queued on
// the publisher goroutine. Update methods use it to publish events that
// belong to no transaction of their own in commit order.
func (d *DB) AfterCommits(fn func()) {
	if d.batch == nil {
		fn()
		return
	}
	d.batch.pub.push([]func(){fn})
}
