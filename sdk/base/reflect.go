package base

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

var (
	durationType = reflect.TypeOf(time.Duration(0))
	anyType      = reflect.TypeOf((*any)(nil)).Elem()
)

// field is one tagged field of a configuration struct.
type field struct {
	index    []int
	name     string
	optional bool
	block    bool
	doc      string
	secret   bool
}

// fieldsOf returns the tagged fields of struct type t. Tags follow gohcl:
// `hcl:"name"` (required attribute), `hcl:"name,optional"`, and
// `hcl:"name,block"` (a nested block: a struct, a pointer to one, or a slice
// of them). `doc:"..."` describes the field; `sensitive:"true"` marks it
// secret.
func fieldsOf(t reflect.Type) ([]field, error) {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("hcl")
		if !ok {
			continue
		}
		if !sf.IsExported() {
			return nil, fmt.Errorf("field %s: hcl tag on an unexported field", sf.Name)
		}
		parts := strings.Split(tag, ",")
		f := field{index: sf.Index, name: parts[0], doc: sf.Tag.Get("doc"), secret: sf.Tag.Get("sensitive") == "true"}
		if f.name == "" {
			return nil, fmt.Errorf("field %s: hcl tag without a name", sf.Name)
		}
		for _, p := range parts[1:] {
			switch p {
			case "optional":
				f.optional = true
			case "block":
				f.block = true
			case "attr", "":
			default:
				return nil, fmt.Errorf("field %s: unsupported hcl tag option %q", sf.Name, p)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// SchemaOf derives a block schema from a configuration struct (or a pointer
// to one) by reflection. Attribute types: string, bool, integers, floats,
// time.Duration (written as a string such as "10s"), slices and string-keyed
// maps of those, and any (a dynamic value). Pointer fields are optional.
func SchemaOf(cfg any) (Block, error) {
	t := reflect.TypeOf(cfg)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return Block{}, fmt.Errorf("config must be a struct, not %T", cfg)
	}
	return schemaOfType(t, 0)
}

func schemaOfType(t reflect.Type, depth int) (Block, error) {
	if depth > 8 {
		return Block{}, fmt.Errorf("%s: nested blocks too deep", t)
	}
	fields, err := fieldsOf(t)
	if err != nil {
		return Block{}, fmt.Errorf("%s: %w", t, err)
	}
	var b Block
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.name] {
			return Block{}, fmt.Errorf("%s: duplicate name %q", t, f.name)
		}
		seen[f.name] = true
		ft := t.FieldByIndex(f.index).Type
		if f.block {
			nb := NestedBlock{Name: f.name}
			et := ft
			switch ft.Kind() {
			case reflect.Struct:
				nb.Nesting, nb.MinItems, nb.MaxItems = NestingSingle, 1, 1
				if f.optional {
					nb.MinItems = 0
				}
			case reflect.Pointer:
				nb.Nesting, nb.MaxItems, et = NestingSingle, 1, ft.Elem()
			case reflect.Slice:
				nb.Nesting, et = NestingList, ft.Elem()
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
			}
			if et.Kind() != reflect.Struct {
				return Block{}, fmt.Errorf("%s.%s: a block must be a struct, a pointer to one or a slice of them", t, f.name)
			}
			inner, err := schemaOfType(et, depth+1)
			if err != nil {
				return Block{}, err
			}
			inner.Description = f.doc
			nb.Block = inner
			b.Blocks = append(b.Blocks, nb)
			continue
		}
		ct, err := ctyTypeOf(ft)
		if err != nil {
			return Block{}, fmt.Errorf("%s.%s: %w", t, f.name, err)
		}
		required := !f.optional && ft.Kind() != reflect.Pointer
		b.Attributes = append(b.Attributes, Attribute{Name: f.name, Type: ct, Description: f.doc, Required: required, Sensitive: f.secret})
	}
	return b, nil
}

func ctyTypeOf(t reflect.Type) (cty.Type, error) {
	if t == durationType {
		return cty.String, nil
	}
	if t == anyType {
		return cty.DynamicPseudoType, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return ctyTypeOf(t.Elem())
	case reflect.String:
		return cty.String, nil
	case reflect.Bool:
		return cty.Bool, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return cty.Number, nil
	case reflect.Slice:
		et, err := ctyTypeOf(t.Elem())
		if err != nil {
			return cty.NilType, err
		}
		if et == cty.DynamicPseudoType {
			return cty.DynamicPseudoType, nil
		}
		return cty.List(et), nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return cty.NilType, fmt.Errorf("map keys must be strings, not %s", t.Key())
		}
		et, err := ctyTypeOf(t.Elem())
		if err != nil {
			return cty.NilType, err
		}
		if et == cty.DynamicPseudoType {
			return cty.DynamicPseudoType, nil
		}
		return cty.Map(et), nil
	}
	return cty.NilType, fmt.Errorf("unsupported field type %s", t)
}

// Decode fills dst (a pointer to a configuration struct) from val, a value
// decoded with the struct's schema. Null attributes and absent blocks leave
// the field as it was, so defaults set in dst beforehand stay. When dst
// implements Validator its Validate runs after a clean decode. Problems come
// back as diagnostics with attribute paths.
func Decode(val cty.Value, dst any) Diagnostics {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return Diagnostics{{Severity: SeverityError, Summary: fmt.Sprintf("decode: destination must be a pointer to a struct, not %T", dst)}}
	}
	diags := decodeStruct(val, rv.Elem(), nil)
	if diags.HasErrors() {
		return diags
	}
	if v, ok := dst.(Validator); ok {
		diags = append(diags, v.Validate()...)
	}
	return diags
}

