package data

import (
	"context"
	"fmt"
)

// GetStep returns a step, or nil.
func (c *Connector) GetStep(ctx context.Context, id int64) (*Step, error) {
	s, err := c.db.Steps().Get(ctx, id)
	if err != nil || s == nil {
		return nil, wrapLoad("step", id, err)
	}
	return stepFromRow(s), nil
}

// GetStepsByIDs returns the steps with the given ids that exist, in the
// order of ids.
func (c *Connector) GetStepsByIDs(ctx context.Context, ids []int64) ([]*Step, error) {
	rows, err := c.db.Steps().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load steps: %w", err)
	}
	found := make(map[int64]*Step, len(rows))
	for i := range rows {
		found[rows[i].ID] = stepFromRow(&rows[i])
	}
	return inOrder(ids, found), nil
}
