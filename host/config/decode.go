package config

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

var (
	attrPtrType = reflect.TypeFor[*hcl.Attribute]()
	exprType    = reflect.TypeFor[hcl.Expression]()
	ctyValType  = reflect.TypeFor[cty.Value]()
)

// decodeBody decodes body strictly into target, a pointer to a struct whose
// fields carry gohcl `attr`/`optional` tags: an attribute the struct does not
// name is an error with HCL's "Did you mean" hint, a missing required one
// too. It returns the body's content so callers can find attribute ranges.
func decodeBody(body hcl.Body, ctx *hcl.EvalContext, target any) (*hcl.BodyContent, hcl.Diagnostics) {
	content, diags := body.Content(infoOf(reflect.TypeOf(target)).schema)
	if content == nil {
		return &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: body.MissingItemRange()}, diags
	}
	return content, append(diags, decodeAttrs(content.Attributes, ctx, target)...)
}

// typeInfo is what decoding needs to know of a target struct type: its body
// schema and its attribute fields. It depends on the type alone, so it is
// computed once per type (a configuration with 10,000 builders decodes
// 10,000 builder blocks with the same schema).
type typeInfo struct {
	schema *hcl.BodySchema
	attrs  []attrField
}

type attrField struct {
	index int
	name  string
}

// typeInfos memoises typeInfo by type; it only ever holds values derived from
// the program's own struct types.
var typeInfos sync.Map // reflect.Type → *typeInfo

// infoOf returns the typeInfo of t, a pointer to a struct type.
func infoOf(t reflect.Type) *typeInfo {
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	schema, _ := gohcl.ImpliedBodySchema(reflect.New(t.Elem()).Interface())
	info := &typeInfo{schema: schema}
	st := t.Elem()
	for i := 0; i < st.NumField(); i++ {
		name, kind, _ := strings.Cut(st.Field(i).Tag.Get("hcl"), ",")
		if name == "" || (kind != "" && kind != "attr" && kind != "optional") {
			continue
		}
		info.attrs = append(info.attrs, attrField{index: i, name: name})
	}
	v, _ := typeInfos.LoadOrStore(t, info)
	return v.(*typeInfo)
}

// mergedSchemas memoises mergeSchemas by the targets' types.
var mergedSchemas sync.Map // [2]reflect.Type → *hcl.BodySchema

// mergeSchemas returns one schema holding the attributes and blocks of one
// or two targets.
func mergeSchemas(targets ...any) *hcl.BodySchema {
	var key [2]reflect.Type
	for i, t := range targets {
		key[i] = reflect.TypeOf(t)
	}
	if v, ok := mergedSchemas.Load(key); ok {
		return v.(*hcl.BodySchema)
	}
	merged := &hcl.BodySchema{}
	for _, t := range targets {
		s := infoOf(reflect.TypeOf(t)).schema
		merged.Attributes = append(merged.Attributes, s.Attributes...)
		merged.Blocks = append(merged.Blocks, s.Blocks...)
	}
	v, _ := mergedSchemas.LoadOrStore(key, merged)
	return v.(*hcl.BodySchema)
}

// decodeAttrs assigns the attributes named by target's gohcl tags. Fields of
// type *hcl.Attribute or hcl.Expression get the attribute itself; others get
// its value converted with cty's rules. A null value leaves the field unset;
// so does an unknown one, which only comes from an expression that already
// failed (bbhost has no other source of unknown values). An attribute that
// fails to decode is removed from attrs, so later checks that look for it
// do not report the same mistake again.
func decodeAttrs(attrs hcl.Attributes, ctx *hcl.EvalContext, target any) hcl.Diagnostics {
	var diags hcl.Diagnostics
	rv := reflect.ValueOf(target).Elem()
	for _, f := range infoOf(reflect.TypeOf(target)).attrs {
		if attr := attrs[f.name]; attr != nil {
			d := decodeAttr(attr, ctx, rv.Field(f.index))
			if d.HasErrors() {
				delete(attrs, f.name)
			}
			diags = append(diags, d...)
		}
	}
	return diags
}

// decodeInto decodes one attribute into *target (nil attribute: no change).
func decodeInto(attr *hcl.Attribute, ctx *hcl.EvalContext, target any) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	return decodeAttr(attr, ctx, reflect.ValueOf(target).Elem())
}

// decodeAttr decodes one attribute into field.
func decodeAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, field reflect.Value) hcl.Diagnostics {
	switch field.Type() {
	case attrPtrType:
		field.Set(reflect.ValueOf(attr))
		return nil
	case exprType:
		field.Set(reflect.ValueOf(attr.Expr))
		return nil
	}
	val, diags := evalAttr(attr, ctx)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return diags
	}
	if field.Type() == ctyValType {
		field.Set(reflect.ValueOf(val))
		return diags
	}
	dst := field
	if field.Kind() == reflect.Pointer {
		dst = reflect.New(field.Type().Elem()).Elem()
	}
	ty, err := gocty.ImpliedType(dst.Addr().Interface())
	if err != nil {
		panic(fmt.Sprintf("config: unsupported decode target %s: %v", dst.Type(), err))
	}
	conv, err := convert.Convert(val, ty)
	if err == nil {
		err = gocty.FromCtyValue(conv, dst.Addr().Interface())
	}
	if err != nil {
		return append(diags, typeDiag(attr, ctx, err))
	}
	if field.Kind() == reflect.Pointer {
		field.Set(dst.Addr())
	}
	return diags
}

// evalAttr evaluates an attribute's expression, without marks.
func evalAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(ctx)
	val, _ = val.UnmarkDeep()
	return val, diags
}

