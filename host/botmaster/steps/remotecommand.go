package steps

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// RemoteCommand is one remote command a step runs (Buildbot's RemoteCommand
// and RemoteShellCommand, master side): the command's name and arguments
// (paths already absolute), where its output goes, and what came back. It
// is the worker.Sink of the command.
type RemoteCommand struct {
	Name string
	Args map[string]any

	// Stdio receives stdout, stderr and header text (nil: dropped).
	Stdio *logs.Writer
	// Logs receives the `log` updates of shell's logfiles, by name.
	Logs map[string]*logs.Writer
	// CollectStdout and CollectStderr keep the output in Stdout/Stderr too
	// (bounded by MaxCollect bytes each; default 1 MiB).
	CollectStdout, CollectStderr bool
	MaxCollect                   int

	// Upload receives an uploadFile's data (file transfers from the worker).
	Upload UploadTarget
	// Download provides a downloadFile's data.
	Download io.Reader

	// Results, filled as updates arrive.
	RC      int
	HasRC   bool
	Elapsed float64
	Stdout  strings.Builder
	Stderr  strings.Builder
	Files   []string
	Stat    []int64
	// HasFiles and HasStat tell whether files/stat updates arrived.
	HasFiles, HasStat bool
	// Interrupted is set by the engine when it interrupted the command.
	Interrupted atomic.Bool
}

// UploadTarget receives an uploaded file on the master: Write for each
// block, Close at the end (then the file is complete), Abort when the
// command failed before Close.
type UploadTarget interface {
	io.Writer
	Close() error
	Utime(atime, mtime float64) error
}

var _ worker.Sink = (*RemoteCommand)(nil)

// Results is Buildbot's RemoteCommand.results: CANCELLED when interrupted,
// else decodeRC[rc] (nil decodeRC = {0: SUCCESS}), else FAILURE.
func (c *RemoteCommand) Results(decodeRC map[int]int) int {
	if c.Interrupted.Load() {
		return results.Cancelled
	}
	if !c.HasRC {
		return results.Failure
	}
	if decodeRC == nil {
		if c.RC == 0 {
			return results.Success
		}
		return results.Failure
	}
	if r, ok := decodeRC[c.RC]; ok {
		return r
	}
	return results.Failure
}

// DidFail is Buildbot's didFail: the results are FAILURE.
func (c *RemoteCommand) DidFail() bool { return c.Results(nil) == results.Failure }

func (c *RemoteCommand) maxCollect() int {
	if c.MaxCollect > 0 {
		return c.MaxCollect
	}
	return 1 << 20
}

// Update implements worker.Sink.
func (c *RemoteCommand) Update(u worker.Update) error {
	switch u.Key {
	case "stdout":
		if c.CollectStdout && c.Stdout.Len() < c.maxCollect() {
			c.Stdout.WriteString(u.Text)
		}
		if c.Stdio != nil {
			return c.Stdio.AddStdout(u.Text)
		}
	case "stderr":
		if c.CollectStderr && c.Stderr.Len() < c.maxCollect() {
			c.Stderr.WriteString(u.Text)
		}
		if c.Stdio != nil {
			return c.Stdio.AddStderr(u.Text)
		}
	case "header":
		if c.Stdio != nil {
			return c.Stdio.AddHeader(u.Text)
		}
	case "log":
		if w := c.Logs[u.LogName]; w != nil {
			return w.AddText(u.Text)
		}
	case "rc":
		c.RC, c.HasRC = u.RC, true
	case "elapsed":
		c.Elapsed = u.Elapsed
	case "files":
		c.Files, c.HasFiles = u.Files, true
	case "stat":
		c.Stat, c.HasStat = u.Stat, true
	}
	return nil
}

// ErrNoTransfer is returned when a worker sends transfer data the command
// does not expect.
var ErrNoTransfer = errors.New("command has no file transfer")

// UploadWrite implements worker.Sink.
func (c *RemoteCommand) UploadWrite(p []byte) error {
	if c.Upload == nil {
		return ErrNoTransfer
	}
	_, err := c.Upload.Write(p)
	return err
}

// UploadClose implements worker.Sink.
func (c *RemoteCommand) UploadClose() error {
	if c.Upload == nil {
		return ErrNoTransfer
	}
	return c.Upload.Close()
}

// UploadUnpack implements worker.Sink: directory uploads are not a step kind
// of the host yet.
func (c *RemoteCommand) UploadUnpack() error {
	return fmt.Errorf("uploadDirectory: %w", ErrNoTransfer)
}

// UploadUtime implements worker.Sink.
func (c *RemoteCommand) UploadUtime(atime, mtime float64) error {
	if c.Upload == nil {
		return ErrNoTransfer
	}
	return c.Upload.Utime(atime, mtime)
}

// DownloadRead implements worker.Sink.
func (c *RemoteCommand) DownloadRead(n int) ([]byte, error) {
	if c.Download == nil {
		return nil, ErrNoTransfer
	}
	if n <= 0 {
		return []byte{}, nil
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(c.Download, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:m], err
}

// DownloadClose implements worker.Sink.
func (c *RemoteCommand) DownloadClose() error {
	if cl, ok := c.Download.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
