package force

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyre"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/zclconf/go-cty/cty"
)

// ParamBlock is a force form parameter as HCL writes it: a `property`
// block, and the `reason` and `username` blocks. The attributes are
// Buildbot's parameter arguments in snake_case. (Plugin blocks that repeat
// cannot hold attributes of varying types, so values are typed: `default`
// is text, converted for int and bool parameters, and a multiple choice's
// defaults are `defaults`.)
type ParamBlock = paramBlock[FieldBlock]

// FieldBlock is a `field` of a nested group; it may be a group itself.
type FieldBlock = paramBlock[LeafBlock]

// LeafBlock is a `field` of a nested group inside a group: the third and
// last level.
type LeafBlock = paramBlock[noField]

// noField stands for the absent fourth level.
type noField struct{}

func (noField) desc() paramDesc { return paramDesc{} }

// describer is a parameter block of any level.
type describer interface{ desc() paramDesc }

// paramBlock is one parameter's attributes and, for a group, its fields.
type paramBlock[F describer] struct {
	Type         string                       `hcl:"type,optional" doc:"string (a one-line text field), text (a text area), int, bool, choice, workername, username, fixed, nested (a group of fields) or any_property; default string (username for the username block)"`
	Name         string                       `hcl:"name,optional" doc:"the property name, and the field's name in the form (required, except for the reason, username and workername parameters and anonymous nested groups)"`
	Label        *string                      `hcl:"label,optional" doc:"the label shown in the form (default: the name)"`
	Tablabel     *string                      `hcl:"tablabel,optional" doc:"the label of the field's tab (default: the label)"`
	Default      *string                      `hcl:"default,optional" doc:"the value used when the form leaves the field empty: text, a whole number for int, true or false for bool"`
	Defaults     []string                     `hcl:"defaults,optional" doc:"the values of a multiple parameter when the form gives none"`
	Required     *bool                        `hcl:"required,optional" doc:"refuse a force without a value (default false)"`
	Multiple     *bool                        `hcl:"multiple,optional" doc:"the field takes a list of values (choice)"`
	Regex        *string                      `hcl:"regex,optional" doc:"a Python regular expression every value must match (re.match: anchored at the start)"`
	Hide         *bool                        `hcl:"hide,optional" doc:"hide the field in the form (default true for fixed, else false)"`
	Maxsize      *int                         `hcl:"maxsize,optional" doc:"the longest value accepted, in characters"`
	Autopopulate map[string]map[string]string `hcl:"autopopulate,optional" doc:"web UI: when this field takes a value, set other fields: {value = {field = value}}"`
	Size         *int                         `hcl:"size,optional" doc:"width of a string, text, int or username field (default 10; 30 for username)"`
	Cols         *int                         `hcl:"cols,optional" doc:"columns of a text area (default 80)"`
	Rows         *int                         `hcl:"rows,optional" doc:"rows of a text area (default 20)"`
	NeedEmail    *bool                        `hcl:"need_email,optional" doc:"username: require an email address 'Name <email>' (default true)"`
	Choices      []string                     `hcl:"choices,optional" doc:"choice and workername: the values offered"`
	Strict       *bool                        `hcl:"strict,optional" doc:"choice: refuse values outside choices (default true; false for workername)"`
	Layout       *string                      `hcl:"layout,optional" doc:"nested: vertical (default) or tabs"`
	Columns      *int                         `hcl:"columns,optional" doc:"nested: columns of the group, at most 4 (default 2 with four or more visible fields, else 1)"`
	Field        []F                          `hcl:"field,block" doc:"nested: the group's fields, in order"`
}

// paramDesc is a parameter block of any level, without its type parameter.
type paramDesc struct {
	Type, Name                string
	Label, Tablabel, Default  *string
	Defaults                  []string
	Required, Multiple, Hide  *bool
	Regex                     *string
	Maxsize, Size, Cols, Rows *int
	Autopopulate              map[string]map[string]string
	NeedEmail, Strict         *bool
	Choices                   []string
	Layout                    *string
	Columns                   *int
	Fields                    []paramDesc
}

func (b paramBlock[F]) desc() paramDesc {
	d := paramDesc{Type: b.Type, Name: b.Name, Label: b.Label, Tablabel: b.Tablabel, Default: b.Default, Defaults: b.Defaults,
		Required: b.Required, Multiple: b.Multiple, Hide: b.Hide, Regex: b.Regex, Maxsize: b.Maxsize, Size: b.Size,
		Cols: b.Cols, Rows: b.Rows, Autopopulate: b.Autopopulate, NeedEmail: b.NeedEmail, Strict: b.Strict,
		Choices: b.Choices, Layout: b.Layout, Columns: b.Columns}
	for _, f := range b.Field {
		d.Fields = append(d.Fields, f.desc())
	}
	return d
}

