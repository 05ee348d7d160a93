package steps

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// Transfer block sizes, as Buildbot's steps send them.
const (
	uploadBlockSize   = 256 * 1024
	downloadBlockSize = 16 * 1024
)

// FileUpload is `step "file_upload" { workersrc, masterdest }`: copies a
// file from the worker to the master (masterdest relative to the master's
// base directory), through a temporary file renamed into place when complete.
type FileUpload struct {
	Cfg config.FileUploadStep
	transfer
}

// FileDownload is `step "file_download" { mastersrc, workerdest }`.
type FileDownload struct {
	Cfg config.FileDownloadStep
	transfer
}

// StringDownload is `step "string_download" { s, workerdest }`.
type StringDownload struct {
	Cfg config.StringDownloadStep
	transfer
}

var (
	_ Summarizer = (*FileUpload)(nil)
	_ Summarizer = (*FileDownload)(nil)
	_ Summarizer = (*StringDownload)(nil)
)

// Run implements Step.
func (s *FileUpload) Run(ctx context.Context, sc Context) (int, error) {
	src, err := sc.Render(s.Cfg.WorkerSrc)
	if err != nil {
		return results.Exception, err
	}
	dest, err := sc.Render(s.Cfg.MasterDest)
	if err != nil {
		return results.Exception, err
	}
	s.desc = "uploading " + path.Base(strings.ReplaceAll(src, "\\", "/"))
	sc.UpdateSummary()
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	dest = masterPath(sc, dest)
	fw, err := newFileWriter(dest, s.Cfg.MaxSize, s.Cfg.Mode)
	if err != nil {
		return results.Exception, err
	}
	defer fw.cancel()
	args := map[string]any{
		"path":      workerFilePath(sc, src),
		"workdir":   sc.Workdir(),
		"workersrc": src,
		"blocksize": int64(uploadBlockSize),
		"maxsize":   maxSize(s.Cfg.MaxSize),
		"keepstamp": false,
	}
	cmd := &RemoteCommand{Name: worker.CmdUploadFile, Args: args, Stdio: stdio, Upload: fw}
	if err := sc.RunCommand(ctx, cmd); err != nil {
		return results.Exception, err
	}
	return cmd.Results(nil), nil
}

// Run implements Step.
func (s *FileDownload) Run(ctx context.Context, sc Context) (int, error) {
	src, err := sc.Render(s.Cfg.MasterSrc)
	if err != nil {
		return results.Exception, err
	}
	dest, err := sc.Render(s.Cfg.WorkerDest)
	if err != nil {
		return results.Exception, err
	}
	s.desc = "downloading to " + path.Base(strings.ReplaceAll(dest, "\\", "/"))
	sc.UpdateSummary()
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	f, err := os.Open(masterPath(sc, src))
	if err != nil {
		_ = stdio.AddHeader(fmt.Sprintf("File '%s' not available at master\n", src))
		return results.Failure, nil
	}
	defer f.Close()
	return runDownload(ctx, sc, stdio, dest, f, s.Cfg.MaxSize, s.Cfg.Mode)
}

// Run implements Step.
func (s *StringDownload) Run(ctx context.Context, sc Context) (int, error) {
	content, err := sc.Render(s.Cfg.S)
	if err != nil {
		return results.Exception, err
	}
	dest, err := sc.Render(s.Cfg.WorkerDest)
	if err != nil {
		return results.Exception, err
	}
	s.desc = "downloading to " + path.Base(strings.ReplaceAll(dest, "\\", "/"))
	sc.UpdateSummary()
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	return runDownload(ctx, sc, stdio, dest, strings.NewReader(content), 0, s.Cfg.Mode)
}

