package config

import (
	"reflect"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The Equal methods compare decoded configuration for reconfiguration
// (identity is the name, equality the decoded value): source ranges are
// ignored, and nil and empty slices or maps are equal.

// Equal reports whether two builders have the same configuration, steps included.
func (b Builder) Equal(o Builder) bool { return equalDecoded(b, o) }

// Equal reports whether two steps have the same configuration.
func (s Step) Equal(o Step) bool { return equalDecoded(s, o) }

// Equal reports whether two locks have the same configuration.
func (lk Lock) Equal(o Lock) bool { return equalDecoded(lk, o) }

// Equal reports whether two change hooks have the same configuration.
func (h ChangeHook) Equal(o ChangeHook) bool { return equalDecoded(h, o) }

// Equal reports whether two plugin pins have the same configuration.
func (p PluginPin) Equal(o PluginPin) bool { return equalDecoded(p, o) }

// Equal reports whether two protocol listeners have the same configuration.
func (p Protocol) Equal(o Protocol) bool { return equalDecoded(p, o) }

// Equal reports whether two www blocks have the same configuration.
func (w WWW) Equal(o WWW) bool { return equalDecoded(w, o) }

// Equal reports whether two master blocks have the same configuration.
func (m Master) Equal(o Master) bool { return equalDecoded(m, o) }

// Equal reports whether two database blocks have the same configuration.
func (d Database) Equal(o Database) bool { return equalDecoded(d, o) }

// Equal reports whether two mq blocks have the same configuration.
func (m MQ) Equal(o MQ) bool { return equalDecoded(m, o) }

// Equal reports whether two metrics blocks have the same configuration.
func (m Metrics) Equal(o Metrics) bool { return equalDecoded(m, o) }

// Equal reports whether two caches blocks have the same configuration.
func (c Caches) Equal(o Caches) bool { return equalDecoded(c, o) }

// Equal reports whether two manhole blocks have the same configuration; a
// nil manhole (no block) equals only nil.
func (m *Manhole) Equal(o *Manhole) bool {
	if m == nil || o == nil {
		return m == nil && o == nil
	}
	return equalDecoded(*m, *o)
}

// Equal reports whether two plugin blocks configure the same thing: same
// type, kind and name, the same common attributes, and decoded values that
// are equal (cty RawEquals). A block not decoded yet (Value is cty.NilVal)
// equals only another undecoded one. The bodies themselves are not compared.
func (b PluginBlock) Equal(o PluginBlock) bool { return equalDecoded(b, o) }

var (
	rangeType = reflect.TypeFor[hcl.Range]()
	bodyType  = reflect.TypeFor[hcl.Body]()
)

// equalDecoded compares two values of the same type field by field,
// skipping hcl.Range fields, maps of ranges and hcl.Body fields, and
// comparing cty values with RawEquals.
func equalDecoded(a, b any) bool {
	return equalValues(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equalValues(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch t := a.Type(); {
	case t == rangeType, t == bodyType:
		return true
	case t == ctyValType:
		return equalCty(a.Interface().(cty.Value), b.Interface().(cty.Value))
	case t.Kind() == reflect.Map && t.Elem() == rangeType:
		return true
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Pointer() == b.Pointer() {
			return true // a value a reconfig reused from the running configuration
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		if a.Kind() == reflect.Slice && a.Len() > 0 && a.Pointer() == b.Pointer() {
			return true // the same elements
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		if a.Pointer() == b.Pointer() {
			return true
		}
		for it := a.MapRange(); it.Next(); {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !equalValues(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	}
	return a.Equal(b)
}

// equalCty compares cty values exactly; cty.NilVal equals only cty.NilVal.
func equalCty(a, b cty.Value) bool {
	aNil, bNil := a == cty.NilVal, b == cty.NilVal
	if aNil || bNil {
		return aNil == bNil
	}
	return a.RawEquals(b)
}
