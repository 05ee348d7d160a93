package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

// stepEvent runs a step update and publishes the step's event ev.
func (c *Connector) stepEvent(ctx context.Context, ev string, write func(tx *db.Tx) (*db.Step, error)) (*db.Step, error) {
	var s *db.Step
	err := c.progress(ctx, func(tx *db.Tx, evs *events) error {
		var err error
		if s, err = write(tx); err != nil {
			return err
		}
		evs.step(stepFromRow(s), ev)
		return nil
	})
	return s, err
}

// AddStep stores a pending step of a build, numbered after the last one; a
// name already used in the build becomes name_1, name_2… It publishes the
// step's new event and returns its id, number and final name.
func (c *Connector) AddStep(ctx context.Context, buildID int64, name string) (stepID int64, number int, finalName string, err error) {
	s, err := c.stepEvent(ctx, "new", func(tx *db.Tx) (*db.Step, error) {
		return tx.Steps().Add(ctx, buildID, name, "pending")
	})
	if err != nil {
		return 0, 0, "", err
	}
	return s.ID, s.Number, s.Name, nil
}

// StartStep sets a step's start time to now and publishes its started
// event.
func (c *Connector) StartStep(ctx context.Context, stepID int64) error {
	now := c.now()
	_, err := c.stepEvent(ctx, "started", func(tx *db.Tx) (*db.Step, error) {
		return tx.Steps().Start(ctx, stepID, now)
	})
	return err
}

// SetStepStateString sets a step's state string and publishes its updated
// event.
func (c *Connector) SetStepStateString(ctx context.Context, stepID int64, state string) error {
	_, err := c.stepEvent(ctx, "updated", func(tx *db.Tx) (*db.Step, error) {
		return tx.Steps().SetStateString(ctx, stepID, state)
	})
	return err
}

// AddStepURL adds a link to a step (once) and publishes its updated event.
func (c *Connector) AddStepURL(ctx context.Context, stepID int64, name, url string) error {
	_, err := c.stepEvent(ctx, "updated", func(tx *db.Tx) (*db.Step, error) {
		return tx.Steps().AddURL(ctx, stepID, name, url)
	})
	return err
}

// FinishStep completes a step with result and visibility and publishes
// its finished event.
func (c *Connector) FinishStep(ctx context.Context, stepID int64, result int, hidden bool) error {
	now := c.now()
	_, err := c.stepEvent(ctx, "finished", func(tx *db.Tx) (*db.Step, error) {
		return tx.Steps().Finish(ctx, stepID, result, hidden, now)
	})
	return err
}
