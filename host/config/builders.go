package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var (
	nextWorkers = []string{"random", "first"}
	nextBuilds  = []string{"oldest", "newest"}
)

type builderRaw struct {
	Workers           *hcl.Attribute    `hcl:"workers,optional"`
	Tags              []string          `hcl:"tags,optional"`
	Description       *string           `hcl:"description,optional"`
	Project           *string           `hcl:"project,optional"`
	Properties        *hcl.Attribute    `hcl:"properties,optional"`
	DefaultProperties *hcl.Attribute    `hcl:"default_properties,optional"`
	CollapseRequests  *bool             `hcl:"collapse_requests,optional"`
	Locks             *hcl.Attribute    `hcl:"locks,optional"`
	NextWorker        *string           `hcl:"next_worker,optional"`
	NextBuild         *string           `hcl:"next_build,optional"`
	WorkerBuildDir    *string           `hcl:"workerbuilddir,optional"`
	Env               map[string]string `hcl:"env,optional"`
}

// decodeBuilder decodes a `builder "NAME"` block and its steps.
func (l *loader) decodeBuilder(b *hcl.Block) {
	name := b.Labels[0]
	bd := Builder{Name: name, NextWorker: "random", NextBuild: "oldest", BuildDir: safeTranslate(name), DefRange: b.DefRange}
	from := fmt.Sprintf("Builder %q", name)
	switch {
	case name == "":
		l.diags = append(l.diags, errorDiag("Invalid builder name", "A builder name must not be empty.", b.LabelRanges[0]))
	case strings.HasPrefix(name, "_"):
		l.diags = append(l.diags, errorDiag("Invalid builder name",
			fmt.Sprintf("Builder names must not start with \"_\" (reserved for internal builders); %q does.", name), b.LabelRanges[0]))
	}
	l.builderNames = append(l.builderNames, named{name: name, rng: b.LabelRanges[0]})

	own, steps, diags := splitSteps(b.Body)
	l.diags = append(l.diags, diags...)
	var raw builderRaw
	content, diags := decodeBody(own, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	bd.Tags = raw.Tags
	bd.Env = raw.Env
	bd.CollapseRequests = raw.CollapseRequests
	set(&bd.Description, raw.Description)
	set(&bd.Project, raw.Project)
	set(&bd.NextWorker, raw.NextWorker)
	set(&bd.NextBuild, raw.NextBuild)
	if raw.WorkerBuildDir != nil && *raw.WorkerBuildDir != "" {
		bd.BuildDir = *raw.WorkerBuildDir
	}
	bd.Properties, diags = decodeObject(raw.Properties, l.ctx)
	l.diags = append(l.diags, diags...)
	bd.DefaultProps, diags = decodeObject(raw.DefaultProperties, l.ctx)
	l.diags = append(l.diags, diags...)
	l.add(enumDiag(content, "next_worker", bd.NextWorker, nextWorkers, b.DefRange))
	l.add(enumDiag(content, "next_build", bd.NextBuild, nextBuilds, b.DefRange))

	if raw.Workers != nil {
		names, ranges, diags := decodeNameList(raw.Workers, l.ctx)
		l.diags = append(l.diags, diags...)
		bd.Workers = names
		for i, n := range names {
			l.workerRefs = append(l.workerRefs, ref{name: n, rng: ranges[i], from: from})
		}
		if len(names) == 0 && !diags.HasErrors() {
			l.diags = append(l.diags, errorDiag("Builder has no workers",
				fmt.Sprintf("Builder %q must list at least one worker to run its builds on.", name), raw.Workers.Expr.Range()))
		}
	} else {
		l.diags = append(l.diags, errorDiag("Builder has no workers",
			fmt.Sprintf("Builder %q needs a workers attribute listing the workers its builds run on.", name), b.DefRange))
	}
	bd.Locks = l.decodeLockAccesses(raw.Locks, from)

	for _, s := range steps {
		if step, ok := l.decodeStep(&bd, s); ok {
			bd.Steps = append(bd.Steps, step)
		}
	}
	l.cfg.Builders = append(l.cfg.Builders, bd)
}

// stepBlock is a `step` block before decoding.
type stepBlock struct {
	kind, name          string
	body                hcl.Body
	defRange, kindRange hcl.Range
	nameRange           *hcl.Range // nil when the step has no name label
}

// splitSteps separates a builder body's step blocks, which take one or two
// labels, from the rest. In native syntax it walks the body; JSON has no
// optional labels, so there steps always have two (an empty name means the
// default one): {"step": {"shell": {"unit": {...}}}}.
func splitSteps(body hcl.Body) (hcl.Body, []stepBlock, hcl.Diagnostics) {
	var steps []stepBlock
	var diags hcl.Diagnostics
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		content, rest, d := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
			{Type: "step", LabelNames: []string{"kind", "name"}},
		}})
		diags = append(diags, d...)
		for _, b := range content.Blocks {
			s := stepBlock{kind: b.Labels[0], name: b.Labels[1], body: b.Body, defRange: b.DefRange, kindRange: b.LabelRanges[0]}
			if s.name != "" {
				s.nameRange = &b.LabelRanges[1]
			}
			steps = append(steps, s)
		}
		return rest, steps, diags
	}
	own := &hclsyntax.Body{Attributes: sb.Attributes, SrcRange: sb.SrcRange, EndRange: sb.EndRange}
	for _, b := range sb.Blocks {
		if b.Type != "step" {
			// A builder has no other blocks; say so as HCL would, with a hint.
			diags = append(diags, errorDiag("Unsupported block type",
				fmt.Sprintf("Blocks of type %q are not expected here.%s", b.Type, didYouMean(b.Type, []string{"step"})),
				b.TypeRange))
			continue
		}
		switch len(b.Labels) {
		case 0:
			diags = append(diags, errorDiag("Missing step kind",
				`A step block needs a kind label and may have a name label, such as step "shell" or step "shell" "unit".`,
				b.TypeRange))
			continue
		case 1, 2:
		default:
			diags = append(diags, errorDiag("Extraneous label for step",
				`A step block takes a kind label and an optional name label, such as step "shell" "unit".`,
				b.LabelRanges[2]))
			continue
		}
		s := stepBlock{kind: b.Labels[0], body: b.Body, defRange: b.DefRange(), kindRange: b.LabelRanges[0]}
		if len(b.Labels) == 2 {
			s.name = b.Labels[1]
			s.nameRange = &b.LabelRanges[1]
		}
		steps = append(steps, s)
	}
	return own, steps, diags
}

