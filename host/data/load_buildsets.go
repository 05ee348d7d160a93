package data

import (
	"context"
	"fmt"
)

// GetBuildset returns a buildset with its source stamps, or nil.
func (c *Connector) GetBuildset(ctx context.Context, id int64) (*Buildset, error) {
	return loadBuildset(ctx, c.db, id)
}

func loadBuildset(ctx context.Context, v view, id int64) (*Buildset, error) {
	bs, err := v.Buildsets().Get(ctx, id)
	if err != nil || bs == nil {
		return nil, wrapLoad("buildset", id, err)
	}
	sss, err := v.SourceStamps().ForBuildset(ctx, id)
	if err != nil {
		return nil, wrapLoad("buildset", id, err)
	}
	return buildsetFromRow(bs, sss), nil
}

// GetBuildsetsByIDs returns the buildsets with the given ids that exist,
// in the order of ids, with their source stamps.
func (c *Connector) GetBuildsetsByIDs(ctx context.Context, ids []int64) ([]*Buildset, error) {
	rows, err := c.db.Buildsets().GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load buildsets: %w", err)
	}
	var ssids []int64
	for _, bs := range rows {
		ssids = append(ssids, bs.SourceStampIDs...)
	}
	sss, err := c.db.SourceStamps().GetMany(ctx, ssids)
	if err != nil {
		return nil, fmt.Errorf("load buildsets: %w", err)
	}
	found := make(map[int64]*Buildset, len(rows))
	for id, bs := range rows {
		e := buildsetFromRow(bs, nil)
		for _, ssid := range bs.SourceStampIDs {
			if ss := sss[ssid]; ss != nil {
				e.SourceStamps = append(e.SourceStamps, sourceStampFromRow(ss))
			}
		}
		found[id] = e
	}
	return inOrder(ids, found), nil
}

// GetBuildsetProperties returns a buildset's properties.
func (c *Connector) GetBuildsetProperties(ctx context.Context, id int64) (SourcedProperties, error) {
	props, err := c.db.Buildsets().Properties(ctx, id)
	if err != nil {
		return nil, err
	}
	return sourcedFromRow(props), nil
}

// GetSourceStamp returns a source stamp, or nil.
func (c *Connector) GetSourceStamp(ctx context.Context, id int64) (*SourceStamp, error) {
	ss, err := c.db.SourceStamps().Get(ctx, id)
	if err != nil || ss == nil {
		return nil, wrapLoad("source stamp", id, err)
	}
	e := sourceStampFromRow(ss)
	return &e, nil
}
