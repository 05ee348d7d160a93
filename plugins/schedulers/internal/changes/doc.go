// Package changes is how the change-driven schedulers follow the master's
// changes, after Buildbot's BaseScheduler.startConsumingChanges: the change
// filter (ChangeFilter), file importance (Files), the durable stream of
// changes from a cursor (Follow) and the scheduler's classified changes
// (Buildbot's scheduler_changes table, kept here in object state with the
// cursor so that a restart replays exactly what was not yet handled).
package changes
