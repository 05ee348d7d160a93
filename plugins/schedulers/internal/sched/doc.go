// Package sched is what every scheduler kind of the plugin shares, after
// Buildbot's BaseScheduler (schedulers/base.py): the scheduler's own
// properties, its codebases and the rules that turn source stamps or
// changes into a buildset (addBuildsetForSourceStampsWithDefaults and
// addBuildsetForChanges), and the instance lifecycle (a context that Stop
// cancels and the goroutines it waits for).
package sched
