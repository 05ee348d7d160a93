package config

import (
	"reflect"
	"strings"
)

// Compact returns a deep copy of the configuration's decoded values, with
// equal strings shared. Loading a large configuration interleaves the few
// objects it keeps with a great deal of garbage (syntax trees, tokens,
// intermediate values), which pins mostly empty memory pages for as long as
// the configuration lives; a master with 10,000 builders holds three times
// the memory its configuration needs. A copy made after loading packs the
// values together, and the original becomes garbage as a whole.
//
// Syntax bodies (PluginBlock.Body), cty values and the evaluation context are
// immutable and shared, not copied. Call ReleaseSyntax first.
func (c *Config) Compact() *Config {
	cp := &compactor{strings: map[string]string{}}
	out := cp.copy(reflect.ValueOf(c)).Interface().(*Config)
	return out
}

type compactor struct {
	strings map[string]string
}

// shared lists the types that are copied by reference: immutable values the
// configuration only reads.
func shared(t reflect.Type) bool {
	switch t.PkgPath() {
	case "github.com/hashicorp/hcl/v2", "github.com/hashicorp/hcl/v2/hclsyntax", "github.com/zclconf/go-cty/cty":
		// hcl.Range and hcl.Pos are plain values worth copying (their
		// file names are interned); bodies, files and values are shared.
		return t.Name() != "Range" && t.Name() != "Pos"
	}
	return false
}

func (cp *compactor) str(s string) string {
	if v, ok := cp.strings[s]; ok {
		return v
	}
	v := strings.Clone(s)
	cp.strings[v] = v
	return v
}

func (cp *compactor) copy(v reflect.Value) reflect.Value {
	t := v.Type()
	if shared(t) {
		return v
	}
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(t).Elem()
		out.SetString(cp.str(v.String()))
		return out
	case reflect.Pointer:
		if v.IsNil() || shared(t.Elem()) {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(cp.copy(v.Elem()))
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		for i := 0; i < t.NumField(); i++ {
			if !out.Field(i).CanSet() {
				return v // a struct with unexported fields is not ours: share it
			}
			out.Field(i).Set(cp.copy(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(cp.copy(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			out.SetMapIndex(cp.copy(it.Key()), cp.copy(it.Value()))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		inner := cp.copy(v.Elem())
		out := reflect.New(t).Elem()
		out.Set(inner)
		return out
	}
	return v
}
