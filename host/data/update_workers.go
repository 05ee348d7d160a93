package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// FindWorkerID returns the id of the worker named name (an identifier of
// at most 50 characters), creating it when new.
func (c *Connector) FindWorkerID(ctx context.Context, name string) (int64, error) {
	return c.db.Workers().FindID(ctx, name)
}

// WorkerConfigured sets the builders a worker is configured for on a master
// (no event, as Buildbot).
func (c *Connector) WorkerConfigured(ctx context.Context, workerID, masterID int64, builderIDs []int64) error {
	return c.WorkersConfigured(ctx, masterID, map[int64][]int64{workerID: builderIDs})
}

// WorkersConfigured sets, in one transaction, the builders each worker of
// cfg (worker id → builder ids) is configured for on a master, writing only
// the difference.
func (c *Connector) WorkersConfigured(ctx context.Context, masterID int64, cfg map[int64][]int64) error {
	return c.db.Workers().Configured(ctx, masterID, cfg)
}

// DeconfigureAllWorkersForMaster removes every worker configuration of a
// master.
func (c *Connector) DeconfigureAllWorkersForMaster(ctx context.Context, masterID int64) error {
	return c.db.Workers().DeconfigureAllForMaster(ctx, masterID)
}

func (c *Connector) workerEvent(ctx context.Context, workerID int64, ev string, write func(tx *db.Tx) error) error {
	err := c.update(ctx, func(tx *db.Tx, evs *events) error {
		if err := write(tx); err != nil {
			return err
		}
		w, err := loadWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if w == nil {
			return fmt.Errorf("worker %d: %w", workerID, db.ErrNotFound)
		}
		evs.add(workerKey(workerID, ev), w)
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker %d %s: %w", workerID, ev, err)
	}
	return nil
}

// WorkerConnected records a worker connected to a master with the info it
// reported, and publishes workers.N.connected.
func (c *Connector) WorkerConnected(ctx context.Context, workerID, masterID int64, info map[string]any) error {
	return c.workerEvent(ctx, workerID, "connected", func(tx *db.Tx) error {
		return tx.Workers().Connected(ctx, workerID, masterID, info)
	})
}

// WorkerDisconnected records a worker's disconnection from a master and
// publishes workers.N.disconnected.
func (c *Connector) WorkerDisconnected(ctx context.Context, workerID, masterID int64) error {
	return c.workerEvent(ctx, workerID, "disconnected", func(tx *db.Tx) error {
		return tx.Workers().Disconnected(ctx, workerID, masterID)
	})
}

// SetWorkerState sets a worker's paused and graceful flags and publishes
// workers.N.state_updated.
func (c *Connector) SetWorkerState(ctx context.Context, workerID int64, paused, graceful bool) error {
	return c.workerEvent(ctx, workerID, "state_updated", func(tx *db.Tx) error {
		return tx.Workers().SetState(ctx, workerID, paused, graceful)
	})
}

// WorkerMissing publishes workers.N.missing (nothing is written): the
// worker, when it was last connected and whom to notify.
func (c *Connector) WorkerMissing(ctx context.Context, workerID, masterID int64, lastConnection string, notify []string) error {
	if notify == nil {
		notify = []string{}
	}
	return c.update(ctx, func(tx *db.Tx, ev *events) error {
		w, err := loadWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if w == nil {
			return fmt.Errorf("worker %d missing: %w", workerID, db.ErrNotFound)
		}
		ev.add(workerKey(workerID, "missing"), &WorkerMissingEvent{Worker: *w, LastConnection: lastConnection, Notify: notify})
		return nil
	})
}
