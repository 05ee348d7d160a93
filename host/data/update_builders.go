package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// FindBuilderID returns the id of the builder named name, creating it when
// new.
func (c *Connector) FindBuilderID(ctx context.Context, name string) (int64, error) {
	return c.db.Builders().FindID(ctx, name)
}

// UpdateBuilderInfo sets a builder's description, tags and project and
// publishes builders.N.update.
func (c *Connector) UpdateBuilderInfo(ctx context.Context, builderID int64, info db.BuilderInfo) error {
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		b, err := tx.Builders().UpdateInfo(ctx, builderID, info)
		if err != nil {
			return err
		}
		ev.add(builderKey(builderID, "update"), builderFromRow(b))
		return nil
	})
	if err != nil {
		return fmt.Errorf("update builder %d info: %w", builderID, err)
	}
	return nil
}

// UpdateBuilderList makes the builders of masterID exactly builders, in one
// transaction that writes only what changed: new builders and tags are
// created, links to the master added and removed (builders.N.started and
// builders.N.stopped, as Buildbot's updateBuilderList publishes), and a
// builder whose description, tags or project changed is rewritten
// (builders.N.update). It returns every configured builder's id by name.
func (c *Connector) UpdateBuilderList(ctx context.Context, masterID int64, builders []db.BuilderSpec) (map[string]int64, error) {
	var ids map[string]int64
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		res, err := tx.Builders().UpdateList(ctx, masterID, builders)
		if err != nil {
			return err
		}
		ids = res.IDs
		for _, l := range res.Stopped {
			ev.add(builderKey(l.BuilderID, "stopped"), &BuilderMasterEvent{BuilderID: l.BuilderID, MasterID: l.MasterID, Name: l.Name})
		}
		for _, l := range res.Started {
			ev.add(builderKey(l.BuilderID, "started"), &BuilderMasterEvent{BuilderID: l.BuilderID, MasterID: l.MasterID, Name: l.Name})
		}
		for i := range res.Updated {
			ev.add(builderKey(res.Updated[i].ID, "update"), builderFromRow(&res.Updated[i]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// FindProjectID returns the id of the project named name, creating it when
// new.
func (c *Connector) FindProjectID(ctx context.Context, name string) (int64, error) {
	return c.db.Projects().FindID(ctx, name)
}

// UpdateProjectInfo sets a project's slug and description.
func (c *Connector) UpdateProjectInfo(ctx context.Context, p db.Project) error {
	return c.db.Projects().UpdateInfo(ctx, p)
}
