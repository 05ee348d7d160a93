package force

import (
	"encoding/json"
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/zclconf/go-cty/cty"
)

// form is a configured force form: Buildbot's ForceScheduler attributes.
type form struct {
	buttonName   string
	label        string
	reason       *param
	username     *param
	reasonString string
	// forced are forcedProperties: the codebases, then the properties.
	forced []*param
	// all is all_fields: the anonymous group of username and reason, then
	// forced.
	all []*param
}

// build checks the configuration and builds the form.
func (c *Config) build() (*form, base.Diagnostics) {
	var diags base.Diagnostics
	fm := &form{buttonName: c.ButtonName, label: c.Label, reasonString: c.ReasonString}
	if err := checkReasonString(c.ReasonString); err != nil {
		diags = append(diags, base.AttrError("reason_string", "Invalid reason_string", err.Error()))
	}
	reason := paramDesc{Name: "reason"}
	if c.Reason != nil {
		reason = c.Reason.desc()
		if reason.Name == "" {
			reason.Name = "reason"
		}
	} else {
		def, size := "force build", 20
		reason.Default, reason.Size = &def, &size
	}
	var d base.Diagnostics
	fm.reason, d = buildParam(reason, kindString, cty.GetAttrPath("reason"), 0)
	diags = append(diags, d...)
	username := paramDesc{}
	if c.Username != nil {
		username = c.Username.desc()
	}
	fm.username, d = buildParam(username, kindUsername, cty.GetAttrPath("username"), 0)
	diags = append(diags, d...)
	for _, p := range []*param{fm.reason, fm.username} {
		if p != nil && p.kind.nested() {
			diags = append(diags, base.AttrError(p.name, "Invalid parameter type", "the reason and username fields cannot be groups"))
		}
	}
	if c.Codebases != nil && len(c.Codebases) == 0 && len(c.Codebase) == 0 {
		diags = append(diags, base.AttrError("codebases", "Invalid codebases",
			"'codebases' cannot be empty; use a codebase block with every field set to false if needed"))
	}
	var blocks []CodebaseBlock
	for _, name := range c.Codebases {
		blocks = append(blocks, CodebaseBlock{Codebase: name})
	}
	blocks = append(blocks, c.Codebase...)
	if len(blocks) == 0 {
		blocks = []CodebaseBlock{{}}
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		path := cty.GetAttrPath("codebases").Index(cty.NumberIntVal(int64(i)))
		if i >= len(c.Codebases) {
			path = cty.GetAttrPath("codebase").Index(cty.NumberIntVal(int64(i - len(c.Codebases))))
		}
		if seen[b.Codebase] {
			diags = append(diags, base.PathError(path, "Duplicate codebase", fmt.Sprintf("codebase %q is given twice", b.Codebase)))
			continue
		}
		seen[b.Codebase] = true
		p, d := buildCodebase(b, path)
		diags = append(diags, d...)
		fm.forced = append(fm.forced, p)
	}
	for i, b := range c.Property {
		path := cty.GetAttrPath("property").Index(cty.NumberIntVal(int64(i)))
		p, d := buildParam(b.desc(), kindString, path, 0)
		diags = append(diags, d...)
		if p != nil {
			fm.forced = append(fm.forced, p)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	anon := &param{kind: kindNested, def: "", layout: "vertical", fields: []*param{fm.username, fm.reason}}
	anon.columns = defaultColumns(anon.fields)
	anon.setParent(nil)
	fm.all = append([]*param{anon}, fm.forced...)
	diags = append(diags, fm.checkNames()...)
	if diags.HasErrors() {
		return nil, diags
	}
	return fm, diags
}

// checkNames refuses two fields with one full name: the form could not
// tell their values apart.
func (fm *form) checkNames() base.Diagnostics {
	var diags base.Diagnostics
	leaves := map[string]bool{}
	groups := map[string]bool{}
	for _, top := range fm.all {
		top.walk(func(p *param) {
			if p.kind.nested() {
				if p.fullName() != nil {
					groups[p.key()] = true
				}
				return
			}
			if leaves[p.key()] {
				diags = append(diags, base.Diagnostic{Severity: base.SeverityError, Summary: "Duplicate force field",
					Detail: fmt.Sprintf("two fields of the form are named %q", p.key())})
			}
			leaves[p.key()] = true
		})
	}
	for name := range leaves {
		if groups[name] {
			diags = append(diags, base.Diagnostic{Severity: base.SeverityError, Summary: "Duplicate force field",
				Detail: fmt.Sprintf("a field and a group of the form are both named %q", name)})
		}
	}
	return diags
}

// allFields is the spec's all_fields.
func (fm *form) allFields() ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(fm.all))
	for _, p := range fm.all {
		b, err := p.specJSON()
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", p.key(), err)
		}
		out = append(out, b)
	}
	return out, nil
}
