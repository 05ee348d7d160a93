package db

import "errors"

// ErrNotFound is wrapped by errors about a row that does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyCompleted is returned by CompleteTestResultSet for a set that is
// already complete (or missing).
var ErrAlreadyCompleted = errors.New("already completed")
