package worker

import "errors"

// ErrConnectionLost is returned (wrapped) by Conn.RunCommand when the worker
// went away while the command ran: the step ends RETRY and the build request is
// run again.
var ErrConnectionLost = errors.New("worker connection lost")
