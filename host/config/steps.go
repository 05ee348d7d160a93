package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// DefaultStepTimeout is Buildbot's default time without output before a
// command is killed.
const DefaultStepTimeout = 20 * time.Minute

// StepKinds lists the step kinds built into the host (SPEC §3).
func StepKinds() []string {
	return []string{"shell", "git", "set_property", "set_property_from_command", "trigger",
		"file_upload", "file_download", "string_download", "mkdir", "rmdir"}
}

// newStepRaw returns the raw struct of a step kind's own attributes, or nil
// for an unknown kind.
func newStepRaw(kind string) any {
	switch kind {
	case "shell":
		return &shellRaw{}
	case "git":
		return &gitRaw{}
	case "set_property":
		return &setPropertyRaw{}
	case "set_property_from_command":
		return &setPropertyFromCommandRaw{}
	case "trigger":
		return &triggerRaw{}
	case "file_upload":
		return &fileUploadRaw{}
	case "file_download":
		return &fileDownloadRaw{}
	case "string_download":
		return &stringDownloadRaw{}
	case "mkdir", "rmdir":
		return &dirRaw{}
	}
	return nil
}

// stepCommonRaw holds Buildbot's BuildStep (and ShellMixin) arguments that
// every step takes.
type stepCommonRaw struct {
	HaltOnFailure     *bool             `hcl:"halt_on_failure,optional"`
	FlunkOnFailure    *bool             `hcl:"flunk_on_failure,optional"`
	WarnOnFailure     *bool             `hcl:"warn_on_failure,optional"`
	WarnOnWarnings    *bool             `hcl:"warn_on_warnings,optional"`
	FlunkOnWarnings   *bool             `hcl:"flunk_on_warnings,optional"`
	AlwaysRun         *bool             `hcl:"always_run,optional"`
	DoStepIf          *hcl.Attribute    `hcl:"do_step_if,optional"`
	HideStepIf        *hcl.Attribute    `hcl:"hide_step_if,optional"`
	Description       *hcl.Attribute    `hcl:"description,optional"`
	DescriptionDone   *hcl.Attribute    `hcl:"description_done,optional"`
	DescriptionSuffix *hcl.Attribute    `hcl:"description_suffix,optional"`
	Workdir           *string           `hcl:"workdir,optional"`
	Locks             *hcl.Attribute    `hcl:"locks,optional"`
	Timeout           *hcl.Attribute    `hcl:"timeout,optional"`
	MaxTime           *hcl.Attribute    `hcl:"max_time,optional"`
	Env               map[string]string `hcl:"env,optional"`
	LogEncoding       *string           `hcl:"log_encoding,optional"`
}

// decodeStep decodes one step of bd; ok is false for an unknown kind.
func (l *loader) decodeStep(bd *Builder, sb stepBlock) (Step, bool) {
	kindRaw := newStepRaw(sb.kind)
	if kindRaw == nil {
		l.diags = append(l.diags, errorDiag("Unknown step kind",
			fmt.Sprintf("There is no step kind %q.%s The step kinds are %s.",
				sb.kind, didYouMean(sb.kind, StepKinds()), quotedList(StepKinds(), "and")), sb.kindRange))
		return Step{}, false
	}
	step := Step{Kind: sb.kind, Name: sb.kind}
	if sb.nameRange != nil {
		step.Name = sb.name
		if sb.name == "" || len([]rune(sb.name)) > maxStepName {
			l.diags = append(l.diags, errorDiag("Invalid step name",
				fmt.Sprintf("A step name must have 1 to %d characters; %q has %d.", maxStepName, sb.name, len([]rune(sb.name))),
				*sb.nameRange))
		}
	}
	from := fmt.Sprintf("Step %q of builder %q", step.Name, bd.Name)

	var common stepCommonRaw
	content, diags := sb.body.Content(mergeSchemas(&common, kindRaw))
	if content == nil {
		content = &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: sb.defRange}
	}
	diags = append(diags, decodeAttrs(content.Attributes, l.ctx, &common)...)
	diags = append(diags, decodeAttrs(content.Attributes, l.ctx, kindRaw)...)
	l.diags = append(l.diags, diags...)
	if step.Kind == "git" && common.HaltOnFailure == nil {
		// Buildbot's source steps halt the build when they fail: there is
		// nothing to build without a checkout.
		halt := true
		common.HaltOnFailure = &halt
	}
	step.Common = l.stepCommon(&common, from)

	sc := stepContext{l: l, content: content, def: sb.defRange}
	switch r := kindRaw.(type) {
	case *shellRaw:
		step.Shell = sc.shell(r)
	case *gitRaw:
		step.Git = sc.git(r)
	case *setPropertyRaw:
		step.SetProperty = sc.setProperty(r)
	case *setPropertyFromCommandRaw:
		step.SetPropertyFromCommand = sc.setPropertyFromCommand(r)
	case *triggerRaw:
		step.Trigger = sc.trigger(r, from)
	case *fileUploadRaw:
		step.FileUpload = sc.fileUpload(r)
	case *fileDownloadRaw:
		step.FileDownload = sc.fileDownload(r)
	case *stringDownloadRaw:
		step.StringDownload = sc.stringDownload(r)
	case *dirRaw:
		d := sc.dir(r)
		if sb.kind == "mkdir" {
			step.MakeDirectory = d
		} else {
			step.RemoveDirectory = d
		}
	}
	return step, true
}

