// Package force is the `force` scheduler kind, Buildbot's ForceScheduler:
// builds started by hand through the web UI's force form, JSON-RPC `force`
// on /api/v2/forceschedulers/<name> and `bbhost force`. Its form is made
// of parameters (Buildbot's forcesched.py classes) described in HCL, and
// ForceSpec serves them as Buildbot's all_fields.
package force

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// Kind is the block label of this scheduler kind.
const Kind = "force"

// Docs describes the kind.
const Docs = "Buildbot's ForceScheduler: builds forced through the force form, JSON-RPC force and `bbhost force`."

// Config is the `scheduler "force" "<name>"` block (besides the common
// builders and properties).
type Config struct {
	ButtonName   string          `hcl:"button_name,optional" doc:"the force button's text (default: the scheduler's name)"`
	Label        string          `hcl:"label,optional" doc:"the form's title (default: the scheduler's name)"`
	Reason       *ParamBlock     `hcl:"reason,block" doc:"the reason field (default: a string parameter named reason, default \"force build\", size 20)"`
	ReasonString string          `hcl:"reason_string,optional" doc:"the buildset's reason, with %(owner)s and %(reason)s (default \"A build was forced by '%(owner)s': %(reason)s\")"`
	Username     *ParamBlock     `hcl:"username,block" doc:"the username field, the build's owner when the caller is anonymous (default: a username parameter, label \"Your name:\", need_email = true)"`
	Codebases    []string        `hcl:"codebases,optional" doc:"codebase names, each with the default free text fields (default [\"\"]); codebase blocks describe them in detail"`
	Codebase     []CodebaseBlock `hcl:"codebase,block" doc:"one codebase of the form, after those of codebases"`
	Property     []ParamBlock    `hcl:"property,block" doc:"an extra parameter of the form, which becomes a build property"`
}

// DefaultReasonString is Buildbot's reasonString.
const DefaultReasonString = "A build was forced by '%(owner)s': %(reason)s"

// defaults returns a Config with Buildbot's defaults.
func defaults() Config { return Config{ReasonString: DefaultReasonString} }

// Validate checks the configuration (base.Validator).
func (c *Config) Validate() base.Diagnostics {
	_, diags := c.build()
	return diags
}

// Component registers the kind.
func Component() scheduler.Component {
	cfg := defaults()
	return scheduler.Component{Kind: Kind, Docs: Docs, Config: &cfg, New: func() scheduler.Scheduler { return New() }}
}

// Force is one force scheduler instance.
type Force struct {
	mu     sync.RWMutex
	common sched.Common
	form   *form
}

var (
	_ scheduler.Scheduler = (*Force)(nil)
	_ scheduler.Forcer    = (*Force)(nil)
)

// New returns an unconfigured force scheduler.
func New() *Force { return &Force{} }

// identRe is Buildbot's identifiers.ident_re: force scheduler names must
// match it.
var identRe = regexp.MustCompile(`^[a-zA-Z\x{a0}-\x{10ffff}_-][a-zA-Z0-9\x{a0}-\x{10ffff}_-]*$`)

// Configure takes the configuration; a force scheduler has no running
// state, so a new configuration applies at once.
func (f *Force) Configure(ctx context.Context, req base.ConfigureRequest) error {
	cfg := defaults()
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	if !identRe.MatchString(req.Ref.Name) {
		return base.Diagnostics{{Severity: base.SeverityError, Summary: "Invalid force scheduler name",
			Detail: fmt.Sprintf("ForceScheduler name must be an identifier: %q", req.Ref.Name)}}.Err()
	}
	fm, diags := cfg.build()
	if diags.HasErrors() {
		return diags.Err()
	}
	if fm.buttonName == "" {
		fm.buttonName = req.Ref.Name
	}
	if fm.label == "" {
		fm.label = req.Ref.Name
	}
	f.mu.Lock()
	f.common, f.form = sched.CommonOf(req), fm
	f.mu.Unlock()
	return nil
}

// Start does nothing: a force scheduler only answers calls.
func (f *Force) Start(ctx context.Context) error { return nil }

// Stop does nothing.
func (f *Force) Stop(ctx context.Context, drainDeadline time.Time) error { return nil }

func (f *Force) current() (sched.Common, *form, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.form == nil {
		return sched.Common{}, nil, fmt.Errorf("force scheduler is not configured")
	}
	return f.common, f.form, nil
}

// ForceSpec describes the form as Buildbot's /api/v2/forceschedulers does.
func (f *Force) ForceSpec(ctx context.Context) (scheduler.ForceSpec, error) {
	c, fm, err := f.current()
	if err != nil {
		return scheduler.ForceSpec{}, err
	}
	fields, err := fm.allFields()
	if err != nil {
		return scheduler.ForceSpec{}, fmt.Errorf("force spec %s: %w", c.Name, err)
	}
	return scheduler.ForceSpec{ButtonName: fm.buttonName, Label: fm.label, BuilderNames: append([]string(nil), c.Builders...), AllFields: fields}, nil
}

// Force validates the request and adds the buildset (ForceScheduler.force).
func (f *Force) Force(ctx context.Context, req scheduler.ForceRequest) (base.BuildsetResult, error) {
	c, fm, err := f.current()
	if err != nil {
		return base.BuildsetResult{}, err
	}
	spec, err := fm.buildset(c, req)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	res, err := c.Host.AddBuildset(ctx, spec)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("force %s: add buildset: %w", c.Name, err)
	}
	return res, nil
}

// reasonKeys are the keys reason_string may use.
var reasonKeys = []string{"owner", "reason"}

func checkReasonString(s string) error { return pyfmt.Check(s, reasonKeys...) }
