//go:build !linux

package plugins

import "syscall"

// procAttr has no parent-death signal outside Linux; the SDK's parent
// watchdog stops orphaned plugins there.
func procAttr() *syscall.SysProcAttr { return nil }