// typeDiag reports an attribute whose value has the wrong type, in
// Terraform's words.
func typeDiag(attr *hcl.Attribute, ctx *hcl.EvalContext, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity:    hcl.DiagError,
		Summary:     "Incorrect attribute value type",
		Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %s.", attr.Name, describeErr(err)),
		Subject:     attr.Expr.Range().Ptr(),
		Context:     attr.Range.Ptr(),
		Expression:  attr.Expr,
		EvalContext: ctx,
	}
}

// describeErr renders a cty conversion error with its path ("element 1: ...").
func describeErr(err error) string {
	var perr cty.PathError
	msg := err.Error()
	if pe, ok := err.(cty.PathError); ok {
		perr = pe
	} else {
		return msg
	}
	if len(perr.Path) == 0 {
		return msg
	}
	var b strings.Builder
	for _, step := range perr.Path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			fmt.Fprintf(&b, ".%s", s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.IsNull() || !s.Key.IsKnown():
				b.WriteString("[?]")
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[?]")
			}
		}
	}
	return fmt.Sprintf("element %s: %s", strings.TrimPrefix(b.String(), "."), msg)
}

// ctyToGo turns a known value into JSON-compatible Go values: string, bool,
// int64 (whole numbers that fit) or float64, []any, map[string]any and nil.
func ctyToGo(v cty.Value) (any, error) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("value is not known")
	}
	if v.IsNull() {
		return nil, nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInf() {
			return nil, fmt.Errorf("number is infinite")
		}
		if bf.IsInt() {
			if i, acc := bf.Int64(); acc == big.Exact {
				return i, nil
			}
		}
		f, _ := bf.Float64()
		return f, nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			g, err := ctyToGo(ev)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	case ty.IsMapType() || ty.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			g, err := ctyToGo(ev)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.AsString(), err)
			}
			out[k.AsString()] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s value cannot be used here", ty.FriendlyName())
}

// decodeAny decodes an attribute of any JSON-compatible value.
func decodeAny(attr *hcl.Attribute, ctx *hcl.EvalContext) (any, hcl.Diagnostics) {
	if attr == nil {
		return nil, nil
	}
	val, diags := evalAttr(attr, ctx)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return nil, diags
	}
	g, err := ctyToGo(val)
	if err != nil {
		return nil, append(diags, typeDiag(attr, ctx, err))
	}
	return g, diags
}

// decodeObject decodes an attribute that must be an object or map (for
// example `properties`) into a map of JSON-compatible values.
func decodeObject(attr *hcl.Attribute, ctx *hcl.EvalContext) (map[string]any, hcl.Diagnostics) {
	if attr == nil {
		return nil, nil
	}
	val, diags := evalAttr(attr, ctx)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return nil, diags
	}
	if ty := val.Type(); !ty.IsObjectType() && !ty.IsMapType() {
		return nil, append(diags, typeDiag(attr, ctx, fmt.Errorf("an object is required")))
	}
	g, err := ctyToGo(val)
	if err != nil {
		return nil, append(diags, typeDiag(attr, ctx, err))
	}
	return g.(map[string]any), diags
}

// decodeStringOrList decodes a string, or a list of strings joined with
// spaces (Buildbot's description arguments take both).
func decodeStringOrList(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	if attr == nil {
		return "", nil
	}
	val, diags := evalAttr(attr, ctx)
	if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
		return "", diags
	}
	if s, err := convert.Convert(val, cty.String); err == nil {
		return s.AsString(), diags
	}
	var list []string
	l, err := convert.Convert(val, cty.List(cty.String))
	if err == nil {
		err = gocty.FromCtyValue(l, &list)
	}
	if err != nil {
		return "", append(diags, typeDiag(attr, ctx, fmt.Errorf("a string or a list of strings is required")))
	}
	return strings.Join(list, " "), diags
}

// attrRange is the range of an attribute's value, or fallback when the
// attribute is absent.
func attrRange(content *hcl.BodyContent, name string, fallback hcl.Range) hcl.Range {
	if content != nil {
		if a := content.Attributes[name]; a != nil {
			return a.Expr.Range()
		}
	}
	return fallback
}

// attrRanges maps the names of content's attributes to their full ranges.
func attrRanges(attrs hcl.Attributes) map[string]hcl.Range {
	out := make(map[string]hcl.Range, len(attrs))
	for name, a := range attrs {
		out[name] = a.Range
	}
	return out
}

// literalString returns the value of a quoted string without interpolation
// ("text"), the commonest expression of a configuration, without evaluating
// it.
func literalString(expr hcl.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return "", false
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || lit.Val.IsMarked() || !lit.Val.IsKnown() || lit.Val.IsNull() {
		return "", false
	}
	return lit.Val.AsString(), true
}

// literalStrings returns the values of a list of quoted strings without
// interpolation (["a", "b"]) and their ranges, without evaluating it: what
// evaluating and converting it to list(string) would give, for a fraction
// of the garbage. ok is false for any other expression, and for an empty
// list.
func literalStrings(expr hcl.Expression) (vals []string, ranges []hcl.Range, ok bool) {
	tuple, isTuple := expr.(*hclsyntax.TupleConsExpr)
	if !isTuple || len(tuple.Exprs) == 0 {
		return nil, nil, false // an empty list decodes the general way
	}
	vals = make([]string, len(tuple.Exprs))
	ranges = make([]hcl.Range, len(tuple.Exprs))
	for i, e := range tuple.Exprs {
		s, ok := literalString(e)
		if !ok {
			return nil, nil, false
		}
		vals[i], ranges[i] = s, e.Range()
	}
	return vals, ranges, true
}
