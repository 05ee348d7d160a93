package data

import (
	"context"
	"fmt"
)

// GetLog returns a log, or nil.
func (c *Connector) GetLog(ctx context.Context, id int64) (*Log, error) {
	l, err := c.db.Logs().Get(ctx, id)
	if err != nil || l == nil {
		return nil, wrapLoad("log", id, err)
	}
	return logFromRow(l), nil
}

// GetLogsByIDs returns the logs with the given ids that exist, in the
// order of ids.
func (c *Connector) GetLogsByIDs(ctx context.Context, ids []int64) ([]*Log, error) {
	rows, err := c.db.Logs().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load logs: %w", err)
	}
	found := make(map[int64]*Log, len(rows))
	for i := range rows {
		found[rows[i].ID] = logFromRow(&rows[i])
	}
	return inOrder(ids, found), nil
}
