// Package steps owns the step kinds built into the host (Buildbot's
// steps/*.py): shell, git, set_property, set_property_from_command, trigger,
// file_upload, file_download, string_download, mkdir and rmdir. Each runs
// through the remote commands of a worker.Conn, so every step works on every
// worker kind.
//
// A step only does its own work; the build engine (host/botmaster) owns what
// every step shares (Buildbot's BuildStep.startStep): the step row, locks,
// do_step_if, hide_step_if, result flags, summaries and the mapping of
// errors to results. It gives each step a Context.
package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
)

// Step is one step kind's work (Buildbot's BuildStep.run).
type Step interface {
	// Run does the step's work and returns its result code. Errors map to
	// results as Buildbot's: ErrFailed → FAILURE, ErrCancelled → CANCELLED,
	// worker.ErrConnectionLost → RETRY, anything else → EXCEPTION.
	Run(ctx context.Context, sc Context) (int, error)
}

// Summarizer is implemented by steps whose summaries differ from the
// description-based default (Buildbot's getCurrentSummary and
// getResultSummary). ok false falls back to the default.
type Summarizer interface {
	CurrentSummary() (summary string, ok bool)
	ResultSummary(results int) (summary string, ok bool)
}

// Interrupter is implemented by steps that need to react to a stop beyond the
// interrupt of their running command (Buildbot's Trigger.interrupt).
type Interrupter interface {
	Interrupt(ctx context.Context, sc Context, reason string)
}

// ErrFailed is Buildbot's BuildStepFailed: the step ends FAILURE.
var ErrFailed = errors.New("build step failed")

// ErrCancelled is Buildbot's BuildStepCancelled: the step ends CANCELLED.
var ErrCancelled = errors.New("build step cancelled")

// SourceStamp is a build's source stamp as steps see it.
type SourceStamp struct {
	SSID       int64
	Branch     *string
	Revision   *string
	Repository string
	Project    string
	Codebase   string
	Patch      *data.Patch
}

// Context is what the build engine offers a running step.
type Context interface {
	// Render renders a string attribute (Buildbot's Interpolate).
	Render(s string) (string, error)
	// RenderValue renders every string inside a JSON-compatible value.
	RenderValue(v any) (any, error)
	// Property and SetProperty read and write build properties.
	Property(name string) (any, bool)
	SetProperty(name string, value any, source string)
	// SourceStamp returns the build's stamp for a codebase.
	SourceStamp(codebase string) (SourceStamp, bool)
	// SourceStamps returns all the build's stamps.
	SourceStamps() []SourceStamp

	// BuildID, BuilderName and WorkerName identify the build.
	BuildID() int64
	BuilderName() string
	WorkerName() string
	// BuilderEnv is the builder's env, rendered.
	BuilderEnv() (map[string]string, error)
	// LogEncoding is the step's log_encoding, else the master's.
	LogEncoding() string

	// WorkerPathJoin joins paths with the worker's path rules (posix, or
	// Windows when the worker reports system "nt").
	WorkerPathJoin(parts ...string) string
	// BuilderDir is the builder's directory on the worker (Buildbot's
	// builddir property: worker basedir joined with the builder's build dir).
	BuilderDir() string
	// Workdir is the step's rendered workdir relative to BuilderDir
	// (default "build").
	Workdir() string
	// MasterBasedir is the master's base directory (file transfers).
	MasterBasedir() string
	// WorkerEnviron is the worker's reported environment (for ~ expansion).
	WorkerEnviron() map[string]string

	// RunCommand runs a remote command on the build's worker and returns when
	// it completed. The error is the command's failure (EXCEPTION), a lost
	// connection (RETRY) or a stop (CANCELLED).
	RunCommand(ctx context.Context, cmd *RemoteCommand) error
	// AddLog creates a log of the step (type logs.TypeStdio, TypeText,
	// TypeHTML); the engine finishes it when the step ends.
	AddLog(name, typ string) (*logs.Writer, error)
	// AddCompleteLog creates a text log with the given content, finished.
	AddCompleteLog(name, text string) error
	// AddURL adds a link to the step.
	AddURL(name, url string) error
	// UpdateSummary publishes the step's current summary now.
	UpdateSummary()
	// Stopped reports whether the build or step was stopped.
	Stopped() bool
	// Triggerer starts triggered buildsets (nil when the master has none).
	Triggerer() Triggerer
	// WaitBuildsetComplete returns a function that waits for buildset bsid
	// to complete and returns its result; subscribe before creating the
	// buildset, then call the function with its id. The wait ends with
	// ErrCancelled when the step is stopped.
	WaitBuildsetComplete() func(ctx context.Context, bsid int64) (int, error)
	// CancelBuildRequest cancels a build request (Trigger's interrupt).
	CancelBuildRequest(ctx context.Context, brid int64, reason string) error
}

