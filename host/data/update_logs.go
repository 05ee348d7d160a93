package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

func (c *Connector) logEvent(l *db.Log, err error, ev string) error {
	if err != nil {
		return err
	}
	var evs events
	evs.log(logFromRow(l), ev)
	c.publish(evs)
	return nil
}

// AddLog stores a log of a step ("s" stdio, "t" text, "h" html); its slug is
// the name as an identifier, made unique in the step with _2, _3… It
// publishes the log's new event and returns its id.
func (c *Connector) AddLog(ctx context.Context, stepID int64, name, typ string) (int64, error) {
	l, err := c.db.Logs().Add(ctx, stepID, name, typ)
	if err := c.logEvent(l, err, "new"); err != nil {
		return 0, err
	}
	return l.ID, nil
}

// AppendLog stores complete lines at the end of a log (content ends with
// "\n"), compressed as configured, and publishes the log's append event
// (the log entity, without the text).
func (c *Connector) AppendLog(ctx context.Context, logID int64, content string) error {
	l, _, err := c.db.Logs().Append(ctx, logID, []byte(content), c.compression)
	return c.logEvent(l, err, "append")
}

// FinishLog marks a log complete and publishes its finished event.
func (c *Connector) FinishLog(ctx context.Context, logID int64) error {
	l, err := c.db.Logs().Finish(ctx, logID)
	return c.logEvent(l, err, "finished")
}

// CompressLog merges a finished log's small chunks and returns the bytes
// saved.
func (c *Connector) CompressLog(ctx context.Context, logID int64) (int64, error) {
	return c.db.Logs().Compress(ctx, logID, c.compression, false)
}
