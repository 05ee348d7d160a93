package convert

import (
	"context"
	"errors"

	"github.com/bbhost/bbhost/sdk/base"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorToStatus turns an error returned by a component or the master into a
// gRPC status error, keeping the sdk/base sentinels recognisable.
func ErrorToStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	code := codes.Unknown
	switch {
	case errors.Is(err, base.ErrStale):
		code = codes.FailedPrecondition
	case errors.Is(err, base.ErrStateConflict):
		code = codes.Aborted
	case errors.Is(err, base.ErrUnsupported):
		code = codes.Unimplemented
	case errors.Is(err, base.ErrUnknownInstance):
		code = codes.NotFound
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	return status.Error(code, err.Error())
}

// ErrorFromStatus turns a gRPC error back into an error that matches the
// sdk/base sentinels with errors.Is, keeping the message. Transport errors
// (Unavailable, Canceled, DeadlineExceeded) are returned unchanged, so
// status.Code still works on them.
func ErrorFromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var sentinel error
	switch st.Code() {
	case codes.FailedPrecondition:
		sentinel = base.ErrStale
	case codes.Aborted:
		sentinel = base.ErrStateConflict
	case codes.Unimplemented:
		sentinel = base.ErrUnsupported
	case codes.NotFound:
		sentinel = base.ErrUnknownInstance
	case codes.Unknown:
	default:
		return err
	}
	return &remoteError{sentinel: sentinel, status: err, msg: st.Message()}
}

type remoteError struct {
	sentinel error
	status   error
	msg      string
}

func (e *remoteError) Error() string { return e.msg }

// Is matches the sentinel; GRPCStatus keeps status.Code working.
func (e *remoteError) Is(target error) bool { return e.sentinel != nil && target == e.sentinel }
func (e *remoteError) Unwrap() error        { return e.status }
func (e *remoteError) GRPCStatus() *status.Status {
	st, _ := status.FromError(e.status)
	return st
}
