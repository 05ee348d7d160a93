package runner

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lookPath finds the program to execute as os.execvpe does in the worker's
// child: a name with a slash is used as is (relative to dir, the child's
// working directory), otherwise each entry of the command's own PATH is
// tried; a permission error is preferred over "not found".
func lookPath(file string, env map[string]string, dir string) (string, error) {
	if strings.Contains(file, "/") {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		return file, nil
	}
	pathEnv, ok := env["PATH"]
	if !ok {
		pathEnv = "/bin:/usr/bin"
	}
	var saved error
	for _, d := range strings.Split(pathEnv, ":") {
		full := filepath.Join(d, file)
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		err := executable(full)
		if err == nil {
			return full, nil
		}
		if e := errnoOf(err); e != syscall.ENOENT && e != syscall.ENOTDIR && saved == nil {
			saved = err
		}
	}
	if saved != nil {
		return "", saved
	}
	return "", &os.PathError{Op: "exec", Path: file, Err: syscall.ENOENT}
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return &os.PathError{Op: "exec", Path: path, Err: syscall.EACCES}
	}
	if err := syscall.Access(path, 1 /* X_OK */); err != nil {
		return &os.PathError{Op: "exec", Path: path, Err: err}
	}
	return nil
}