// CodebaseBlock is one codebase of the force form (Buildbot's
// CodebaseParameter). Its fields branch, project, repository and revision
// are free text fields, unless fixed to a value (`fixed`), left out
// (`omit`) or described by a block of their name.
type CodebaseBlock struct {
	Codebase   string            `hcl:"codebase,optional" doc:"the codebase's name (default \"\", the default codebase)"`
	Name       *string           `hcl:"name,optional" doc:"prefix of the fields' names (default: the codebase)"`
	Label      *string           `hcl:"label,optional" doc:"the group's label (default \"Codebase: <codebase>\")"`
	Tablabel   *string           `hcl:"tablabel,optional" doc:"the group's tab label (default: the label)"`
	Hide       *bool             `hcl:"hide,optional" doc:"hide the group"`
	Layout     *string           `hcl:"layout,optional" doc:"vertical (default) or tabs"`
	Columns    *int              `hcl:"columns,optional" doc:"columns of the group, at most 4"`
	Fixed      map[string]string `hcl:"fixed,optional" doc:"fields fixed to a value, by field name (branch, project, repository, revision): hidden, and always that value"`
	Omit       []string          `hcl:"omit,optional" doc:"fields left out of the form (Buildbot's None); the source stamp then has an empty value"`
	Branch     *LeafBlock        `hcl:"branch,block" doc:"the branch field as a parameter (its name is branch)"`
	Project    *LeafBlock        `hcl:"project,block" doc:"the project field as a parameter"`
	Repository *LeafBlock        `hcl:"repository,block" doc:"the repository field as a parameter"`
	Revision   *LeafBlock        `hcl:"revision,block" doc:"the revision field as a parameter"`
}

// reservedNames cannot name a parameter (BaseParameter.__init__).
var reservedNames = map[string]bool{"owner": true, "builderNames": true, "builderid": true}

