package data

import (
	"errors"
	"fmt"
)

// The read side's errors are typed so that the REST and JSON-RPC layers can
// answer with Buildbot's status codes without looking at messages.

// NotFoundError is a path that names no endpoint or an entity that does not
// exist (REST 404; JSON-RPC 404 with code -32600).
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// BadRequestError is a query parameter or control argument the API cannot
// use (REST 400; JSON-RPC 400 with code -32601, as Buildbot's
// InvalidQueryParameter).
type BadRequestError struct{ Msg string }

func (e *BadRequestError) Error() string { return e.Msg }

// UnsupportedActionError is a control action that the path does not offer
// (JSON-RPC 501 with code -32601).
type UnsupportedActionError struct{ Msg string }

func (e *UnsupportedActionError) Error() string { return e.Msg }

// InvalidParamsError is a control call whose parameters were refused, such as
// a force scheduler's field validation (JSON-RPC 400 with code -32602). Details,
// when set, is sent as the JSON-RPC error message instead of Msg (Buildbot sends
// the dict of field errors there).
type InvalidParamsError struct {
	Msg     string
	Details any
}

func (e *InvalidParamsError) Error() string { return e.Msg }

// ForbiddenError is a request the caller is not allowed to make (403).
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

func notFoundf(format string, args ...any) error {
	return &NotFoundError{Msg: fmt.Sprintf(format, args...)}
}

func badRequestf(format string, args ...any) error {
	return &BadRequestError{Msg: fmt.Sprintf(format, args...)}
}

// IsNotFound reports whether err is, or wraps, a NotFoundError.
func IsNotFound(err error) bool {
	var e *NotFoundError
	return errors.As(err, &e)
}

// IsBadRequest reports whether err is, or wraps, a BadRequestError.
func IsBadRequest(err error) bool {
	var e *BadRequestError
	return errors.As(err, &e)
}
