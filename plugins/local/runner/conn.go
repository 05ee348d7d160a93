package runner

import (
	"context"

	"github.com/bbhost/bbhost/sdk/worker"
)

// Conn returns the Runner as a worker.Conn, so a master can run commands
// in-process (tests, or a local worker without a plugin process). Info is
// taken once, when Conn is called, as a worker reports it when it connects.
func (r *Runner) Conn() worker.Conn {
	return &conn{r: r, info: r.Info()}
}

type conn struct {
	r    *Runner
	info worker.Info
}

var _ worker.Conn = (*conn)(nil)

func (c *conn) Info() worker.Info { return c.info }

func (c *conn) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	return c.r.Run(ctx, cmd, sink)
}

func (c *conn) Interrupt(ctx context.Context, commandID, why string) error {
	return c.r.Interrupt(commandID, why)
}