// decodeLockAccesses decodes a `locks` attribute: a list whose elements are
// lock names (counting access) or objects {name = "...", access =
// "counting"|"exclusive"}. Each name is recorded for the lock check.
func (l *loader) decodeLockAccesses(attr *hcl.Attribute, from string) []LockAccess {
	if attr == nil {
		return nil
	}
	val, diags := evalAttr(attr, l.ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return nil
	}
	ty := val.Type()
	if !ty.IsListType() && !ty.IsTupleType() && !ty.IsSetType() {
		l.diags = append(l.diags, typeDiag(attr, l.ctx, fmt.Errorf(`a list of lock names or {name, access} objects is required`)))
		return nil
	}
	exprs, exprDiags := hcl.ExprList(attr.Expr)
	var out []LockAccess
	i := 0
	for it := val.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		rng := attr.Expr.Range()
		if !exprDiags.HasErrors() && len(exprs) == val.LengthInt() {
			rng = exprs[i].Range()
		}
		la, err := lockAccess(ev)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lock access",
				Detail: fmt.Sprintf("Element %d of locks: %s.", i, err), Subject: rng.Ptr(), Context: attr.Range.Ptr()})
			continue
		}
		out = append(out, la)
		l.lockRefs = append(l.lockRefs, ref{name: la.Name, rng: rng, from: from})
	}
	return out
}

// lockAccess reads one element of a locks list.
func lockAccess(v cty.Value) (LockAccess, error) {
	if v.IsNull() {
		return LockAccess{}, fmt.Errorf("null is not a lock")
	}
	ty := v.Type()
	if ty == cty.String {
		return LockAccess{Name: v.AsString(), Access: "counting"}, nil
	}
	if !ty.IsObjectType() && !ty.IsMapType() {
		return LockAccess{}, fmt.Errorf("a lock name or an object {name, access} is required")
	}
	g, err := ctyToGo(v)
	if err != nil {
		return LockAccess{}, err
	}
	m := g.(map[string]any)
	la := LockAccess{Access: "counting"}
	for k, x := range m {
		s, ok := x.(string)
		switch {
		case k == "name" && ok:
			la.Name = s
		case k == "access" && ok:
			la.Access = s
		case k == "name" || k == "access":
			return LockAccess{}, fmt.Errorf("%s must be a string", k)
		default:
			return LockAccess{}, fmt.Errorf("unexpected key %q (a lock access has name and access)", k)
		}
	}
	if la.Name == "" {
		return LockAccess{}, fmt.Errorf("the lock's name is missing")
	}
	if la.Access != "counting" && la.Access != "exclusive" {
		return LockAccess{}, fmt.Errorf("access must be %s, not %q", quotedList(lockAccesses, "or"), la.Access)
	}
	return la, nil
}

// safeTranslate is Buildbot's util.safeTranslate: the builder's directory
// name with characters unsafe in file names replaced by "_".
func safeTranslate(name string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("\t !#$%&'()*+,./:;<=>?@[\\]^{|}~", r) {
			return '_'
		}
		return r
	}, name)
}
