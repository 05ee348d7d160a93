package config

import (
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// AttrDiagnostic returns an error diagnostic about the value at attrPath in a
// plugin block, for a plugin that rejects part of its own configuration.
// attrPath starts with an attribute or nested block name; further steps are
// object keys, list indexes ("0", "1") or, for nested blocks, an index or
// label among the blocks of that type. The subject is the range of the
// deepest part of the path found in the source (Terraform's approach): the
// value expression of an attribute, an element of a literal list or object,
// or a nested block's header. It falls back to the attribute's recorded range
// and then to the block header (DefRange).
func AttrDiagnostic(b *PluginBlock, attrPath []string, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if b == nil {
		return d
	}
	rng := b.DefRange
	if r, ok := bodyPathRange(b.Body, attrPath); ok {
		rng = r
	} else if len(attrPath) > 0 {
		if r, ok := b.AttrRanges[attrPath[0]]; ok {
			rng = r
		}
	}
	d.Subject = &rng
	return d
}

// bodyPathRange finds the source range of path inside body.
func bodyPathRange(body hcl.Body, path []string) (hcl.Range, bool) {
	if body == nil || len(path) == 0 {
		return hcl.Range{}, false
	}
	name, rest := path[0], path[1:]
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		// JSON bodies: only the attribute itself can be located.
		content, _, _ := body.PartialContent(&hcl.BodySchema{
			Attributes: []hcl.AttributeSchema{{Name: name}},
		})
		if content != nil {
			if a := content.Attributes[name]; a != nil {
				return a.Expr.Range(), true
			}
		}
		return hcl.Range{}, false
	}
	if a, ok := sb.Attributes[name]; ok {
		return exprPathRange(a.Expr, rest), true
	}
	var blocks []*hclsyntax.Block
	for _, blk := range sb.Blocks {
		if blk.Type == name {
			blocks = append(blocks, blk)
		}
	}
	if len(blocks) == 0 {
		return hcl.Range{}, false
	}
	blk := blocks[0]
	if len(rest) > 0 {
		if sel := selectBlock(blocks, rest[0]); sel != nil {
			blk, rest = sel, rest[1:]
		}
	}
	if r, ok := bodyPathRange(blk.Body, rest); ok {
		return r, true
	}
	return blk.DefRange(), true
}

// selectBlock picks a block by index or by its first label.
func selectBlock(blocks []*hclsyntax.Block, step string) *hclsyntax.Block {
	if i, err := strconv.Atoi(step); err == nil {
		if i >= 0 && i < len(blocks) {
			return blocks[i]
		}
		return nil
	}
	for _, blk := range blocks {
		if len(blk.Labels) > 0 && blk.Labels[0] == step {
			return blk
		}
	}
	return nil
}

// exprPathRange descends into literal objects and tuples along path and
// returns the range of the deepest expression reached.
func exprPathRange(expr hcl.Expression, path []string) hcl.Range {
	for len(path) > 0 {
		switch e := expr.(type) {
		case *hclsyntax.ObjectConsExpr:
			next := hcl.Expression(nil)
			for _, item := range e.Items {
				if objectKey(item.KeyExpr) == path[0] {
					next = item.ValueExpr
					break
				}
			}
			if next == nil {
				return expr.Range()
			}
			expr = next
		case *hclsyntax.TupleConsExpr:
			i, err := strconv.Atoi(path[0])
			if err != nil || i < 0 || i >= len(e.Exprs) {
				return expr.Range()
			}
			expr = e.Exprs[i]
		default:
			return expr.Range()
		}
		path = path[1:]
	}
	return expr.Range()
}

// objectKey returns the static string value of an object constructor key, or
// "" when it is not a constant.
func objectKey(expr hcl.Expression) string {
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return ""
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() {
		return ""
	}
	return s.AsString()
}
