package plugins

import (
	"context"
	"fmt"
	"sync"

	"github.com/bbhost/bbhost/sdk/worker"
)

// workerConn is the worker.Conn the build engine holds for a plugin
// worker. It stays the same across a hot swap: new commands go to the
// instance in the new process while commands already running finish in the
// old one (which is stopped once they have).
type workerConn struct {
	mu      sync.Mutex
	cur     worker.Instance
	running map[worker.Instance]int
	cmds    map[string]worker.Instance
	changed chan struct{}
}

func newWorkerConn() *workerConn {
	return &workerConn{running: map[worker.Instance]int{}, cmds: map[string]worker.Instance{}, changed: make(chan struct{})}
}

var _ worker.Conn = (*workerConn)(nil)

// set makes w receive new commands (nil: none until the next set).
func (c *workerConn) set(w worker.Instance) {
	c.mu.Lock()
	c.cur = w
	c.mu.Unlock()
}

func (c *workerConn) Info() worker.Info {
	c.mu.Lock()
	w := c.cur
	c.mu.Unlock()
	if w == nil {
		return worker.Info{}
	}
	return w.Conn().Info()
}

func (c *workerConn) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	c.mu.Lock()
	w := c.cur
	if w == nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: the worker's plugin is not running", worker.ErrConnectionLost)
	}
	c.running[w]++
	c.cmds[cmd.ID] = w
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running[w]--
		if c.running[w] == 0 {
			delete(c.running, w)
		}
		if c.cmds[cmd.ID] == w {
			delete(c.cmds, cmd.ID)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}()
	return w.Conn().RunCommand(ctx, cmd, sink)
}

func (c *workerConn) Interrupt(ctx context.Context, commandID, why string) error {
	c.mu.Lock()
	w, ok := c.cmds[commandID]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return w.Conn().Interrupt(ctx, commandID, why)
}

// drain waits until no command runs on w, or ctx ends.
func (c *workerConn) drain(ctx context.Context, w worker.Instance) error {
	for {
		c.mu.Lock()
		n := c.running[w]
		ch := c.changed
		c.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
