package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/bbhost/bbhost/host/results"
)

// The raw structs of the step kinds hold their own attributes, with
// Buildbot's argument names in snake_case.

type shellRaw struct {
	Command    *hcl.Attribute    `hcl:"command"`
	DecodeRC   *hcl.Attribute    `hcl:"decode_rc,optional"`
	LogFiles   map[string]string `hcl:"logfiles,optional"`
	Usepty     *bool             `hcl:"usepty,optional"`
	WantStdout *bool             `hcl:"want_stdout,optional"`
	WantStderr *bool             `hcl:"want_stderr,optional"`
}

type gitRaw struct {
	RepoURL          string         `hcl:"repourl"`
	Branch           *string        `hcl:"branch,optional"`
	Mode             *string        `hcl:"mode,optional"`
	Method           *string        `hcl:"method,optional"`
	Submodules       *bool          `hcl:"submodules,optional"`
	Shallow          *hcl.Attribute `hcl:"shallow,optional"`
	Codebase         *string        `hcl:"codebase,optional"`
	RetryFetch       *bool          `hcl:"retry_fetch,optional"`
	Progress         *bool          `hcl:"progress,optional"`
	AlwaysUseLatest  *bool          `hcl:"always_use_latest,optional"`
	ClobberOnFailure *bool          `hcl:"clobber_on_failure,optional"`
	Reference        *string        `hcl:"reference,optional"`
}

type setPropertyRaw struct {
	Property string         `hcl:"property"`
	Value    *hcl.Attribute `hcl:"value"`
}

type setPropertyFromCommandRaw struct {
	Command  *hcl.Attribute `hcl:"command"`
	Property string         `hcl:"property"`
	Strip    *bool          `hcl:"strip,optional"`
}

type triggerRaw struct {
	SchedulerNames    *hcl.Attribute `hcl:"scheduler_names"`
	WaitForFinish     *bool          `hcl:"wait_for_finish,optional"`
	UpdateSourceStamp *bool          `hcl:"update_source_stamp,optional"`
	AlwaysUseLatest   *bool          `hcl:"always_use_latest,optional"`
	SetProperties     *hcl.Attribute `hcl:"set_properties,optional"`
	CopyProperties    []string       `hcl:"copy_properties,optional"`
}

type fileUploadRaw struct {
	WorkerSrc  string         `hcl:"workersrc"`
	MasterDest string         `hcl:"masterdest"`
	Mode       *hcl.Attribute `hcl:"mode,optional"`
	MaxSize    *int64         `hcl:"maxsize,optional"`
}

type fileDownloadRaw struct {
	MasterSrc  string         `hcl:"mastersrc"`
	WorkerDest string         `hcl:"workerdest"`
	Mode       *hcl.Attribute `hcl:"mode,optional"`
	MaxSize    *int64         `hcl:"maxsize,optional"`
}

type stringDownloadRaw struct {
	S          string         `hcl:"s"`
	WorkerDest string         `hcl:"workerdest"`
	Mode       *hcl.Attribute `hcl:"mode,optional"`
}

type dirRaw struct {
	Dir string `hcl:"dir"`
}

var (
	gitModes       = []string{"incremental", "full"}
	gitFullMethods = []string{"clean", "fresh", "clobber", "copy"}
)

// stepContext decodes one step's kind-specific attributes.
type stepContext struct {
	l       *loader
	content *hcl.BodyContent
	def     hcl.Range
}

func (sc stepContext) errorAt(attr, summary, detail string) {
	sc.l.diags = append(sc.l.diags, errorDiag(summary, detail, attrRange(sc.content, attr, sc.def)))
}

// nonEmpty reports a required string attribute that is empty.
func (sc stepContext) nonEmpty(attr, value string) {
	if _, present := sc.content.Attributes[attr]; present && value == "" {
		sc.errorAt(attr, fmt.Sprintf("Empty %s", attr), fmt.Sprintf("%s must not be empty.", attr))
	}
}

func (sc stepContext) shell(r *shellRaw) *ShellStep {
	s := &ShellStep{LogFiles: r.LogFiles, WantStdout: true, WantStderr: true}
	s.Command = sc.command(r.Command)
	set(&s.Usepty, r.Usepty)
	set(&s.WantStdout, r.WantStdout)
	set(&s.WantStderr, r.WantStderr)
	s.DecodeRC = sc.decodeRC(r.DecodeRC)
	return s
}

