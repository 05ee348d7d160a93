package runner

import "syscall"

// childSysProcAttr puts a command in its own process group (so kill and
// interrupt reach its grandchildren) and has the kernel kill it if the worker
// process dies first, so a crashed or killed worker leaves no build running.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
