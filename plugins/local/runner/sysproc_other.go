//go:build !linux

package runner

import "syscall"

// childSysProcAttr puts a command in its own process group, so kill and
// interrupt reach its grandchildren.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
