package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxBlockSize bounds the blocksize a master may ask for, so that a bad
// argument cannot make the worker allocate without limit.
const maxBlockSize = 64 << 20

// transferArgs reads blocksize and maxsize (nil: unlimited).
func transferArgs(a args) (blocksize int, remaining *int64, err error) {
	bs, err := a.integer("blocksize")
	if err != nil {
		return 0, nil, err
	}
	if bs == nil || *bs <= 0 {
		return 0, nil, errors.New("argument \"blocksize\": want a positive integer")
	}
	blocksize = int(min(*bs, maxBlockSize))
	if remaining, err = a.integer("maxsize"); err != nil {
		return 0, nil, err
	}
	return blocksize, remaining, nil
}

// errTruncated ends a transfer loop at maxsize.
var errTruncated = errors.New("maximum filesize reached")

// transferState is what the worker's TransferCommand keeps: rc and one
// stderr message, sent by finished.
type transferState struct {
	rc     int
	stderr string
}

// fail records the first stderr message with rc 1.
func (t *transferState) fail(msg string) {
	if t.stderr == "" {
		t.stderr = msg
	}
	t.rc = 1
}

// finished is TransferCommand.finished: rc, then the stderr message (a
// partial line: it ends with "\n" when the command's lines are flushed,
// just before elapsed).
func (x *execution) finished(t *transferState) {
	if x.interrupted.Load() {
		t.rc = 1
	}
	x.value(rcUpdate(t.rc))
	if t.stderr != "" {
		x.write("stderr", "", []byte(t.stderr))
	}
}

// sendBlocks reads src in blocks of at most blocksize bytes, no more than
// *remaining in all, and hands each to write, as the worker's _writeBlock
// loop: it stops at the end of src, at an interrupt, or with errTruncated
// when maxsize is used up and more is asked for. Errors of write are
// returned as they are; read errors are wrapped.
func (x *execution) sendBlocks(ctx context.Context, src io.Reader, blocksize int, remaining *int64, write func([]byte) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return connectionLost(x.cmd, err)
		}
		if x.interrupted.Load() {
			return nil
		}
		length := blocksize
		if remaining != nil && int64(length) > *remaining {
			length = int(max(*remaining, 0))
		}
		if length <= 0 {
			return errTruncated
		}
		buf := make([]byte, length)
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if remaining != nil {
				*remaining -= int64(n)
			}
			if werr := write(buf[:n]); werr != nil {
				return werr
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return fmt.Errorf("read: %w", err)
		}
		x.out.flushIfDue(time.Now())
	}
}
