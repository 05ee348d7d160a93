package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// localDef is one attribute of a `locals` block.
type localDef struct {
	attr *hcl.Attribute
	deps []localRef
}

// localRef is a reference to local.NAME inside an expression.
type localRef struct {
	name string
	rng  hcl.Range
}

// evalLocals evaluates the attributes of every `locals` block, each after
// the locals it refers to, and binds the result to `local` in ctx. A local
// that cannot be evaluated (an error, an undeclared reference, a cycle) is
// unknown, so expressions using it evaluate to unknown rather than adding
// more errors.
func evalLocals(blocks []*hcl.Block, ctx *hcl.EvalContext) (declared []string, diags hcl.Diagnostics) {
	defs := map[string]*localDef{}
	var order []string
	for _, b := range blocks {
		attrs, d := b.Body.JustAttributes()
		diags = append(diags, d...)
		names := make([]string, 0, len(attrs))
		for name := range attrs {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool {
			return attrs[names[i]].Range.Start.Byte < attrs[names[j]].Range.Start.Byte
		})
		for _, name := range names {
			attr := attrs[name]
			if prev, dup := defs[name]; dup {
				diags = append(diags, errorDiag("Duplicate local value",
					fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique.",
						name, prev.attr.NameRange), attr.NameRange))
				continue
			}
			defs[name] = &localDef{attr: attr, deps: localRefs(attr.Expr)}
			order = append(order, name)
		}
	}

	values := map[string]cty.Value{}
	state := map[string]int{} // 0 new, 1 evaluating, 2 done
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		def := defs[name]
		state[name] = 1
		stack = append(stack, name)
		failed := false
		for _, dep := range def.deps {
			switch {
			case defs[dep.name] == nil:
				diags = append(diags, errorDiag("Reference to undeclared local value",
					fmt.Sprintf("A local value named %q has not been declared.%s", dep.name, didYouMean(dep.name, order)),
					dep.rng))
				failed = true
			case state[dep.name] == 1:
				diags = append(diags, cycleDiag(stack, dep.name, defs))
				failed = true
			case state[dep.name] == 0:
				visit(dep.name)
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = 2
		if failed {
			values[name] = cty.DynamicVal
			return
		}
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{"local": cty.ObjectVal(values)}
		child.Functions = ctx.Functions // HCL suggests function names from the innermost context
		v, d := def.attr.Expr.Value(child)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		values[name] = v
	}
	for _, name := range order {
		if state[name] == 0 {
			visit(name)
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(values)
	return order, diags
}

// checkLocalRefs reports references to undeclared locals outside `locals`
// blocks, in native-syntax files, and binds each such name to an unknown
// value so that evaluating the expression adds no second error.
func checkLocalRefs(files []*hcl.File, declared []string, ctx *hcl.EvalContext) hcl.Diagnostics {
	known := make(map[string]bool, len(declared))
	for _, n := range declared {
		known[n] = true
	}
	var diags hcl.Diagnostics
	values := ctx.Variables["local"].AsValueMap()
	if values == nil {
		values = map[string]cty.Value{}
	}
	var walk func(body *hclsyntax.Body, top bool)
	walk = func(body *hclsyntax.Body, top bool) {
		names := make([]string, 0, len(body.Attributes))
		for n := range body.Attributes {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool {
			return body.Attributes[names[i]].SrcRange.Start.Byte < body.Attributes[names[j]].SrcRange.Start.Byte
		})
		for _, n := range names {
			for _, r := range localRefs(body.Attributes[n].Expr) {
				if known[r.name] {
					continue
				}
				diags = append(diags, errorDiag("Reference to undeclared local value",
					fmt.Sprintf("A local value named %q has not been declared.%s", r.name, didYouMean(r.name, declared)),
					r.rng))
				values[r.name] = cty.DynamicVal
			}
		}
		for _, b := range body.Blocks {
			if top && b.Type == "locals" {
				continue
			}
			walk(b.Body, false)
		}
	}
	for _, f := range files {
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			walk(body, true)
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(values)
	return diags
}

// cycleDiag reports the cycle that closes at name, the bottom of which is
// on stack.
func cycleDiag(stack []string, name string, defs map[string]*localDef) *hcl.Diagnostic {
	start := 0
	for i, n := range stack {
		if n == name {
			start = i
		}
	}
	cycle := append(append([]string{}, stack[start:]...), name)
	for i, n := range cycle {
		cycle[i] = "local." + n
	}
	return errorDiag("Cycle in local values",
		fmt.Sprintf("Local values cannot refer to themselves, directly or through others: %s.",
			strings.Join(cycle, " → ")),
		defs[name].attr.NameRange)
}

// localRefs lists the local.NAME references of expr.
func localRefs(expr hcl.Expression) []localRef {
	var refs []localRef
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		switch step := t[1].(type) {
		case hcl.TraverseAttr:
			refs = append(refs, localRef{name: step.Name, rng: t.SourceRange()})
		case hcl.TraverseIndex:
			if k := step.Key; k.Type() == cty.String && k.IsKnown() && !k.IsNull() {
				refs = append(refs, localRef{name: k.AsString(), rng: t.SourceRange()})
			}
		}
	}
	return refs
}
