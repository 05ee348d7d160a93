package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

// logEvent runs a log update and publishes the log's event ev.
func (c *Connector) logEvent(ctx context.Context, ev string, write func(tx *db.Tx) (*db.Log, error)) (*db.Log, error) {
	var l *db.Log
	err := c.progress(ctx, func(tx *db.Tx, evs *events) error {
		var err error
		if l, err = write(tx); err != nil {
			return err
		}
		evs.log(logFromRow(l), ev)
		return nil
	})
	return l, err
}

// AddLog stores a log of a step ("s" stdio, "t" text, "h" html); its slug is
// the name as an identifier, made unique in the step with _2, _3… It
// publishes the log's new event and returns its id.
func (c *Connector) AddLog(ctx context.Context, stepID int64, name, typ string) (int64, error) {
	l, err := c.logEvent(ctx, "new", func(tx *db.Tx) (*db.Log, error) {
		return tx.Logs().Add(ctx, stepID, name, typ)
	})
	if err != nil {
		return 0, err
	}
	return l.ID, nil
}

// AppendLog stores complete lines at the end of a log (content ends with
// "\n"), compressed as configured (before the transaction), and publishes
// the log's append event (the log entity, without the text).
func (c *Connector) AppendLog(ctx context.Context, logID int64, content string) error {
	p, err := c.db.Logs().PrepareAppend([]byte(content), c.compression)
	if err != nil {
		return err
	}
	_, err = c.logEvent(ctx, "append", func(tx *db.Tx) (*db.Log, error) {
		l, _, err := tx.Logs().AppendPrepared(ctx, logID, p)
		return l, err
	})
	return err
}

// FinishLog marks a log complete and publishes its finished event.
func (c *Connector) FinishLog(ctx context.Context, logID int64) error {
	_, err := c.logEvent(ctx, "finished", func(tx *db.Tx) (*db.Log, error) {
		return tx.Logs().Finish(ctx, logID)
	})
	return err
}

// CompressLog merges a finished log's small chunks and returns the bytes
// saved.
func (c *Connector) CompressLog(ctx context.Context, logID int64) (int64, error) {
	var saved int64
	err := c.progress(ctx, func(tx *db.Tx, _ *events) error {
		var err error
		saved, err = tx.Logs().Compress(ctx, logID, c.compression, false)
		return err
	})
	return saved, err
}
