package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/bbhost/bbhost/sdk/worker"
)

// makedirs is Python's os.makedirs(name) without exist_ok: missing parents
// are created, and an existing name is EEXIST (Go's MkdirAll would accept an
// existing directory and say ENOTDIR for an existing file).
func makedirs(name string) error {
	head, tail := filepath.Split(name)
	if tail == "" {
		head, tail = filepath.Split(filepath.Clean(head))
	}
	head = filepath.Clean(head)
	if head != "" && tail != "" && head != name {
		if _, err := os.Stat(head); err != nil {
			if err := makedirs(head); err != nil && !errors.Is(err, syscall.EEXIST) {
				return err
			}
		}
	}
	if err := syscall.Mkdir(name, 0o777); err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// runMkdir is MakeDirectory: every path is created with its parents; the
// first failure ends the command with its errno as rc.
func runMkdir(ctx context.Context, x *execution) error {
	paths, err := x.args.strList("paths")
	if err != nil {
		return err
	}
	for _, p := range paths {
		if isDir(x.r.abs(p)) {
			continue
		}
		if err := makedirs(x.r.abs(p)); err != nil {
			return x.fsFailure("mkdir", p, err)
		}
	}
	x.value(rcUpdate(0))
	return nil
}

// fsFailure reports an OSError as the file-system commands do: the header
// line is sent without its newline, so it is completed and sent when the
// command's lines are flushed, after rc and just before elapsed.
func (x *execution) fsFailure(command, path string, err error) error {
	header, rc := fsFailure(command, path, err)
	x.header(header)
	x.value(rcUpdate(rc))
	if rc == -1 {
		return err
	}
	return nil
}

// runRmdir is RemoveDirectory: `rm -rf PATH` for each path in the base
// directory (with a `chmod -Rf u+rwx` and a second try if it fails); rc is
// the last non-zero status.
func runRmdir(ctx context.Context, x *execution) error {
	paths, err := x.args.strList("paths")
	if err != nil {
		return err
	}
	rc := 0
	for _, p := range paths {
		if x.interrupted.Load() {
			rc = -1
			break
		}
		res, err := x.plainRun(ctx, []string{"rm", "-rf", p})
		if err != nil {
			return err
		}
		if res != 0 && !x.interrupted.Load() {
			if _, err := x.plainRun(ctx, []string{"chmod", "-Rf", "u+rwx", p}); err != nil {
				return err
			}
			if res, err = x.plainRun(ctx, []string{"rm", "-rf", p}); err != nil {
				return err
			}
		}
		if res != 0 {
			rc = res
		}
	}
	x.value(rcUpdate(rc))
	return nil
}

// plainRun runs argv as rmdir and cpdir do (no rc update of its own).
func (x *execution) plainRun(ctx context.Context, argv []string) (int, error) {
	sp, err := x.plainProcess(argv, false)
	if err != nil {
		return -1, err
	}
	return x.runProcess(ctx, sp)
}

// runCpdir is CopyDirectory: `cp -R -P -p -v FROM TO` in the base directory,
// after creating TO's parent.
func runCpdir(ctx context.Context, x *execution) error {
	from, err := x.args.str("from_path")
	if err != nil {
		return err
	}
	to, err := x.args.str("to_path")
	if err != nil {
		return err
	}
	parent := filepath.Dir(x.r.abs(to))
	if _, err := os.Stat(parent); err != nil {
		if err := makedirs(parent); err != nil {
			return errors.New(pyOSError(err, parent))
		}
	}
	rc, err := x.plainRun(ctx, []string{"cp", "-R", "-P", "-p", "-v", from, to})
	if err != nil {
		return err
	}
	x.value(rcUpdate(rc))
	return nil
}

// runStat is StatFile: the os.stat tuple of path.
func runStat(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	var st syscall.Stat_t
	if err := syscall.Stat(x.r.abs(path), &st); err != nil {
		return x.fsFailure("stat", path, err)
	}
	x.value(worker.Update{Key: "stat", Stat: []int64{
		int64(st.Mode), int64(st.Ino), int64(st.Dev), int64(st.Nlink), int64(st.Uid),
		int64(st.Gid), st.Size, st.Atim.Sec, st.Mtim.Sec, st.Ctim.Sec,
	}})
	x.value(rcUpdate(0))
	return nil
}

// runListdir is ListDir: the names in a directory, in directory order.
func runListdir(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	names, err := readDirNames(x.r.abs(path))
	if err != nil {
		return x.fsFailure("listdir", path, err)
	}
	x.value(worker.Update{Key: "files", Files: names})
	x.value(rcUpdate(0))
	return nil
}

// readDirNames is os.listdir: names in directory order, never nil.
func readDirNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// runRmfile is RemoveFile: unlink one file (a directory is EISDIR).
func runRmfile(ctx context.Context, x *execution) error {
	path, err := x.args.str("path")
	if err != nil {
		return err
	}
	if err := syscall.Unlink(x.r.abs(path)); err != nil {
		return x.fsFailure("rmfile", path, err)
	}
	x.value(rcUpdate(0))
	return nil
}

// runGlob is GlobPath: Python's glob.glob(path, recursive=True).
func runGlob(ctx context.Context, x *execution) error {
	pattern, err := x.args.str("path")
	if err != nil {
		return err
	}
	files, err := pyGlob(ctx, pattern, x.r.basedir)
	if err != nil {
		return err
	}
	x.value(worker.Update{Key: "files", Files: files})
	x.value(rcUpdate(0))
	return nil
}
