// Package worker is the worker plugin kind: components that run Buildbot's
// remote commands (shell, uploadFile, downloadFile, mkdir, rmdir, stat, glob,
// listdir, cpdir, rmfile) for the master's builds. Conn is the one command
// channel every worker kind offers the master, whether it is a plugin process,
// a latent worker, or a buildbot-worker connected over msgpack or PB.
package worker
