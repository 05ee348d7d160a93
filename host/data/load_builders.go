package data

import "context"

// GetBuilder returns a builder with its masters and tags, or nil.
func (c *Connector) GetBuilder(ctx context.Context, id int64) (*Builder, error) {
	return loadBuilder(ctx, c.db, id)
}

func loadBuilder(ctx context.Context, v view, id int64) (*Builder, error) {
	b, err := v.Builders().Get(ctx, id)
	if err != nil || b == nil {
		return nil, wrapLoad("builder", id, err)
	}
	return builderFromRow(b), nil
}