// command decodes `command`: a shell string or a non-empty list of strings.
func (sc stepContext) command(attr *hcl.Attribute) Command {
	if attr == nil {
		return Command{}
	}
	if argv, _, ok := literalStrings(attr.Expr); ok && len(argv) > 0 {
		return Command{Argv: argv}
	}
	val, diags := evalAttr(attr, sc.l.ctx)
	sc.l.diags = append(sc.l.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return Command{}
	}
	if !val.IsNull() && val.Type() == cty.String {
		if strings.TrimSpace(val.AsString()) == "" {
			sc.errorAt("command", "Empty command", "command must not be empty.")
		}
		return Command{Shell: val.AsString()}
	}
	var argv []string
	l, err := convert.Convert(val, cty.List(cty.String))
	if err == nil && !l.IsNull() {
		err = gocty.FromCtyValue(l, &argv)
	}
	if err != nil || val.IsNull() {
		sc.l.diags = append(sc.l.diags, typeDiag(attr, sc.l.ctx, fmt.Errorf("a string or a list of strings is required")))
		return Command{}
	}
	if len(argv) == 0 {
		sc.errorAt("command", "Empty command", "command must name a program; the list is empty.")
	}
	return Command{Argv: argv}
}

// decodeRC decodes `decode_rc`: exit code → result, the result a code
// (0-6) or a name ("success", "warnings", "failure", ...).
func (sc stepContext) decodeRC(attr *hcl.Attribute) map[int]int {
	if attr == nil {
		return nil
	}
	var raw map[string]string
	diags := decodeInto(attr, sc.l.ctx, &raw)
	sc.l.diags = append(sc.l.diags, diags...)
	if diags.HasErrors() || raw == nil {
		return nil
	}
	out := make(map[int]int, len(raw))
	for code, res := range raw {
		rc, err := strconv.Atoi(code)
		if err != nil {
			sc.errorAt("decode_rc", "Invalid decode_rc", fmt.Sprintf("The key %q is not an exit code; decode_rc maps exit codes to results, such as { 0 = \"success\", 1 = \"warnings\" }.", code))
			continue
		}
		r, err := strconv.Atoi(res)
		if err != nil {
			r, err = results.Parse(strings.ToLower(res))
		}
		if err != nil || results.Name(r) == "Invalid status" {
			sc.errorAt("decode_rc", "Invalid decode_rc", fmt.Sprintf("Exit code %d maps to %q, which is not a result; use one of success, warnings, failure, skipped, exception, retry, cancelled, or their codes 0 to 6.", rc, res))
			continue
		}
		out[rc] = r
	}
	return out
}

func (sc stepContext) git(r *gitRaw) *GitStep {
	g := &GitStep{RepoURL: r.RepoURL, Branch: "HEAD", Mode: "incremental", ProgressLog: true}
	sc.nonEmpty("repourl", g.RepoURL)
	set(&g.Branch, r.Branch)
	set(&g.Mode, r.Mode)
	set(&g.Method, r.Method)
	set(&g.Submodules, r.Submodules)
	set(&g.Codebase, r.Codebase)
	set(&g.RetryFetch, r.RetryFetch)
	set(&g.ProgressLog, r.Progress)
	set(&g.AlwaysUseLatest, r.AlwaysUseLatest)
	set(&g.ClobberOnFailure, r.ClobberOnFailure)
	set(&g.Reference, r.Reference)
	if d := enumDiag(sc.content, "mode", g.Mode, gitModes, sc.def); d != nil {
		sc.l.add(d)
		return g
	}
	switch {
	case g.Mode == "full" && g.Method == "":
		g.Method = "fresh"
	case g.Mode == "full":
		sc.l.add(enumDiag(sc.content, "method", g.Method, gitFullMethods, sc.def))
	case g.Method != "":
		sc.l.diags = append(sc.l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Unused git method",
			Detail:  fmt.Sprintf("method = %q only applies to mode = \"full\"; an incremental update ignores it.", g.Method),
			Subject: attrRange(sc.content, "method", sc.def).Ptr()})
	}
	if r.Shallow != nil {
		g.Shallow = sc.shallow(r.Shallow)
		if g.Shallow > 0 && (g.Mode != "full" || g.Method != "clobber") {
			sc.errorAt("shallow", "Shallow clone needs a clobber",
				`shallow is only possible with mode = "full" and method = "clobber" (a fresh clone), as in Buildbot.`)
		}
	}
	return g
}

// shallow decodes `shallow`: true (depth 1), false, or a depth.
func (sc stepContext) shallow(attr *hcl.Attribute) int {
	val, diags := evalAttr(attr, sc.l.ctx)
	sc.l.diags = append(sc.l.diags, diags...)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return 0
	}
	if val.Type() == cty.Bool {
		if val.True() {
			return 1
		}
		return 0
	}
	var depth int
	sc.l.diags = append(sc.l.diags, decodeInto(attr, sc.l.ctx, &depth)...)
	if depth < 0 {
		sc.errorAt("shallow", "Invalid shallow", "shallow is true, false or a clone depth of at least 1.")
		return 0
	}
	return depth
}

