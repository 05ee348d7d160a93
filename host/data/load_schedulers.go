package data

import "context"

// GetScheduler returns a scheduler with the master it is active on, or
// nil.
func (c *Connector) GetScheduler(ctx context.Context, id int64) (*Scheduler, error) {
	return loadScheduler(ctx, c.db, id)
}

func loadScheduler(ctx context.Context, v view, id int64) (*Scheduler, error) {
	s, err := v.Schedulers().Get(ctx, id)
	if err != nil || s == nil {
		return nil, wrapLoad("scheduler", id, err)
	}
	e := &Scheduler{SchedulerID: s.ID, Name: s.Name, Enabled: s.Enabled}
	if s.MasterID != nil {
		if e.Master, err = loadMaster(ctx, v, *s.MasterID); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// GetChangeSource returns a change source with the master it is active on,
// or nil.
func (c *Connector) GetChangeSource(ctx context.Context, id int64) (*ChangeSource, error) {
	s, err := c.db.ChangeSources().Get(ctx, id)
	if err != nil || s == nil {
		return nil, wrapLoad("change source", id, err)
	}
	e := &ChangeSource{ChangeSourceID: s.ID, Name: s.Name}
	if s.MasterID != nil {
		if e.Master, err = loadMaster(ctx, c.db, *s.MasterID); err != nil {
			return nil, err
		}
	}
	return e, nil
}