// Validator is implemented by configuration structs that check themselves
// after decoding (regular expressions compile, values in range, ...).
type Validator interface {
	Validate() Diagnostics
}

func decodeStruct(val cty.Value, rv reflect.Value, path cty.Path) Diagnostics {
	if val.IsNull() || !val.IsKnown() {
		return nil
	}
	if !val.Type().IsObjectType() {
		return Diagnostics{PathError(path, "Invalid block value", fmt.Sprintf("expected an object, got %s", val.Type().FriendlyName()))}
	}
	fields, err := fieldsOf(rv.Type())
	if err != nil {
		return Diagnostics{PathError(path, "Invalid configuration struct", err.Error())}
	}
	var diags Diagnostics
	for _, f := range fields {
		if !val.Type().HasAttribute(f.name) {
			continue
		}
		av := val.GetAttr(f.name)
		fp := append(path.Copy(), cty.GetAttrStep{Name: f.name})
		fv := rv.FieldByIndex(f.index)
		if av.IsNull() {
			continue
		}
		if !av.IsWhollyKnown() {
			diags = append(diags, PathError(fp, "Unknown value", "the value is not known"))
			continue
		}
		if f.block {
			diags = append(diags, decodeBlock(av, fv, fp)...)
			continue
		}
		if err := decodeAttr(av, fv); err != nil {
			diags = append(diags, PathError(fp, "Invalid value", err.Error()))
		}
	}
	return diags
}

func decodeBlock(val cty.Value, fv reflect.Value, path cty.Path) Diagnostics {
	switch fv.Kind() {
	case reflect.Struct:
		return decodeStruct(val, fv, path)
	case reflect.Pointer:
		nv := reflect.New(fv.Type().Elem())
		diags := decodeStruct(val, nv.Elem(), path)
		fv.Set(nv)
		return diags
	case reflect.Slice:
		if !val.CanIterateElements() {
			return Diagnostics{PathError(path, "Invalid blocks", "expected a list of blocks")}
		}
		var diags Diagnostics
		out := reflect.MakeSlice(fv.Type(), 0, val.LengthInt())
		et := fv.Type().Elem()
		i := int64(0)
		for it := val.ElementIterator(); it.Next(); i++ {
			_, ev := it.Element()
			ep := append(path.Copy(), cty.IndexStep{Key: cty.NumberIntVal(i)})
			if et.Kind() == reflect.Pointer {
				nv := reflect.New(et.Elem())
				diags = append(diags, decodeStruct(ev, nv.Elem(), ep)...)
				out = reflect.Append(out, nv)
			} else {
				nv := reflect.New(et)
				diags = append(diags, decodeStruct(ev, nv.Elem(), ep)...)
				out = reflect.Append(out, nv.Elem())
			}
		}
		fv.Set(out)
		return diags
	}
	return Diagnostics{PathError(path, "Invalid configuration struct", "unsupported block field "+fv.Type().String())}
}

func decodeAttr(val cty.Value, fv reflect.Value) error {
	t := fv.Type()
	switch {
	case t == durationType:
		var s string
		if err := gocty.FromCtyValue(val, &s); err != nil {
			return err
		}
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
		return nil
	case t == anyType:
		v, err := ToGo(val)
		if err != nil {
			return err
		}
		if v != nil {
			fv.Set(reflect.ValueOf(v))
		}
		return nil
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		if err := decodeAttr(val, nv.Elem()); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	case t.Kind() == reflect.Slice && (t.Elem() == durationType || t.Elem() == anyType || t.Elem().Kind() == reflect.Pointer):
		if !val.CanIterateElements() {
			return fmt.Errorf("expected a list, got %s", val.Type().FriendlyName())
		}
		out := reflect.MakeSlice(t, 0, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			nv := reflect.New(t.Elem())
			if err := decodeAttr(ev, nv.Elem()); err != nil {
				return err
			}
			out = reflect.Append(out, nv.Elem())
		}
		fv.Set(out)
		return nil
	case t.Kind() == reflect.Map && (t.Elem() == durationType || t.Elem() == anyType):
		if !val.CanIterateElements() {
			return fmt.Errorf("expected a map, got %s", val.Type().FriendlyName())
		}
		out := reflect.MakeMapWithSize(t, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			nv := reflect.New(t.Elem())
			if err := decodeAttr(ev, nv.Elem()); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k.AsString()).Convert(t.Key()), nv.Elem())
		}
		fv.Set(out)
		return nil
	}
	nv := reflect.New(t)
	if err := gocty.FromCtyValue(val, nv.Interface()); err != nil {
		return err
	}
	fv.Set(nv.Elem())
	return nil
}

// ParseDuration parses a duration written as Go does ("10s", "1m30s"); a
// bare number is seconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return d, nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && fmt.Sprint(secs) == s && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("invalid duration %q: write it like \"10s\", \"5m\" or \"1h30m\"", s)
}

// ToGo converts a cty value to plain Go values (nil, bool, string, float64 or
// int64 for whole numbers, []any, map[string]any), as JSON would.
func ToGo(val cty.Value) (any, error) {
	if val.IsNull() {
		return nil, nil
	}
	b, err := ctyjson.Marshal(val, cty.DynamicPseudoType)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Value any `json:"value"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&wrapped); err != nil {
		return nil, err
	}
	return normalizeNumbers(wrapped.Value), nil
}

func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = normalizeNumbers(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = normalizeNumbers(v[k])
		}
		return v
	}
	return v
}
