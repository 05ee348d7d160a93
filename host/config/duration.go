package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// durationHint ends every duration diagnostic.
const durationHint = `Use a string such as "10s", "5m" or "1h30m", or a number of seconds.`

// ParseDuration parses a configuration duration: Go's duration syntax
// ("10s", "5m", "1h30m") or a plain number of seconds ("30", "1.5").
// Negative durations are rejected.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return secondsDuration(secs)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		// time's messages repeat the input; keep only the reason.
		msg := strings.TrimPrefix(err.Error(), "time: ")
		if i := strings.Index(msg, " in duration "); i >= 0 {
			msg = msg[:i]
		}
		return 0, errors.New(msg)
	}
	if d < 0 {
		return 0, errors.New("a duration must not be negative")
	}
	return d, nil
}

// secondsDuration converts a number of seconds.
func secondsDuration(secs float64) (time.Duration, error) {
	switch {
	case math.IsNaN(secs) || math.IsInf(secs, 0):
		return 0, errors.New("not a finite number")
	case secs < 0:
		return 0, errors.New("a duration must not be negative")
	case secs > float64(math.MaxInt64)/float64(time.Second):
		return 0, errors.New("duration too long")
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// DurationValue converts an attribute value to a duration: a string as
// ParseDuration reads it, or a number of seconds.
func DurationValue(v cty.Value) (time.Duration, error) {
	v, _ = v.Unmark()
	if v.IsNull() || !v.IsKnown() {
		return 0, errors.New("a duration is required")
	}
	if v.Type() == cty.Number {
		f, _ := v.AsBigFloat().Float64()
		return secondsDuration(f)
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return 0, errors.New("a duration is required")
	}
	return ParseDuration(s.AsString())
}

// decodeDuration decodes a duration attribute; ok is false when the
// attribute is absent, null or invalid (invalid is reported).
func decodeDuration(attr *hcl.Attribute, ctx *hcl.EvalContext) (d time.Duration, ok bool, diags hcl.Diagnostics) {
	if attr == nil {
		return 0, false, nil
	}
	val, diags := evalAttr(attr, ctx)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return 0, false, diags
	}
	d, err := DurationValue(val)
	if err != nil {
		return 0, false, append(diags, durationDiag(attr, val, err))
	}
	return d, true, diags
}

// durationDiag reports an invalid duration.
func durationDiag(attr *hcl.Attribute, val cty.Value, err error) *hcl.Diagnostic {
	shown := "This value"
	if s, cerr := convert.Convert(val, cty.String); cerr == nil && !s.IsNull() {
		shown = fmt.Sprintf("%q", s.AsString())
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid duration",
		Detail: fmt.Sprintf("Attribute %q takes a duration. %s is not one: %s. %s",
			attr.Name, shown, err, durationHint),
		Subject: attr.Expr.Range().Ptr(),
		Context: attr.Range.Ptr(),
	}
}

// IsDurationAttr reports whether a plugin block attribute is, by bbhost's
// naming convention, a duration that the host checks while loading: names
// ending in _interval, _timer, _timeout or _delay, and timeout and interval
// themselves. Plugins should name their duration attributes so.
func IsDurationAttr(name string) bool {
	switch name {
	case "timeout", "interval":
		return true
	}
	for _, suffix := range []string{"_interval", "_timer", "_timeout", "_delay"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}
