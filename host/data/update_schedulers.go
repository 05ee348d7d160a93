package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// FindSchedulerID returns the id of the scheduler named name, creating it
// (enabled) when new.
func (c *Connector) FindSchedulerID(ctx context.Context, name string) (int64, error) {
	return c.db.Schedulers().FindID(ctx, name)
}

// TrySetSchedulerMaster makes masterID the master the scheduler is active
// on (0: none); it returns false when another master holds it.
func (c *Connector) TrySetSchedulerMaster(ctx context.Context, schedulerID, masterID int64) (bool, error) {
	return c.db.Schedulers().SetMaster(ctx, schedulerID, optionalID(masterID))
}

// SchedulerEnable enables or disables a scheduler and publishes
// schedulers.N.updated.
func (c *Connector) SchedulerEnable(ctx context.Context, schedulerID int64, enabled bool) error {
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		if _, err := tx.Schedulers().Enable(ctx, schedulerID, enabled); err != nil {
			return err
		}
		s, err := loadScheduler(ctx, tx, schedulerID)
		if err != nil {
			return err
		}
		ev.add(schedulerKey(schedulerID, "updated"), s)
		return nil
	})
	if err != nil {
		return fmt.Errorf("enable scheduler %d: %w", schedulerID, err)
	}
	return nil
}

// ClassifyChanges records whether each change (id → important) matters to
// a scheduler, for its tree-stable timer.
func (c *Connector) ClassifyChanges(ctx context.Context, schedulerID int64, classifications map[int64]bool) error {
	return c.db.Schedulers().ClassifyChanges(ctx, schedulerID, classifications)
}

// GetChangeClassifications returns a scheduler's classified changes (id →
// important), restricted by f.
func (c *Connector) GetChangeClassifications(ctx context.Context, schedulerID int64, f db.ClassificationFilter) (map[int64]bool, error) {
	return c.db.Schedulers().ChangeClassifications(ctx, schedulerID, f)
}

// FlushChangeClassifications forgets a scheduler's classified changes
// (those below lessThan when it is not 0).
func (c *Connector) FlushChangeClassifications(ctx context.Context, schedulerID, lessThan int64) error {
	return c.db.Schedulers().FlushChangeClassifications(ctx, schedulerID, lessThan)
}

// FindChangeSourceID returns the id of the change source named name,
// creating it when new.
func (c *Connector) FindChangeSourceID(ctx context.Context, name string) (int64, error) {
	return c.db.ChangeSources().FindID(ctx, name)
}

// TrySetChangeSourceMaster makes masterID the master the change source is
// active on (0: none); it returns false when another master holds it.
func (c *Connector) TrySetChangeSourceMaster(ctx context.Context, changeSourceID, masterID int64) (bool, error) {
	return c.db.ChangeSources().SetMaster(ctx, changeSourceID, optionalID(masterID))
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
