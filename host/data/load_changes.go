package data

import (
	"context"
	"fmt"
)

// GetChange returns a change with its source stamp, or nil.
func (c *Connector) GetChange(ctx context.Context, id int64) (*Change, error) {
	ch, err := c.db.Changes().Get(ctx, id)
	if err != nil || ch == nil {
		return nil, wrapLoad("change", id, err)
	}
	ss, err := c.db.SourceStamps().Get(ctx, ch.SourceStampID)
	if err != nil {
		return nil, wrapLoad("change", id, err)
	}
	return changeFromRow(ch, ss), nil
}

// GetChangesByIDs returns the changes with the given ids that exist, in
// the order of ids, in a few queries.
func (c *Connector) GetChangesByIDs(ctx context.Context, ids []int64) ([]*Change, error) {
	rows, err := c.db.Changes().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load changes: %w", err)
	}
	ssids := make([]int64, 0, len(rows))
	for _, ch := range rows {
		ssids = append(ssids, ch.SourceStampID)
	}
	sss, err := c.db.SourceStamps().GetMany(ctx, ssids)
	if err != nil {
		return nil, fmt.Errorf("load changes: %w", err)
	}
	found := make(map[int64]*Change, len(rows))
	for id, ch := range rows {
		found[id] = changeFromRow(ch, sss[ch.SourceStampID])
	}
	return inOrder(ids, found), nil
}
