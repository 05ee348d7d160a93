package force

import (
	"encoding/json"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/pyre"
)

// kind is a parameter class of Buildbot's forcesched.py.
type kind int

const (
	kindString      kind = iota + 1 // StringParameter
	kindText                        // TextParameter
	kindInt                         // IntParameter
	kindBool                        // BooleanParameter
	kindUsername                    // UserNameParameter
	kindChoice                      // ChoiceStringParameter
	kindWorker                      // WorkerChoiceParameter
	kindFixed                       // FixedParameter
	kindNested                      // NestedParameter
	kindAnyProperty                 // AnyPropertyParameter
	kindCodebase                    // CodebaseParameter
)

// kindNames maps the HCL `type` of a parameter to its kind.
var kindNames = map[string]kind{
	"string":       kindString,
	"text":         kindText,
	"textarea":     kindText,
	"int":          kindInt,
	"bool":         kindBool,
	"username":     kindUsername,
	"choice":       kindChoice,
	"list":         kindChoice,
	"workername":   kindWorker,
	"fixed":        kindFixed,
	"nested":       kindNested,
	"any_property": kindAnyProperty,
}

// specType is the `type` Buildbot's spec gives each kind.
func (k kind) specType() string {
	switch k {
	case kindString:
		return "text"
	case kindText:
		return "textarea"
	case kindInt:
		return "int"
	case kindBool:
		return "bool"
	case kindUsername:
		return "username"
	case kindChoice, kindWorker:
		return "list"
	case kindFixed:
		return "fixed"
	default:
		return "nested"
	}
}

func (k kind) nested() bool { return k == kindNested || k == kindAnyProperty || k == kindCodebase }

// param is one force form parameter (Buildbot's BaseParameter and its
// subclasses), with every attribute its spec shows.
type param struct {
	kind         kind
	name         string
	parent       *string // parentName; nil is Python's None
	label        string
	tablabel     string
	def          any // default
	required     bool
	multiple     bool
	regex        *pyre.Regexp
	hide         bool
	maxsize      *int
	autopopulate any
	size         int
	cols, rows   int
	needEmail    bool
	choices      []any
	strict       bool
	layout       string
	columns      int
	fields       []*param
	codebase     string // kindCodebase
}

// fullName is Buildbot's fullName: parent_name when both are set, else
// whichever is (nil when neither: an anonymous group at the top).
func (p *param) fullName() *string {
	if p.parent != nil && *p.parent != "" && p.name != "" {
		s := *p.parent + "_" + p.name
		return &s
	}
	if p.name != "" {
		s := p.name
		return &s
	}
	return p.parent
}

// key is fullName as a map key ("" for None).
func (p *param) key() string {
	if f := p.fullName(); f != nil {
		return *f
	}
	return ""
}

// setParent sets the parent's full name on p and, for groups, on their
// fields in turn (NestedParameter.setParent).
func (p *param) setParent(parent *param) {
	if parent == nil {
		p.parent = nil
	} else {
		p.parent = parent.fullName()
	}
	for _, f := range p.fields {
		f.setParent(p)
	}
}

// spec is the parameter's entry of all_fields (BaseParameter.getSpec).
func (p *param) spec() map[string]any {
	m := map[string]any{
		"name":         p.name,
		"label":        p.label,
		"tablabel":     p.tablabel,
		"type":         p.kind.specType(),
		"default":      p.def,
		"required":     p.required,
		"multiple":     p.multiple,
		"regex":        nil, // a compiled pattern: Buildbot's JSON encoder writes null
		"hide":         p.hide,
		"maxsize":      nil,
		"autopopulate": p.autopopulate,
	}
	if f := p.fullName(); f != nil {
		m["fullName"] = *f
	} else {
		m["fullName"] = nil
	}
	if p.maxsize != nil {
		m["maxsize"] = *p.maxsize
	}
	switch p.kind {
	case kindString, kindInt:
		m["size"] = p.size
	case kindText:
		m["size"], m["cols"], m["rows"] = p.size, p.cols, p.rows
	case kindUsername:
		m["size"], m["need_email"] = p.size, p.needEmail
	case kindChoice, kindWorker:
		choices := p.choices
		if choices == nil {
			choices = []any{}
		}
		m["choices"], m["strict"] = choices, p.strict
	case kindNested, kindAnyProperty, kindCodebase:
		m["layout"], m["columns"] = p.layout, p.columns
		fields := make([]any, len(p.fields))
		for i, f := range p.fields {
			fields[i] = f.spec()
		}
		m["fields"] = fields
	}
	return m
}

// specJSON encodes spec() (keys sorted, as the master serves them).
func (p *param) specJSON() (json.RawMessage, error) { return json.Marshal(p.spec()) }

// walk calls fn for p and every field below it.
func (p *param) walk(fn func(*param)) {
	fn(p)
	for _, f := range p.fields {
		f.walk(fn)
	}
}

// defaultColumns is NestedParameter's choice when columns is not given: 2
// with four or more visible fields, else 1.
func defaultColumns(fields []*param) int {
	visible := 0
	for _, f := range fields {
		if !f.hide {
			visible++
		}
	}
	if visible >= 4 {
		return 2
	}
	return 1
}
