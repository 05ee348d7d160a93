// Package workers owns the WorkerManager (service "workers", Buildbot's
// worker/manager.py) and one worker service per `worker` block (Buildbot's
// worker/base.py AbstractWorker): the worker's row and its configured,
// connected and disconnected state in the database, its connection (a
// worker.Conn, the same for every worker kind, obtained from a
// ConnProvider), max_builds, properties, quarantine after failed
// preparations, and the pause, unpause, graceful stop and kill controls
// (control.worker.<id>.*).
//
// The botmaster learns about connections through a Listener: a worker that
// connects is attached to the builders that list it, one that is lost is
// detached and its running builds end RETRY.
package workers
