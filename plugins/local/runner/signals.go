package runner

import (
	"strings"
	"syscall"
)

// signalByName maps interruptSignal values ("KILL", "TERM", "SIGINT", ...)
// to signals; an unknown name means KILL.
func signalByName(name string) syscall.Signal {
	switch strings.TrimPrefix(strings.ToUpper(name), "SIG") {
	case "HUP":
		return syscall.SIGHUP
	case "INT":
		return syscall.SIGINT
	case "QUIT":
		return syscall.SIGQUIT
	case "ABRT":
		return syscall.SIGABRT
	case "USR1":
		return syscall.SIGUSR1
	case "USR2":
		return syscall.SIGUSR2
	case "ALRM":
		return syscall.SIGALRM
	case "TERM":
		return syscall.SIGTERM
	default:
		return syscall.SIGKILL
	}
}

// signalName is the "SIG..." name of a signal the worker may send.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	case syscall.SIGABRT:
		return "SIGABRT"
	case syscall.SIGUSR1:
		return "SIGUSR1"
	case syscall.SIGUSR2:
		return "SIGUSR2"
	case syscall.SIGALRM:
		return "SIGALRM"
	case syscall.SIGTERM:
		return "SIGTERM"
	default:
		return "SIGKILL"
	}
}
