// Package runner executes Buildbot's remote commands (shell, uploadFile,
// uploadDirectory, downloadFile, mkdir, rmdir, cpdir, stat, glob, listdir,
// rmfile) on the local machine, the way buildbot-worker 3.7 does, and reports
// their progress through a worker.Sink.
//
// A Runner is what the `local` worker plugin serves and what tests run
// in-process through Runner.Conn. It owns the commands it runs: each Run
// returns only after its process group is gone (or, for a process that
// survives SIGKILL, after Buildbot's backup timeout), and Interrupt stops a
// running command as the worker's interrupt_command does.
//
// Output follows the worker's line and buffering rules: stdout, stderr,
// header and logfile text is delivered in whole lines (partial lines are held
// until their newline or the end of the command, over-long lines are cut at
// Options.MaxLineLength, "\r\n", lone "\r", backspaces and some cursor
// escapes become line breaks), and consecutive chunks of one stream are
// coalesced until Options.BufferSize bytes or Options.BufferTimeout, so a
// command printing hundreds of megabytes costs few Sink.Update calls and a
// bounded amount of memory.
package runner
