// Package basic holds the change-driven scheduler kinds, after Buildbot's
// schedulers/basic.py: `single_branch` (SingleBranchScheduler) and
// `any_branch` (AnyBranchScheduler). They follow the master's changes from
// a cursor kept in their state with the changes they classified, so a
// restart replays what it missed and restarts the tree-stable timers of
// changes not yet built.
package basic

import (
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyfmt"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// Kinds' block labels.
const (
	SingleBranchKind = "single_branch"
	AnyBranchKind    = "any_branch"
)

// SingleBranchConfig is the `scheduler "single_branch" "<name>"` block.
type SingleBranchConfig struct {
	Branch                     *string              `hcl:"branch,optional" doc:"the branch whose changes start builds (required unless change_filter is given)"`
	TreeStableTimer            *time.Duration       `hcl:"tree_stable_timer,optional" doc:"wait until no change came for this long, then build them all at once (default: build each important change at once)"`
	ChangeFilter               *changes.FilterBlock `hcl:"change_filter,block" doc:"which changes to take, instead of branch and categories"`
	Categories                 []string             `hcl:"categories,optional" doc:"only changes of these categories"`
	Files                      []string             `hcl:"files,optional" doc:"a change is important when one of its files matches one of these globs (default: every change); unimportant changes only ride along"`
	OnlyImportant              bool                 `hcl:"only_important,optional" doc:"drop unimportant changes entirely"`
	CreateAbsoluteSourceStamps bool                 `hcl:"create_absolute_source_stamps,optional" doc:"for codebases without a change, build the last revision seen rather than the latest"`
	Reason                     *string              `hcl:"reason,optional" doc:"the buildset's reason, with %(name)s and %(classname)s (default \"The %(classname)s scheduler named '%(name)s' triggered this build\")"`
	Codebases                  any                  `hcl:"codebases,optional" doc:"the codebases: a list of names, or an object of names to {repository, branch, revision} defaults (default [\"\"])"`
}

// AnyBranchConfig is the `scheduler "any_branch" "<name>"` block.
type AnyBranchConfig struct {
	Branches        any                  `hcl:"branches,optional" doc:"only changes on these branches (null: the default branch); default every branch"`
	TreeStableTimer *time.Duration       `hcl:"tree_stable_timer,optional" doc:"per branch (and codebase, project, repository): wait until no change came for this long, then build them at once"`
	ChangeFilter    *changes.FilterBlock `hcl:"change_filter,block" doc:"which changes to take, instead of branches and categories"`
	Categories      []string             `hcl:"categories,optional" doc:"only changes of these categories"`
	Files           []string             `hcl:"files,optional" doc:"a change is important when one of its files matches one of these globs (default: every change)"`
	OnlyImportant   bool                 `hcl:"only_important,optional" doc:"drop unimportant changes entirely"`
	Reason          *string              `hcl:"reason,optional" doc:"the buildset's reason, with %(name)s and %(classname)s"`
	Codebases       any                  `hcl:"codebases,optional" doc:"the codebases: a list of names, or an object of names to {repository, branch, revision} defaults"`
}

// DefaultReason is the basic schedulers' default reason.
const DefaultReason = "The %(classname)s scheduler named '%(name)s' triggered this build"

// Options adjust the kinds for tests.
type Options struct {
	// Clock drives the tree-stable timers (default the wall clock).
	Clock clock.Clock
}

// options are a basic scheduler's checked settings.
type options struct {
	className string
	stable    time.Duration // 0: no tree-stable timer
	absolute  bool
	reason    string // unformatted
	codebases sched.Codebases
	rules     changes.Rules
	perBranch bool // AnyBranchScheduler's timer per branch
}

// Validate checks the configuration (base.Validator).
func (c *SingleBranchConfig) Validate() base.Diagnostics { _, d := c.options(); return d }

func (c *SingleBranchConfig) options() (options, base.Diagnostics) {
	var diags base.Diagnostics
	if c.Branch == nil && c.ChangeFilter == nil {
		diags = append(diags, base.AttrError("branch", "Missing branch",
			"the 'branch' argument to SingleBranchScheduler is mandatory unless change_filter is provided"))
	}
	var branch any
	if c.Branch != nil {
		branch = *c.Branch
	}
	o, d := build("SingleBranchScheduler", c.ChangeFilter, branch, c.Categories, c.Files, c.OnlyImportant, c.Reason, c.Codebases, c.TreeStableTimer)
	o.absolute = c.CreateAbsoluteSourceStamps
	return o, append(diags, d...)
}

// Validate checks the configuration (base.Validator).
func (c *AnyBranchConfig) Validate() base.Diagnostics { _, d := c.options(); return d }

func (c *AnyBranchConfig) options() (options, base.Diagnostics) {
	o, d := build("AnyBranchScheduler", c.ChangeFilter, c.Branches, c.Categories, c.Files, c.OnlyImportant, c.Reason, c.Codebases, c.TreeStableTimer)
	o.perBranch = true
	return o, d
}

// build checks the shared settings; branch is nil, a string or a list
// (ChangeFilter.fromSchedulerConstructorArgs).
func build(className string, filter *changes.FilterBlock, branch any, categories, files []string, onlyImportant bool,
	reason *string, codebases any, stable *time.Duration) (options, base.Diagnostics) {
	var diags base.Diagnostics
	o := options{className: className, reason: DefaultReason}
	if stable != nil {
		o.stable = *stable
	}
	if reason != nil {
		o.reason = *reason
	}
	if err := pyfmt.Check(o.reason, "name", "classname"); err != nil {
		diags = append(diags, base.AttrError("reason", "Invalid reason", err.Error()))
	}
	if filter != nil && (branch != nil || categories != nil) {
		diags = append(diags, base.AttrError("change_filter", "Conflicting change filter",
			"cannot specify both change_filter and branch or categories"))
	}
	if filter == nil && (branch != nil || len(categories) > 0) {
		fb := &changes.FilterBlock{Branch: branch}
		if len(categories) > 0 {
			list := make([]any, len(categories))
			for i, c := range categories {
				list[i] = c
			}
			fb.Category = list
		}
		filter = fb
	}
	f, d := filter.Compile("change_filter")
	diags = append(diags, d...)
	cbs, d := sched.ParseCodebases("codebases", codebases)
	diags = append(diags, d...)
	fs, err := changes.CompileFiles(files)
	if err != nil {
		diags = append(diags, base.AttrError("files", "Invalid file pattern", err.Error()))
	}
	o.codebases = cbs
	o.rules = changes.Rules{Filter: f, Codebases: cbs, Files: fs, OnlyImportant: onlyImportant}
	return o, diags
}

// SingleBranchComponent registers the single_branch kind.
func SingleBranchComponent(opts Options) scheduler.Component {
	return scheduler.Component{Kind: SingleBranchKind, Config: &SingleBranchConfig{},
		Docs: "Buildbot's SingleBranchScheduler: builds the changes of one branch, once the tree is stable.",
		New: func() scheduler.Scheduler {
			return newBasic(opts, func(req base.ConfigureRequest) (any, options, error) {
				var cfg SingleBranchConfig
				if err := req.Decode(&cfg); err != nil {
					return nil, options{}, err
				}
				o, diags := cfg.options()
				return cfg, o, diags.Err()
			})
		}}
}

// AnyBranchComponent registers the any_branch kind.
func AnyBranchComponent(opts Options) scheduler.Component {
	return scheduler.Component{Kind: AnyBranchKind, Config: &AnyBranchConfig{},
		Docs: "Buildbot's AnyBranchScheduler: builds the changes of every branch, each branch on its own tree-stable timer.",
		New: func() scheduler.Scheduler {
			return newBasic(opts, func(req base.ConfigureRequest) (any, options, error) {
				var cfg AnyBranchConfig
				if err := req.Decode(&cfg); err != nil {
					return nil, options{}, err
				}
				o, diags := cfg.options()
				return cfg, o, diags.Err()
			})
		}}
}
