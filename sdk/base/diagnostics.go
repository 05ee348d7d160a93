package base

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Severity of a Diagnostic.
type Severity int

// Severities.
const (
	SeverityError Severity = iota + 1
	SeverityWarning
)

// Diagnostic is a problem with an instance's configuration. Path, when set,
// names the attribute (and element) at fault, so the master can point at the
// user's file:line,col.
type Diagnostic struct {
	Severity Severity
	Summary  string
	Detail   string
	Path     cty.Path
}

// Diagnostics is a list of diagnostics.
type Diagnostics []Diagnostic

// AttrError returns an error diagnostic about the top-level attribute attr.
func AttrError(attr, summary, detail string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Summary: summary, Detail: detail, Path: cty.GetAttrPath(attr)}
}

// PathError returns an error diagnostic about the value at path.
func PathError(path cty.Path, summary, detail string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Summary: summary, Detail: detail, Path: path.Copy()}
}

// HasErrors reports whether any diagnostic is an error.
func (d Diagnostics) HasErrors() bool {
	for _, x := range d {
		if x.Severity != SeverityWarning {
			return true
		}
	}
	return false
}

// Err returns an error carrying the diagnostics when there are errors, else
// nil. AsDiagnostics recovers them.
func (d Diagnostics) Err() error {
	if !d.HasErrors() {
		return nil
	}
	return &DiagnosticsError{Diags: d}
}

// DiagnosticsError is an error made of diagnostics.
type DiagnosticsError struct{ Diags Diagnostics }

func (e *DiagnosticsError) Error() string {
	var parts []string
	for _, d := range e.Diags {
		if d.Severity == SeverityWarning {
			continue
		}
		parts = append(parts, d.String())
	}
	return strings.Join(parts, "; ")
}

// String renders a diagnostic as "attr.path: summary: detail".
func (d Diagnostic) String() string {
	var b strings.Builder
	if p := FormatPath(d.Path); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	return b.String()
}

// AsDiagnostics returns the diagnostics an error carries, or one error
// diagnostic with the error's text. A nil error gives nil.
func AsDiagnostics(err error) Diagnostics {
	if err == nil {
		return nil
	}
	var de *DiagnosticsError
	if errors.As(err, &de) {
		return de.Diags
	}
	return Diagnostics{{Severity: SeverityError, Summary: err.Error()}}
}

// FormatPath renders a path as HCL would write it: a.b[0]["k"].
func FormatPath(p cty.Path) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull():
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number && s.Key.IsKnown() && !s.Key.IsNull():
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[?]")
			}
		}
	}
	return b.String()
}
