package data

import "github.com/bbhost/bbhost/host/db"

// view is what loaders read through: the database (reader pool) or a
// transaction (which sees its own writes). *db.DB and *db.Tx both are one.
type view interface {
	Masters() db.Masters
	Builders() db.Builders
	Workers() db.Workers
	Changes() db.Changes
	SourceStamps() db.SourceStamps
	Buildsets() db.Buildsets
	BuildRequests() db.BuildRequests
	Builds() db.Builds
	Steps() db.Steps
	Logs() db.Logs
	Schedulers() db.Schedulers
	ChangeSources() db.ChangeSources
	TestResults() db.TestResults
}

var (
	_ view = (*db.DB)(nil)
	_ view = (*db.Tx)(nil)
)

// inOrder returns the entities of ids that were found, in the order of ids.
func inOrder[T any](ids []int64, found map[int64]*T) []*T {
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		if e, ok := found[id]; ok {
			out = append(out, e)
		}
	}
	return out
}
