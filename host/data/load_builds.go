package data

import (
	"context"
	"fmt"
)

// GetBuild returns a build (without properties), or nil.
func (c *Connector) GetBuild(ctx context.Context, id int64) (*Build, error) {
	b, err := c.db.Builds().Get(ctx, id)
	if err != nil || b == nil {
		return nil, wrapLoad("build", id, err)
	}
	return buildFromRow(b), nil
}

// GetBuildByNumber returns a builder's build by number, or nil.
func (c *Connector) GetBuildByNumber(ctx context.Context, builderID, number int64) (*Build, error) {
	b, err := c.db.Builds().GetByNumber(ctx, builderID, number)
	if err != nil || b == nil {
		return nil, wrapLoad("build number", number, err)
	}
	return buildFromRow(b), nil
}

// GetBuildsByIDs returns the builds with the given ids that exist, in the
// order of ids.
func (c *Connector) GetBuildsByIDs(ctx context.Context, ids []int64) ([]*Build, error) {
	rows, err := c.db.Builds().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load builds: %w", err)
	}
	found := make(map[int64]*Build, len(rows))
	for i := range rows {
		found[rows[i].ID] = buildFromRow(&rows[i])
	}
	return inOrder(ids, found), nil
}

// GetBuildProperties returns a build's properties.
func (c *Connector) GetBuildProperties(ctx context.Context, id int64) (SourcedProperties, error) {
	props, err := c.db.Builds().Properties(ctx, id)
	if err != nil {
		return nil, wrapLoad("build properties", id, err)
	}
	return sourcedFromRow(props), nil
}
