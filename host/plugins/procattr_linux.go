package plugins

import "syscall"

// procAttr makes the kernel send SIGKILL to a plugin when the thread that
// started it exits: the spawner's thread lives as long as the Host, so a
// master killed with SIGKILL takes its plugins with it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