// TriggerRequest is what a trigger step asks a triggerable scheduler for.
type TriggerRequest struct {
	// SourceStamps are the stamps of the new buildset (by value).
	SourceStamps []TriggerSourceStamp
	// Properties are set with source "Trigger".
	Properties         map[string]any
	WaitedFor          bool
	ParentBuildID      int64
	ParentRelationship string
}

// TriggerSourceStamp is one source stamp of a triggered buildset.
type TriggerSourceStamp struct {
	Codebase   string
	Branch     *string
	Revision   *string
	Repository string
	Project    string
}

// Triggerer starts buildsets through triggerable schedulers; the scheduler
// manager implements it.
type Triggerer interface {
	// Trigger asks the triggerable scheduler schedulerName to add a buildset
	// and returns its id and its build request ids by builder id. An unknown
	// or non-triggerable scheduler is an error.
	Trigger(ctx context.Context, schedulerName string, req TriggerRequest) (bsid int64, brids map[int64]int64, err error)
}

// New builds the step of a configured step block.
func New(s config.Step) (Step, error) {
	c := s.Common
	switch {
	case s.Shell != nil:
		return &Shell{Cfg: *s.Shell, Common: c}, nil
	case s.Git != nil:
		return &Git{Cfg: *s.Git, Common: c}, nil
	case s.SetProperty != nil:
		return &SetProperty{Cfg: *s.SetProperty, Name: s.Name}, nil
	case s.SetPropertyFromCommand != nil:
		return &SetPropertyFromCommand{Cfg: *s.SetPropertyFromCommand, Common: c}, nil
	case s.Trigger != nil:
		return &Trigger{Cfg: *s.Trigger}, nil
	case s.FileUpload != nil:
		return &FileUpload{Cfg: *s.FileUpload, transfer: transfer{Common: c}}, nil
	case s.FileDownload != nil:
		return &FileDownload{Cfg: *s.FileDownload, transfer: transfer{Common: c}}, nil
	case s.StringDownload != nil:
		return &StringDownload{Cfg: *s.StringDownload, transfer: transfer{Common: c}}, nil
	case s.MakeDirectory != nil:
		return &MakeDirectory{Cfg: *s.MakeDirectory}, nil
	case s.RemoveDirectory != nil:
		return &RemoveDirectory{Cfg: *s.RemoveDirectory}, nil
	}
	return nil, fmt.Errorf("step %q: unknown step kind %q", s.Name, s.Kind)
}

// Defaults are the description defaults of a step kind (Buildbot's class
// attributes), used when the block sets none.
type Defaults struct {
	Description     string
	DescriptionDone string
}

// KindDefaults returns the defaults of a step kind.
func KindDefaults(kind string) Defaults {
	switch kind {
	case "git":
		return Defaults{Description: "updating", DescriptionDone: "update"}
	case "set_property":
		return Defaults{Description: "Setting", DescriptionDone: "Set"}
	}
	return Defaults{}
}
