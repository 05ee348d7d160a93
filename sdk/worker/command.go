package worker

import "context"

// Remote command names, as Buildbot's steps send them (the master-side names:
// the msgpack protocol renames the transfers to upload_file etc. on the wire).
const (
	CmdShell           = "shell"
	CmdUploadFile      = "uploadFile"
	CmdUploadDirectory = "uploadDirectory"
	CmdDownloadFile    = "downloadFile"
	CmdMkdir           = "mkdir"
	CmdRmdir           = "rmdir"
	CmdCpdir           = "cpdir"
	CmdStat            = "stat"
	CmdGlob            = "glob"
	CmdListdir         = "listdir"
	CmdRmfile          = "rmfile"
)

// Command is one remote command, as Buildbot's RemoteCommand starts it.
//
// Args are Buildbot's arguments for the command, with paths already made
// absolute by the master (the msgpack protocol's form, worker-protocol.md §8):
//
//	shell:           workdir (abs), command ([]string, or string run by the shell),
//	                 env (map[string]string), want_stdout, want_stderr (bool),
//	                 logfiles (map name→path relative to workdir), timeout (seconds
//	                 without output; default 1200), maxTime (seconds or nil),
//	                 sigtermTime (seconds or nil), usePTY, logEnviron (bool),
//	                 initial_stdin (string or nil), interruptSignal ("KILL")
//	mkdir, rmdir:    paths ([]string, abs)
//	cpdir:           from_path, to_path (abs), timeout
//	stat:            path (abs)
//	glob:            path (abs pattern, ** allowed)
//	listdir:         path (abs)
//	rmfile:          path (abs)
//	uploadFile:      path (abs), blocksize, maxsize (int or nil), keepstamp (bool)
//	uploadDirectory: path (abs), blocksize, maxsize, compress (nil, "gz", "bz2")
//	downloadFile:    path (abs), blocksize, maxsize, mode (int file mode or nil)
//
// Numbers in Args are int64 or float64; strings, bools, []string,
// map[string]string, []any and map[string]any and nil are the other values a
// command may carry.
type Command struct {
	// ID is unique among the commands of one master process.
	ID string
	// Name is one of the Cmd* constants.
	Name string
	// Builder is the name of the builder the command runs for.
	Builder string
	Args    map[string]any
}

// Update is one progress item of a running command, in the order the worker
// produced it. Key says which field holds the value.
type Update struct {
	// Key is "stdout", "stderr", "header" (Text holds whole lines, each ending
	// in "\n"), "log" (LogName and Text: a `logfiles` entry of shell), "rc"
	// (RC), "elapsed" (Elapsed seconds, always the last update), "files"
	// (Files: listdir names, glob absolute paths) or "stat" (Stat: the ten
	// os.stat integers: mode, ino, dev, nlink, uid, gid, size, atime, mtime,
	// ctime).
	Key     string
	Text    string
	LogName string
	RC      int
	Elapsed float64
	Files   []string
	Stat    []int64
}

// Sink receives what a running command sends to the master: its updates, and
// for the transfer commands the file data. The master's step provides it.
// Methods are called from one goroutine at a time, in order.
type Sink interface {
	// Update delivers one progress item.
	Update(u Update) error
	// UploadWrite receives the next block of an uploadFile (a file) or an
	// uploadDirectory (a tar archive, compressed as asked).
	UploadWrite(p []byte) error
	// UploadClose ends an uploadFile; UploadUnpack ends an uploadDirectory.
	UploadClose() error
	UploadUnpack() error
	// UploadUtime sets the uploaded file's times (keepstamp), Unix seconds.
	UploadUtime(atime, mtime float64) error
	// DownloadRead returns up to n bytes of a downloadFile's source; an empty
	// slice means end of file.
	DownloadRead(n int) ([]byte, error)
	// DownloadClose ends a downloadFile's reads.
	DownloadClose() error
}

// Info describes a connected worker (Buildbot's get_worker_info): admin,
// host, access_uri, os_* keys, environ, system, basedir, numcpus, version,
// worker_commands and anything else the worker reports.
type Info map[string]any

// Conn is the master's command channel to one connected worker, the same for
// every worker kind: a local or latent plugin worker, or a buildbot-worker over
// msgpack or PB. Builds run every step through it.
type Conn interface {
	// Info returns what the worker reported when it connected.
	Info() Info
	// RunCommand starts cmd and returns when the command completes, after the
	// last update was delivered to sink. A non-nil error is a failure of the
	// command itself (Buildbot: the worker raised; the step ends EXCEPTION) or
	// of the connection (errors.Is(err, ErrConnectionLost): the step ends
	// RETRY). Cancelling ctx abandons the command as if the connection were
	// lost; use Interrupt to stop it cleanly.
	RunCommand(ctx context.Context, cmd Command, sink Sink) error
	// Interrupt asks a running command to stop (kill its process); the command
	// then completes normally, typically with rc -1. An unknown ID is ignored.
	Interrupt(ctx context.Context, commandID, why string) error
}
