package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

// AddTestResultSet stores an incomplete test result set of a step and
// publishes test_result_sets.N.new.
func (c *Connector) AddTestResultSet(ctx context.Context, builderID, buildID, stepID int64, description *string, category, valueUnit string) (int64, error) {
	var id int64
	err := c.progress(ctx, func(tx *db.Tx, ev *events) error {
		r, err := tx.TestResults().AddSet(ctx, builderID, buildID, stepID, description, category, valueUnit)
		if err != nil {
			return err
		}
		id = r.ID
		ev.add(testResultSetKey(r.ID, "new"), testResultSetFromRow(r))
		return nil
	})
	return id, err
}

// CompleteTestResultSet completes a set with its counts (nil: unknown) and
// publishes test_result_sets.N.completed; a set already complete is
// db.ErrAlreadyCompleted.
func (c *Connector) CompleteTestResultSet(ctx context.Context, setID int64, passed, failed *int) error {
	return c.progress(ctx, func(tx *db.Tx, ev *events) error {
		r, err := tx.TestResults().CompleteSet(ctx, setID, passed, failed)
		if err != nil {
			return err
		}
		ev.add(testResultSetKey(r.ID, "completed"), testResultSetFromRow(r))
		return nil
	})
}

// AddTestResults stores results of a set (no event, as Buildbot).
func (c *Connector) AddTestResults(ctx context.Context, builderID, setID int64, results []db.TestResultSpec) error {
	return c.progress(ctx, func(tx *db.Tx, _ *events) error {
		return tx.TestResults().AddResults(ctx, builderID, setID, results)
	})
}
