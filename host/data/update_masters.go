package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// ExpireSeconds is how long a master may go without a heartbeat before the
// others consider it dead (Buildbot's EXPIRE_MINUTES = 10).
const ExpireSeconds = 10 * 60

// FindMasterID returns the id of the master named name, creating its row
// (inactive) when new.
func (c *Connector) FindMasterID(ctx context.Context, name string) (int64, error) {
	return c.db.Masters().FindID(ctx, name)
}

// MasterActive marks a master active and refreshes its heartbeat; it
// publishes masters.N.started when the master was inactive.
func (c *Connector) MasterActive(ctx context.Context, name string, masterID int64) error {
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		m, flipped, err := tx.Masters().SetState(ctx, masterID, true)
		if err != nil || m == nil || !flipped {
			return err
		}
		ev.add(masterKey(masterID, "started"), masterFromRow(m))
		return nil
	})
	if err != nil {
		return fmt.Errorf("master %s active: %w", name, err)
	}
	return nil
}

// MasterStopped marks a master inactive; when it was active, its
// housekeeping runs (see ExpireMasters) and masters.N.stopped is published.
func (c *Connector) MasterStopped(ctx context.Context, name string, masterID int64) error {
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		m, flipped, err := tx.Masters().SetState(ctx, masterID, false)
		if err != nil || m == nil || !flipped {
			return err
		}
		if err := c.housekeeping(ctx, tx, ev, masterID); err != nil {
			return err
		}
		ev.add(masterKey(masterID, "stopped"), masterFromRow(m))
		return nil
	})
	if err != nil {
		return fmt.Errorf("master %s stopped: %w", name, err)
	}
	return nil
}

// ExpireMasters deactivates the masters whose last heartbeat is older than
// ExpireSeconds and runs their housekeeping, one transaction per master;
// with forceHouseKeeping, the housekeeping also runs for expired masters
// already inactive (done at start-up). Housekeeping of master M finishes
// its running builds, their unfinished steps and open logs as RETRY,
// deletes M's claims on incomplete build requests (so any master can run
// them again: Buildbot used the caller's id here and left them claimed),
// M's builder, scheduler and change source links, the workers configured
// on M and the connections to M.
func (c *Connector) ExpireMasters(ctx context.Context, forceHouseKeeping bool) error {
	masters, err := c.db.Masters().List(ctx)
	if err != nil {
		return fmt.Errorf("expire masters: %w", err)
	}
	tooOld := c.now() - ExpireSeconds
	for _, m := range masters {
		if m.LastActive >= tooOld {
			continue
		}
		err := c.update(ctx, func(tx *db.Tx, ev *events) error {
			row, flipped, err := tx.Masters().SetState(ctx, m.ID, false)
			if err != nil || row == nil || (!flipped && !forceHouseKeeping) {
				return err
			}
			if err := c.housekeeping(ctx, tx, ev, m.ID); err != nil {
				return err
			}
			if flipped {
				ev.add(masterKey(m.ID, "stopped"), masterFromRow(row))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("expire master %d (%s): %w", m.ID, m.Name, err)
		}
		c.log.Info("did housekeeping for master", "masterid", m.ID, "name", m.Name)
	}
	return nil
}

// housekeeping cleans up after a stopped or dead master (Buildbot's
// _masterDeactivatedHousekeeping, with the claims pitfall fixed).
func (c *Connector) housekeeping(ctx context.Context, tx *db.Tx, ev *events, masterID int64) error {
	if err := tx.Workers().DeconfigureAllForMaster(ctx, masterID); err != nil {
		return err
	}
	res, err := tx.Builders().UpdateList(ctx, masterID, nil)
	if err != nil {
		return err
	}
	for _, l := range res.Stopped {
		ev.add(builderKey(l.BuilderID, "stopped"), &BuilderMasterEvent{BuilderID: l.BuilderID, MasterID: l.MasterID, Name: l.Name})
	}
	if _, err := tx.Schedulers().UnclaimAllForMaster(ctx, masterID); err != nil {
		return err
	}
	if _, err := tx.ChangeSources().UnclaimAllForMaster(ctx, masterID); err != nil {
		return err
	}
	builds, err := tx.Builds().Running(ctx, masterID)
	if err != nil {
		return err
	}
	now := c.now()
	for _, b := range builds {
		steps, err := tx.Steps().List(ctx, b.ID)
		if err != nil {
			return err
		}
		for _, s := range steps {
			if s.Results != nil {
				continue
			}
			logs, err := tx.Logs().Open(ctx, s.ID)
			if err != nil {
				return err
			}
			for _, l := range logs {
				done, err := tx.Logs().Finish(ctx, l.ID)
				if err != nil {
					return err
				}
				ev.log(logFromRow(done), "finished")
			}
			done, err := tx.Steps().Finish(ctx, s.ID, results.Retry, false, now)
			if err != nil {
				return err
			}
			ev.step(stepFromRow(done), "finished")
		}
		done, err := tx.Builds().Finish(ctx, b.ID, results.Retry, now)
		if err != nil {
			return err
		}
		ev.build(buildFromRow(done), "finished")
	}
	freed, err := tx.BuildRequests().UnclaimAllForMaster(ctx, masterID)
	if err != nil {
		return err
	}
	for i := range freed {
		ev.buildRequest(buildRequestFromRow(&freed[i]), "unclaimed")
	}
	workers, err := tx.Workers().DisconnectAllForMaster(ctx, masterID)
	if err != nil {
		return err
	}
	for _, wid := range workers {
		w, err := loadWorker(ctx, tx, wid)
		if err != nil {
			return err
		}
		if w != nil {
			ev.add(workerKey(wid, "disconnected"), w)
		}
	}
	return nil
}
