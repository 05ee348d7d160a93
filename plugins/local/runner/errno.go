package runner

import (
	"errors"
	"fmt"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// errnoOf returns the operating-system error number inside err, or 0.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// strerror is the C library's message for an errno, as Python's
// OSError.strerror gives it ("No such file or directory"). Go's messages are
// glibc's with a lower-case first letter.
func strerror(e syscall.Errno) string {
	s := e.Error()
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// fsFailure is how the worker's file-system commands report an OSError: a
// header "<command>: <strerror>: <path>" (no newline) and rc = errno. An
// error without an errno becomes rc -1 with Go's message.
func fsFailure(command, path string, err error) (header string, rc int) {
	if e := errnoOf(err); e != 0 {
		return fmt.Sprintf("%s: %s: %s", command, strerror(e), path), int(e)
	}
	return fmt.Sprintf("%s: %v: %s", command, err, path), -1
}

// pyOSError formats err as Python's str(OSError) with a filename:
// "[Errno 2] No such file or directory: '/path'".
func pyOSError(err error, filename string) string {
	if e := errnoOf(err); e != 0 {
		return fmt.Sprintf("[Errno %d] %s: %s", int(e), strerror(e), pyStrRepr(filename))
	}
	return err.Error()
}
