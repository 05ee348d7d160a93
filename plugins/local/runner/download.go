package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// runDownloadFile is WorkerFileDownloadCommand: parent directories are
// created, the file is opened (truncated) and chmod'ed to mode, then filled
// with Sink.DownloadRead blocks of min(blocksize, what maxsize leaves) until
// an empty block; DownloadClose is always called.
func runDownloadFile(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	blocksize, remaining, err := transferArgs(x.args)
	if err != nil {
		return err
	}
	mode, err := x.args.integer("mode")
	if err != nil {
		return err
	}
	p := x.r.abs(path)
	if dir := filepath.Dir(p); !exists(dir) {
		if err := makedirs(dir); err != nil {
			return errors.New(pyOSError(err, dir))
		}
	}
	t := &transferState{}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err == nil && mode != nil {
		if err = syscall.Chmod(p, uint32(*mode)); err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		f = nil
		t.fail(fmt.Sprintf("Cannot open file '%s' for download", path))
	}

	var loopErr error
	for f != nil {
		if err := ctx.Err(); err != nil {
			_ = f.Close()
			return connectionLost(x.cmd, err)
		}
		if x.interrupted.Load() {
			break
		}
		length := blocksize
		if remaining != nil && int64(length) > *remaining {
			length = int(max(*remaining, 0))
		}
		if length <= 0 {
			t.fail(fmt.Sprintf("Maximum filesize reached, truncating file '%s'", path))
			break
		}
		data, err := x.sink.DownloadRead(length)
		if err != nil {
			loopErr = fmt.Errorf("read: %w", err)
			break
		}
		if len(data) == 0 {
			break
		}
		if len(data) > length {
			loopErr = fmt.Errorf("read: asked for %d bytes, got %d", length, len(data))
			break
		}
		if remaining != nil {
			*remaining -= int64(len(data))
		}
		if _, err := f.Write(data); err != nil {
			loopErr = fmt.Errorf("write: %w", err)
			break
		}
	}
	if f != nil {
		if err := f.Close(); err != nil && loopErr == nil {
			loopErr = fmt.Errorf("close: %w", err)
		}
	}
	if isLost(loopErr) {
		return loopErr
	}
	if err := x.sink.DownloadClose(); err != nil {
		if isLost(err) {
			return err
		}
		x.r.log.Debug("ignoring error from DownloadClose", "id", x.cmd.ID, "error", err)
	}
	x.finished(t)
	if loopErr != nil {
		return fmt.Errorf("download %s: %w", path, loopErr)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
