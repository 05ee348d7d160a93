package data

import "context"

// GetTestResultSet returns a test result set, or nil.
func (c *Connector) GetTestResultSet(ctx context.Context, id int64) (*TestResultSet, error) {
	r, err := c.db.TestResults().GetSet(ctx, id)
	if err != nil || r == nil {
		return nil, wrapLoad("test result set", id, err)
	}
	return testResultSetFromRow(r), nil
}