// buildParam turns a parameter description into a parameter. defKind
// applies when Type is empty; path names the block in diagnostics; depth
// counts the groups above.
func buildParam(b paramDesc, defKind kind, path cty.Path, depth int) (*param, base.Diagnostics) {
	var diags base.Diagnostics
	errAt := func(attr, summary, detail string) {
		p := path
		if attr != "" {
			p = path.Copy().GetAttr(attr)
		}
		diags = append(diags, base.PathError(p, summary, detail))
	}
	k := defKind
	if b.Type != "" {
		var ok bool
		if k, ok = kindNames[b.Type]; !ok {
			names := make([]string, 0, len(kindNames))
			for n := range kindNames {
				names = append(names, n)
			}
			sort.Strings(names)
			errAt("type", "Unknown parameter type", fmt.Sprintf("%q is not a parameter type; use one of %s", b.Type, strings.Join(names, ", ")))
			return nil, diags
		}
	}
	p := &param{kind: k, name: b.Name, def: "", layout: "vertical"}
	switch k {
	case kindString:
		p.size = 10
	case kindText:
		p.size, p.cols, p.rows = 10, 80, 20
	case kindInt:
		p.size, p.def = 10, int64(0)
	case kindUsername:
		p.size, p.needEmail = 30, true
		if p.name == "" {
			p.name = "username"
		}
	case kindChoice:
		p.strict = true
	case kindWorker:
		if p.name == "" {
			p.name = "workername"
		}
	case kindFixed:
		p.hide = true
	}
	if reservedNames[p.name] {
		errAt("name", "Reserved parameter name", fmt.Sprintf("%s cannot be used as a parameter name, because it is reserved", p.name))
	}
	if p.name == "" && k != kindNested {
		errAt("name", "Missing parameter name", "every parameter but an anonymous nested group needs a name")
	}
	p.label = p.name
	if k == kindUsername {
		p.label = "Your name:"
	}
	if b.Label != nil {
		if k == kindAnyProperty {
			errAt("label", "Unsupported attribute", "an any_property parameter has no label")
		}
		p.label = *b.Label
	}
	p.tablabel = p.label
	if b.Tablabel != nil {
		p.tablabel = *b.Tablabel
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setBool(&p.required, b.Required)
	setBool(&p.multiple, b.Multiple)
	setBool(&p.hide, b.Hide)
	if b.Autopopulate != nil {
		ap := make(map[string]any, len(b.Autopopulate))
		for k, m := range b.Autopopulate {
			inner := make(map[string]any, len(m))
			for f, v := range m {
				inner[f] = v
			}
			ap[k] = inner
		}
		p.autopopulate = ap
	}
	if b.Regex != nil && *b.Regex != "" {
		re, err := pyre.Compile(*b.Regex)
		if err != nil {
			errAt("regex", "Invalid regular expression", err.Error())
		}
		p.regex = re
	}
	if b.Maxsize != nil {
		if *b.Maxsize < 0 {
			errAt("maxsize", "Invalid maxsize", "maxsize cannot be negative")
		}
		m := *b.Maxsize
		p.maxsize = &m
	}
	only := func(attr string, set bool, kinds ...kind) bool {
		if !set {
			return false
		}
		for _, x := range kinds {
			if x == k {
				return true
			}
		}
		errAt(attr, "Unsupported attribute", fmt.Sprintf("%s does not apply to a %s parameter", attr, typeName(k)))
		return false
	}
	if only("size", b.Size != nil, kindString, kindText, kindInt, kindUsername) {
		p.size = *b.Size
	}
	if only("cols", b.Cols != nil, kindText) {
		p.cols = *b.Cols
	}
	if only("rows", b.Rows != nil, kindText) {
		p.rows = *b.Rows
	}
	if only("need_email", b.NeedEmail != nil, kindUsername) {
		p.needEmail = *b.NeedEmail
	}
	if only("choices", b.Choices != nil, kindChoice, kindWorker) {
		p.choices = make([]any, len(b.Choices))
		for i, c := range b.Choices {
			p.choices[i] = c
		}
	}
	if only("strict", b.Strict != nil, kindChoice, kindWorker) {
		p.strict = *b.Strict
	}
	if only("layout", b.Layout != nil, kindNested, kindAnyProperty) {
		p.layout = *b.Layout
	}
	if b.Default != nil || b.Defaults != nil {
		if k.nested() {
			errAt("default", "Unsupported attribute", "a group has no default; give its fields defaults")
		}
	}
	if b.Default != nil {
		if p.multiple {
			errAt("default", "Unsupported attribute", "a multiple parameter takes defaults, a list")
		}
		v, err := convertDefault(k, *b.Default)
		if err != nil {
			errAt("default", "Invalid default", err.Error())
		}
		p.def = v
	}
	if b.Defaults != nil {
		if !p.multiple {
			errAt("defaults", "Unsupported attribute", "defaults is for multiple parameters; give default instead")
		}
		list := make([]any, len(b.Defaults))
		for i, d := range b.Defaults {
			list[i] = d
		}
		p.def = list
	}
	if len(b.Fields) > 0 && k != kindNested {
		errAt("field", "Unsupported block", fmt.Sprintf("field blocks belong to nested parameters, not to a %s parameter", typeName(k)))
	}
	switch k {
	case kindNested:
		if depth >= maxNesting {
			errAt("field", "Too deeply nested", fmt.Sprintf("nested groups go at most %d deep", maxNesting))
			return p, diags
		}
		for i, fd := range b.Fields {
			fp := path.Copy().GetAttr("field").Index(cty.NumberIntVal(int64(i)))
			f, d := buildParam(fd, kindString, fp, depth+1)
			diags = append(diags, d...)
			if f != nil {
				p.fields = append(p.fields, f)
			}
		}
	case kindAnyProperty:
		p.label, p.tablabel = "", ""
		if b.Tablabel != nil {
			p.tablabel = *b.Tablabel
		}
		p.fields = []*param{
			{kind: kindString, name: "name", label: "Name:", tablabel: "Name:", def: "", size: 10},
			{kind: kindString, name: "value", label: "Value:", tablabel: "Value:", def: "", size: 10},
		}
	}
	if k.nested() {
		p.columns = defaultColumns(p.fields)
		if only("columns", b.Columns != nil, kindNested, kindAnyProperty) {
			p.columns = *b.Columns
		}
		if p.columns > 4 {
			errAt("columns", "Too many columns", "UI only support up to 4 columns in nested parameters")
		}
	} else {
		only("columns", b.Columns != nil)
	}
	p.setParent(nil)
	return p, diags
}

// maxNesting bounds nested groups: a property, its fields, their fields.
const maxNesting = 2

// convertDefault reads a default written as text: a whole number for an
// int parameter, true or false for a bool one, else the text itself.
func convertDefault(k kind, s string) (any, error) {
	switch k {
	case kindInt:
		v, ferr := parseIntString(s)
		if ferr != nil {
			return nil, fmt.Errorf("the default of an int parameter must be a whole number, not %q", s)
		}
		return v, nil
	case kindBool:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("the default of a bool parameter is true or false, not %q", s)
	}
	return s, nil
}

// multipleDefault is the list a multiple parameter falls back to: its
// default list, or the characters of a default string (Python iterates
// it).
func multipleDefault(def any) ([]any, bool) {
	switch d := def.(type) {
	case []any:
		return d, true
	case string:
		out := make([]any, 0, len(d))
		for _, r := range d {
			out = append(out, string(r))
		}
		return out, true
	}
	return nil, false
}

func typeName(k kind) string {
	for n, x := range kindNames {
		if x == k && n != "textarea" && n != "list" {
			return n
		}
	}
	return "nested"
}

// codebaseFields are a codebase's fields, in Buildbot's (sorted) order.
var codebaseFields = []string{"branch", "project", "repository", "revision"}

// buildCodebase turns a codebase block into a CodebaseParameter.
func buildCodebase(c CodebaseBlock, path cty.Path) (*param, base.Diagnostics) {
	var diags base.Diagnostics
	name := c.Codebase
	if c.Name != nil && *c.Name != "" {
		name = *c.Name
	}
	p := &param{kind: kindCodebase, name: name, codebase: c.Codebase, def: "", layout: "vertical"}
	switch {
	case c.Label != nil:
		p.label = *c.Label
	case c.Codebase != "":
		p.label = "Codebase: " + c.Codebase
	default:
		p.label = name
	}
	p.tablabel = p.label
	if c.Tablabel != nil {
		p.tablabel = *c.Tablabel
	}
	if c.Hide != nil {
		p.hide = *c.Hide
	}
	if c.Layout != nil {
		p.layout = *c.Layout
	}
	known := map[string]bool{}
	for _, f := range codebaseFields {
		known[f] = true
	}
	omit := map[string]bool{}
	for i, f := range c.Omit {
		if !known[f] {
			diags = append(diags, base.PathError(path.Copy().GetAttr("omit").Index(cty.NumberIntVal(int64(i))), "Unknown codebase field",
				fmt.Sprintf("%q is not a codebase field; use branch, project, repository or revision", f)))
		}
		omit[f] = true
	}
	for f := range c.Fixed {
		if !known[f] {
			diags = append(diags, base.PathError(path.Copy().GetAttr("fixed").Index(cty.StringVal(f)), "Unknown codebase field",
				fmt.Sprintf("%q is not a codebase field; use branch, project, repository or revision", f)))
		}
	}
	blocks := map[string]*LeafBlock{"branch": c.Branch, "project": c.Project, "repository": c.Repository, "revision": c.Revision}
	for _, f := range codebaseFields {
		fp := path.Copy().GetAttr(f)
		fixed, isFixed := c.Fixed[f]
		given := 0
		for _, b := range []bool{omit[f], isFixed, blocks[f] != nil} {
			if b {
				given++
			}
		}
		if given > 1 {
			diags = append(diags, base.PathError(fp, "Conflicting codebase field", fmt.Sprintf("the %s field is given more than one way (omit, fixed, a block)", f)))
			continue
		}
		switch {
		case omit[f]:
		case isFixed:
			p.fields = append(p.fields, &param{kind: kindFixed, name: f, label: f, tablabel: f, def: fixed, hide: true})
		case blocks[f] != nil:
			d := blocks[f].desc()
			if d.Name == "" {
				d.Name = f
			}
			if d.Name != f {
				diags = append(diags, base.PathError(fp.GetAttr("name"), "Invalid field name", fmt.Sprintf("the %s field of a codebase must be named %q", f, f)))
				continue
			}
			fld, fd := buildParam(d, kindString, fp, maxNesting)
			diags = append(diags, fd...)
			if fld != nil {
				if fld.kind.nested() {
					diags = append(diags, base.PathError(fp, "Invalid field", "a codebase field cannot be a group"))
					continue
				}
				p.fields = append(p.fields, fld)
			}
		default:
			label := strings.ToUpper(f[:1]) + f[1:] + ":"
			p.fields = append(p.fields, &param{kind: kindString, name: f, label: label, tablabel: label, def: "", size: 10})
		}
	}
	p.columns = defaultColumns(p.fields)
	if c.Columns != nil {
		p.columns = *c.Columns
	}
	if p.columns > 4 {
		diags = append(diags, base.PathError(path.Copy().GetAttr("columns"), "Too many columns", "UI only support up to 4 columns in nested parameters"))
	}
	p.setParent(nil)
	return p, diags
}
