package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

// AddTestResultSet stores an incomplete test result set of a step and
// publishes test_result_sets.N.new.
func (c *Connector) AddTestResultSet(ctx context.Context, builderID, buildID, stepID int64, description *string, category, valueUnit string) (int64, error) {
	r, err := c.db.TestResults().AddSet(ctx, builderID, buildID, stepID, description, category, valueUnit)
	if err != nil {
		return 0, err
	}
	c.mq.Produce(testResultSetKey(r.ID, "new"), testResultSetFromRow(r))
	return r.ID, nil
}

// CompleteTestResultSet completes a set with its counts (nil: unknown) and
// publishes test_result_sets.N.completed; a set already complete is
// db.ErrAlreadyCompleted.
func (c *Connector) CompleteTestResultSet(ctx context.Context, setID int64, passed, failed *int) error {
	r, err := c.db.TestResults().CompleteSet(ctx, setID, passed, failed)
	if err != nil {
		return err
	}
	c.mq.Produce(testResultSetKey(r.ID, "completed"), testResultSetFromRow(r))
	return nil
}

// AddTestResults stores results of a set (no event, as Buildbot).
func (c *Connector) AddTestResults(ctx context.Context, builderID, setID int64, results []db.TestResultSpec) error {
	return c.db.TestResults().AddResults(ctx, builderID, setID, results)
}
