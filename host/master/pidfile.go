package master

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// PIDFileName is the pid file in the base directory (Buildbot's twistd.pid).
const PIDFileName = "bbhost.pid"

// PIDFile returns the pid file path of a base directory.
func PIDFile(basedir string) string { return filepath.Join(basedir, PIDFileName) }

// writePIDFile records this process in basedir, refusing when another live
// master already owns it.
func writePIDFile(basedir string) error {
	path := PIDFile(basedir)
	if pid, err := ReadPID(basedir); err == nil && pid != os.Getpid() && processAlive(pid) {
		return fmt.Errorf("another master (pid %d) is running in %s; stop it first (bbhost stop)", pid, basedir)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return os.Rename(tmp, path)
}

func removePIDFile(basedir string) {
	if pid, err := ReadPID(basedir); err == nil && pid == os.Getpid() {
		_ = os.Remove(PIDFile(basedir))
	}
}

// ReadPID returns the pid recorded in basedir's pid file.
func ReadPID(basedir string) (int, error) {
	b, err := os.ReadFile(PIDFile(basedir))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("malformed pid file %s", PIDFile(basedir))
	}
	return pid, nil
}

// RunningPID returns the pid of the live master of basedir.
func RunningPID(basedir string) (int, error) {
	pid, err := ReadPID(basedir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("no master is running in %s (no %s)", basedir, PIDFileName)
	}
	if err != nil {
		return 0, err
	}
	if !processAlive(pid) {
		return 0, fmt.Errorf("no master is running in %s (stale pid file names pid %d)", basedir, pid)
	}
	return pid, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
