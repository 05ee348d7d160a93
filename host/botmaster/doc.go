// Package botmaster owns the build engine of the master, after Buildbot's
// process/botmaster.py, builder.py, buildrequestdistributor.py, build.py and
// buildstep.py: the BotMaster service ("botmaster") with one Builder per
// builder block, the BuildRequestDistributor that matches pending build
// requests with available workers, the Collapser that supersedes older
// requests (collapse_requests), and the Build that runs a builder's steps on
// a worker's connection, with Buildbot's state strings, results, properties,
// logs, locks, stop, rebuild and cancel.
//
// The distributor is event-driven: it keeps the pending requests of its
// builders in memory (loaded once at start with one query, then maintained
// from buildrequests.* events) and only looks at the builders an event
// concerns (a new or unclaimed request, a worker that became available, a
// released lock), so its cost does not grow with the number of builders.
//
// Ordering: requests are taken by priority (higher first; Buildbot 3.7
// always stores 0, so by default this changes nothing), then submitted_at
// (oldest first, or newest first with next_build = "newest"), then id.
// Builders are served in the order of their best pending request, ties by
// name (Buildbot's default prioritizeBuilders).
package botmaster
