package data

import (
	"context"
	"fmt"
)

// GetBuildRequest returns a build request, or nil.
func (c *Connector) GetBuildRequest(ctx context.Context, id int64) (*BuildRequest, error) {
	br, err := c.db.BuildRequests().Get(ctx, id)
	if err != nil || br == nil {
		return nil, wrapLoad("build request", id, err)
	}
	return buildRequestFromRow(br), nil
}

// GetBuildRequestsByIDs returns the build requests with the given ids that
// exist, in the order of ids.
func (c *Connector) GetBuildRequestsByIDs(ctx context.Context, ids []int64) ([]*BuildRequest, error) {
	rows, err := c.db.BuildRequests().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load build requests: %w", err)
	}
	found := make(map[int64]*BuildRequest, len(rows))
	for i := range rows {
		found[rows[i].ID] = buildRequestFromRow(&rows[i])
	}
	return inOrder(ids, found), nil
}
