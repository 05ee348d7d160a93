package runner

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// runUploadFile is WorkerFileUploadCommand: the file is sent in blocks with
// Sink.UploadWrite, then UploadClose (always, even when it could not be
// opened) and with keepstamp UploadUtime.
func runUploadFile(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	blocksize, remaining, err := transferArgs(x.args)
	if err != nil {
		return err
	}
	keepstamp := x.args.flag("keepstamp", false)
	t := &transferState{}

	var atime, mtime float64
	f, err := openForUpload(x.r.abs(path))
	if err == nil && keepstamp {
		var st syscall.Stat_t
		if err = syscall.Fstat(int(f.Fd()), &st); err == nil {
			atime = float64(st.Atim.Sec) + float64(st.Atim.Nsec)/1e9
			mtime = float64(st.Mtim.Sec) + float64(st.Mtim.Nsec)/1e9
		} else {
			_ = f.Close()
		}
	}
	if err != nil {
		f = nil
		t.fail(fmt.Sprintf("Cannot open file '%s' for upload", path))
	}
	x.header("sending " + path + "\n")

	var loopErr error
	if f != nil {
		loopErr = x.sendBlocks(ctx, f, blocksize, remaining, x.sink.UploadWrite)
		_ = f.Close()
	}
	if errors.Is(loopErr, errTruncated) {
		t.fail(fmt.Sprintf("Maximum filesize reached, truncating file '%s'", path))
		loopErr = nil
	}
	if loopErr != nil {
		if isLost(loopErr) {
			return loopErr
		}
		t.rc = 1
		_ = x.sink.UploadClose()
		x.finished(t)
		return fmt.Errorf("upload %s: %w", path, loopErr)
	}
	if err := x.sink.UploadClose(); err != nil {
		x.finished(t)
		return fmt.Errorf("upload %s: close: %w", path, err)
	}
	if keepstamp && f != nil {
		if err := x.sink.UploadUtime(atime, mtime); err != nil {
			x.finished(t)
			return fmt.Errorf("upload %s: utime: %w", path, err)
		}
	}
	x.finished(t)
	return nil
}

// openForUpload opens a regular file (Python's open() refuses a directory).
func openForUpload(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		_ = f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
	}
	return f, nil
}

// isLost reports whether err means the master went away: the command then
// ends without another word.
func isLost(err error) bool { return errors.Is(err, worker.ErrConnectionLost) }

// runUploadDirectory is WorkerDirectoryUploadCommand: the directory is
// archived (tar, PAX format, members relative to it; gzip when compress is
// "gz") and streamed in blocks with Sink.UploadWrite, then UploadUnpack.
// bzip2 is not in Go's standard library: compress "bz2" is refused with a
// message on stderr and rc 1.
func runUploadDirectory(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	blocksize, remaining, err := transferArgs(x.args)
	if err != nil {
		return err
	}
	compress, _ := x.args["compress"].(string)
	root := x.r.abs(path)
	if _, err := os.Lstat(root); err != nil {
		return errors.New(pyOSError(err, path))
	}
	t := &transferState{}
	if compress == "bz2" {
		t.fail("uploadDirectory: compress='bz2' is not supported by this worker (use None or 'gz')")
		x.finished(t)
		return nil
	}
	x.header("sending " + path + "\n")

	pr, pw := io.Pipe()
	produced := make(chan error, 1)
	go func() {
		err := writeTar(pw, root, compress == "gz")
		_ = pw.CloseWithError(err)
		produced <- err
	}()
	loopErr := x.sendBlocks(ctx, pr, blocksize, remaining, x.sink.UploadWrite)
	_ = pr.CloseWithError(errors.New("upload stopped"))
	tarErr := <-produced

	if errors.Is(loopErr, errTruncated) {
		t.fail(fmt.Sprintf("Maximum filesize reached, truncating file '%s'", path))
		loopErr, tarErr = nil, nil
	}
	if x.interrupted.Load() {
		tarErr = nil
	}
	if loopErr == nil && tarErr != nil {
		loopErr = fmt.Errorf("archive: %w", tarErr)
		t.fail(fmt.Sprintf("Cannot archive '%s': %v", path, tarErr))
	}
	if loopErr != nil {
		if isLost(loopErr) {
			return loopErr
		}
		t.rc = 1
		x.finished(t)
		return fmt.Errorf("upload %s: %w", path, loopErr)
	}
	if err := x.sink.UploadUnpack(); err != nil {
		t.rc = 1
		x.finished(t)
		return fmt.Errorf("upload %s: unpack: %w", path, err)
	}
	x.finished(t)
	return nil
}

// writeTar writes the tree at root to w as Python's tarfile.add(root, "")
// does: PAX format, the root as "/" (tarfile writes the empty arcname of a
// directory that way), then members in sorted order, directories ending in
// "/", symlinks not followed, hard links stored once, sockets skipped.
func writeTar(w io.Writer, root string, gz bool) error {
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(w)
		w = zw
	}
	tw := tar.NewWriter(w)
	a := &archiver{tw: tw, links: make(map[[2]uint64]string)}
	err := a.add(root, "")
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if zw != nil {
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

type archiver struct {
	tw    *tar.Writer
	links map[[2]uint64]string
}

func (a *archiver) add(path, name string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	var link string
	if fi.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	if fi.Mode()&os.ModeSocket != 0 {
		return nil
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	hdr.Format = tar.FormatPAX
	hdr.Name = name
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	if fi.IsDir() {
		hdr.Name = name + "/"
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
		id := [2]uint64{uint64(st.Dev), st.Ino}
		if first, seen := a.links[id]; seen && first != name {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		} else {
			a.links[id] = name
		}
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if hdr.Typeflag == tar.TypeReg {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		_, err = io.CopyN(a.tw, f, hdr.Size)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if !fi.IsDir() {
		return nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		child := e.Name()
		if name != "" {
			child = name + "/" + child
		}
		if err := a.add(filepath.Join(path, e.Name()), child); err != nil {
			return err
		}
	}
	return nil
}
