package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

func (c *Connector) stepEvent(s *db.Step, err error, ev string) error {
	if err != nil {
		return err
	}
	var evs events
	evs.step(stepFromRow(s), ev)
	c.publish(evs)
	return nil
}

// AddStep stores a pending step of a build, numbered after the last one; a
// name already used in the build becomes name_1, name_2… It publishes the
// step's new event and returns its id, number and final name.
func (c *Connector) AddStep(ctx context.Context, buildID int64, name string) (stepID int64, number int, finalName string, err error) {
	s, err := c.db.Steps().Add(ctx, buildID, name, "pending")
	if err := c.stepEvent(s, err, "new"); err != nil {
		return 0, 0, "", err
	}
	return s.ID, s.Number, s.Name, nil
}

// StartStep sets a step's start time to now and publishes its started
// event.
func (c *Connector) StartStep(ctx context.Context, stepID int64) error {
	s, err := c.db.Steps().Start(ctx, stepID, c.now())
	return c.stepEvent(s, err, "started")
}

// SetStepStateString sets a step's state string and publishes its updated
// event.
func (c *Connector) SetStepStateString(ctx context.Context, stepID int64, state string) error {
	s, err := c.db.Steps().SetStateString(ctx, stepID, state)
	return c.stepEvent(s, err, "updated")
}

// AddStepURL adds a link to a step (once) and publishes its updated event.
func (c *Connector) AddStepURL(ctx context.Context, stepID int64, name, url string) error {
	s, err := c.db.Steps().AddURL(ctx, stepID, name, url)
	return c.stepEvent(s, err, "updated")
}

// FinishStep completes a step with result and visibility and publishes
// its finished event.
func (c *Connector) FinishStep(ctx context.Context, stepID int64, result int, hidden bool) error {
	s, err := c.db.Steps().Finish(ctx, stepID, result, hidden, c.now())
	return c.stepEvent(s, err, "finished")
}
