package data

import (
	"context"
	"fmt"
)

// GetMaster returns a master, or nil.
func (c *Connector) GetMaster(ctx context.Context, id int64) (*Master, error) {
	return loadMaster(ctx, c.db, id)
}

func loadMaster(ctx context.Context, v view, id int64) (*Master, error) {
	m, err := v.Masters().Get(ctx, id)
	if err != nil || m == nil {
		return nil, wrapLoad("master", id, err)
	}
	return masterFromRow(m), nil
}

// GetMasters returns every master, by id.
func (c *Connector) GetMasters(ctx context.Context) ([]*Master, error) {
	rows, err := c.db.Masters().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("load masters: %w", err)
	}
	out := make([]*Master, len(rows))
	for i := range rows {
		out[i] = masterFromRow(&rows[i])
	}
	return out, nil
}

// wrapLoad adds context to a loader's error (nil stays nil).
func wrapLoad(what string, id int64, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("load %s %d: %w", what, id, err)
}