func runDownload(ctx context.Context, sc Context, stdio *logs.Writer, dest string, src io.Reader, max int64, mode *int) (int, error) {
	args := map[string]any{
		"path":       workerFilePath(sc, dest),
		"workdir":    sc.Workdir(),
		"workerdest": dest,
		"blocksize":  int64(downloadBlockSize),
		"maxsize":    maxSize(max),
		"mode":       nil,
	}
	if mode != nil {
		args["mode"] = int64(*mode)
	}
	cmd := &RemoteCommand{Name: worker.CmdDownloadFile, Args: args, Stdio: stdio, Download: src}
	if err := sc.RunCommand(ctx, cmd); err != nil {
		return results.Exception, err
	}
	return cmd.Results(nil), nil
}

// transfer is what the transfer steps share: their common attributes and
// the summary of what they move ("uploading x", "downloading to y").
type transfer struct {
	Common config.StepCommon
	desc   string
}

// CurrentSummary implements Summarizer.
func (t *transfer) CurrentSummary() (string, bool) { return t.summary(-1) }

// ResultSummary implements Summarizer.
func (t *transfer) ResultSummary(r int) (string, bool) { return t.summary(r) }

// summary: the user's description wins; else the computed one, with
// " (result)" after the end when not SUCCESS; r < 0 is the current summary.
func (t *transfer) summary(r int) (string, bool) {
	c, desc := t.Common, t.desc
	if desc == "" || (r < 0 && c.Description != "") || (r >= 0 && (c.DescriptionDone != "" || c.Description != "")) {
		return "", false
	}
	if r > 0 {
		desc += " (" + results.Name(r) + ")"
	}
	return desc, true
}

func maxSize(n int64) any {
	if n <= 0 {
		return nil
	}
	return n
}

// masterPath resolves a master-side path: ~ expanded, relative to the
// master's base directory.
func masterPath(sc Context, p string) string {
	if strings.HasPrefix(p, "~/") || p == "~" {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(sc.MasterBasedir(), p)
	}
	return filepath.Clean(p)
}

// workerFilePath is BUILDERDIR/workdir/PATH with ~ expanded from the
// worker's environment (worker-protocol §8).
func workerFilePath(sc Context, p string) string {
	if strings.HasPrefix(p, "~") {
		env := sc.WorkerEnviron()
		if home := env["HOME"]; home != "" {
			p = home + strings.TrimPrefix(p, "~")
		} else if home := env["USERPROFILE"]; home != "" {
			p = home + strings.TrimPrefix(p, "~")
		}
	}
	return sc.WorkerPathJoin(sc.BuilderDir(), sc.Workdir(), p)
}

// fileWriter is Buildbot's remotetransfer.FileWriter: a temporary file in
// the destination directory, renamed into place on Close.
type fileWriter struct {
	dest    string
	f       *os.File
	max     int64
	written int64
	mode    *int
	closed  bool
}

func newFileWriter(dest string, max int64, mode *int) (*fileWriter, error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("upload: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return &fileWriter{dest: dest, f: f, max: max, mode: mode}, nil
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("upload: write after close")
	}
	if w.max > 0 && w.written+int64(len(p)) > w.max {
		p = p[:max(0, w.max-w.written)]
	}
	n, err := w.f.Write(p)
	w.written += int64(n)
	return n, err
}

func (w *fileWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	if w.mode != nil {
		if err := os.Chmod(w.f.Name(), os.FileMode(*w.mode)&os.ModePerm); err != nil {
			os.Remove(w.f.Name())
			return err
		}
	} else {
		_ = os.Chmod(w.f.Name(), 0o644)
	}
	return os.Rename(w.f.Name(), w.dest)
}

func (w *fileWriter) Utime(atime, mtime float64) error {
	target := w.dest
	if !w.closed {
		target = w.f.Name()
	}
	sec := func(f float64) time.Time { return time.Unix(0, int64(f*1e9)) }
	return os.Chtimes(target, sec(atime), sec(mtime))
}

// cancel removes the temporary file of an upload that never completed.
func (w *fileWriter) cancel() {
	if !w.closed {
		w.closed = true
		w.f.Close()
		os.Remove(w.f.Name())
	}
}