// stepCommon turns the common attributes into StepCommon with Buildbot's
// defaults (flunk_on_failure true, timeout 20m).
func (l *loader) stepCommon(raw *stepCommonRaw, from string) StepCommon {
	c := StepCommon{FlunkOnFailure: true, Timeout: DefaultStepTimeout, Env: raw.Env}
	set(&c.HaltOnFailure, raw.HaltOnFailure)
	set(&c.FlunkOnFailure, raw.FlunkOnFailure)
	set(&c.WarnOnFailure, raw.WarnOnFailure)
	set(&c.WarnOnWarnings, raw.WarnOnWarnings)
	set(&c.FlunkOnWarnings, raw.FlunkOnWarnings)
	set(&c.AlwaysRun, raw.AlwaysRun)
	set(&c.Workdir, raw.Workdir)
	set(&c.LogEncoding, raw.LogEncoding)
	c.DoStepIf = l.decodeCondition(raw.DoStepIf)
	c.HideStepIf = l.decodeCondition(raw.HideStepIf)
	var diags hcl.Diagnostics
	for _, d := range []struct {
		dst  *string
		attr *hcl.Attribute
	}{{&c.Description, raw.Description}, {&c.DescriptionDone, raw.DescriptionDone}, {&c.DescriptionSuffix, raw.DescriptionSuffix}} {
		*d.dst, diags = decodeStringOrList(d.attr, l.ctx)
		l.diags = append(l.diags, diags...)
	}
	if d, ok, diags := decodeDuration(raw.Timeout, l.ctx); ok {
		c.Timeout = d
	} else {
		l.diags = append(l.diags, diags...)
	}
	c.MaxTime, _, diags = decodeDuration(raw.MaxTime, l.ctx)
	l.diags = append(l.diags, diags...)
	c.Locks = l.decodeLockAccesses(raw.Locks, from)
	return c
}

// decodeCondition decodes do_step_if / hide_step_if: a bool, or a string
// that is "true", "false" or an interpolation rendered at build time.
func (l *loader) decodeCondition(attr *hcl.Attribute) string {
	if attr == nil {
		return ""
	}
	var s string
	diags := decodeInto(attr, l.ctx, &s) // bools convert to "true"/"false"
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return ""
	}
	if s != "true" && s != "false" && !strings.Contains(s, "%(") {
		l.diags = append(l.diags, errorDiag(fmt.Sprintf("Invalid %s", attr.Name),
			fmt.Sprintf("%s takes true, false, or a string with an interpolation such as \"%%(prop:run_tests)s\" that renders to true or false; %q is neither.", attr.Name, s),
			attr.Expr.Range()))
	}
	return s
}