func (sc stepContext) setProperty(r *setPropertyRaw) *SetPropertyStep {
	s := &SetPropertyStep{Property: r.Property}
	sc.nonEmpty("property", s.Property)
	var diags hcl.Diagnostics
	s.Value, diags = decodeAny(r.Value, sc.l.ctx)
	sc.l.diags = append(sc.l.diags, diags...)
	return s
}

func (sc stepContext) setPropertyFromCommand(r *setPropertyFromCommandRaw) *SetPropertyFromCommandStep {
	s := &SetPropertyFromCommandStep{Property: r.Property, Strip: true}
	sc.nonEmpty("property", s.Property)
	s.Command = sc.command(r.Command)
	set(&s.Strip, r.Strip)
	return s
}

func (sc stepContext) trigger(r *triggerRaw, from string) *TriggerStep {
	t := &TriggerStep{CopyProperties: r.CopyProperties}
	set(&t.WaitForFinish, r.WaitForFinish)
	set(&t.AlwaysUseLatest, r.AlwaysUseLatest)
	t.UpdateSourceStamp = !t.AlwaysUseLatest
	if r.UpdateSourceStamp != nil {
		t.UpdateSourceStamp = *r.UpdateSourceStamp
		if t.AlwaysUseLatest {
			sc.errorAt("update_source_stamp", "Conflicting trigger arguments",
				"A trigger step cannot set both always_use_latest and update_source_stamp (as in Buildbot).")
		}
	}
	if r.SchedulerNames != nil {
		names, ranges, diags := decodeNameList(r.SchedulerNames, sc.l.ctx)
		sc.l.diags = append(sc.l.diags, diags...)
		t.SchedulerNames = names
		for i, n := range names {
			if !strings.Contains(n, "%(") { // rendered at build time otherwise
				sc.l.schedulerRefs = append(sc.l.schedulerRefs, ref{name: n, rng: ranges[i], from: from})
			}
		}
		if len(names) == 0 && !diags.HasErrors() {
			sc.errorAt("scheduler_names", "No schedulers to trigger", "scheduler_names must name at least one triggerable scheduler.")
		}
	}
	var diags hcl.Diagnostics
	t.SetProperties, diags = decodeObject(r.SetProperties, sc.l.ctx)
	sc.l.diags = append(sc.l.diags, diags...)
	return t
}

func (sc stepContext) fileUpload(r *fileUploadRaw) *FileUploadStep {
	s := &FileUploadStep{WorkerSrc: r.WorkerSrc, MasterDest: r.MasterDest, Mode: sc.mode(r.Mode)}
	sc.nonEmpty("workersrc", s.WorkerSrc)
	sc.nonEmpty("masterdest", s.MasterDest)
	set(&s.MaxSize, r.MaxSize)
	sc.checkMaxSize(s.MaxSize)
	return s
}

func (sc stepContext) fileDownload(r *fileDownloadRaw) *FileDownloadStep {
	s := &FileDownloadStep{MasterSrc: r.MasterSrc, WorkerDest: r.WorkerDest, Mode: sc.mode(r.Mode)}
	sc.nonEmpty("mastersrc", s.MasterSrc)
	sc.nonEmpty("workerdest", s.WorkerDest)
	set(&s.MaxSize, r.MaxSize)
	sc.checkMaxSize(s.MaxSize)
	return s
}

func (sc stepContext) stringDownload(r *stringDownloadRaw) *StringDownloadStep {
	s := &StringDownloadStep{S: r.S, WorkerDest: r.WorkerDest, Mode: sc.mode(r.Mode)}
	sc.nonEmpty("workerdest", s.WorkerDest)
	return s
}

func (sc stepContext) dir(r *dirRaw) *DirStep {
	sc.nonEmpty("dir", r.Dir)
	return &DirStep{Dir: r.Dir}
}

func (sc stepContext) checkMaxSize(n int64) {
	if n < 0 {
		sc.errorAt("maxsize", "Invalid maxsize", "maxsize is a number of bytes (0 = no limit); it cannot be negative.")
	}
}

// mode decodes a file mode written as an octal string ("0644"). Numbers are
// refused: HCL reads 0644 as the decimal 644.
func (sc stepContext) mode(attr *hcl.Attribute) *int {
	if attr == nil {
		return nil
	}
	val, diags := evalAttr(attr, sc.l.ctx)
	sc.l.diags = append(sc.l.diags, diags...)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return nil
	}
	if val.Type() != cty.String {
		sc.errorAt("mode", "Invalid file mode",
			"Write a file mode as an octal string, such as \"0644\" or \"0755\": HCL has no octal numbers and reads 0644 as 644.")
		return nil
	}
	m, err := strconv.ParseUint(val.AsString(), 8, 32)
	if err != nil || m > 0o7777 {
		sc.errorAt("mode", "Invalid file mode",
			fmt.Sprintf("%q is not an octal file mode, such as \"0644\" or \"0755\".", val.AsString()))
		return nil
	}
	mode := int(m)
	return &mode
}
