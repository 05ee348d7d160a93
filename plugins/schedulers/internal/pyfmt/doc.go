// Package pyfmt renders JSON-compatible values as Python 3 does, so the
// messages and strings the schedulers produce are Buildbot's byte for byte:
// str() and repr() of values (Str, Repr), Python's %-formatting with a
// mapping (Format, used by reason strings), type names for TypeError
// messages (TypeName), equality (Equal) and truthiness (Truthy).
//
// Values are what encoding/json and the SDK produce: nil, bool, string,
// int64 (and the other Go integer types), float64, []any and
// map[string]any.
package pyfmt
