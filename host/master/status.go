package master

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Reconfiguration outcomes, as Buildbot logs them and `bbhost reconfig` prints.
const (
	ReconfigComplete = "configuration update complete"
	ReconfigAborted  = "configuration update aborted"
)

// ReconfigLogName is the file in the base directory where every reconfig
// appends its diagnostics and outcome, so `bbhost reconfig` can report what
// the running master decided (as `buildbot reconfig` tails twistd.log).
const ReconfigLogName = "reconfig.log"

// ReconfigLog returns the reconfig log path of a base directory.
func ReconfigLog(basedir string) string { return filepath.Join(basedir, ReconfigLogName) }

func appendReconfigLog(basedir, text string) error {
	f, err := os.OpenFile(ReconfigLog(basedir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReconfigLogSize returns the reconfig log's current size (0 if absent), the
// offset to wait from.
func ReconfigLogSize(basedir string) int64 {
	fi, err := os.Stat(ReconfigLog(basedir))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// WaitReconfigOutcome reads the reconfig log from offset until an outcome line
// appears, copying everything before it (the diagnostics) to w. It returns
// whether the update completed.
func WaitReconfigOutcome(ctx context.Context, basedir string, offset int64, w io.Writer) (bool, error) {
	for {
		done, ok, next, err := scanReconfigLog(basedir, offset, w)
		if err != nil || done {
			return ok, err
		}
		offset = next
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("no reconfig outcome in %s: %w", ReconfigLog(basedir), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// scanReconfigLog reads the complete lines after offset; a partial last line
// is left for the next scan.
func scanReconfigLog(basedir string, offset int64, w io.Writer) (done, ok bool, next int64, err error) {
	f, err := os.Open(ReconfigLog(basedir))
	if err != nil {
		return false, false, offset, nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return false, false, offset, nil
	}
	r := bufio.NewReader(f)
	for {
		line, rerr := r.ReadString('\n')
		if rerr != nil {
			return false, false, offset, nil
		}
		offset += int64(len(line))
		switch strings.TrimSpace(line) {
		case ReconfigComplete:
			return true, true, offset, nil
		case ReconfigAborted:
			return true, false, offset, nil
		}
		if strings.HasPrefix(line, "--- reconfig ") {
			continue // the record header
		}
		if _, err := io.WriteString(w, line); err != nil {
			return true, false, offset, err
		}
	}
}
