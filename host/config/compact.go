package config

import (
	"reflect"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Compact returns a deep copy of the configuration's decoded values, packed
// into few large blocks of memory. Loading a large configuration interleaves
// the few objects it keeps with a great deal of garbage (syntax trees,
// tokens, intermediate values). A plain copy lands in the holes that garbage
// left, in the same mostly empty pages, and the pages stay pinned for as long
// as the configuration lives: a master with 10,000 builders would hold three
// times the memory its configuration needs. Compact therefore counts what it
// will copy first, then allocates one slab per element type (all builders in
// one array, all steps in another, every distinct string in one string) and
// carves the copy out of them; the loaded original becomes garbage as a
// whole, and its pages go back to the system.
//
// Cty values and the evaluation context are immutable and shared, not
// copied. The syntax body of a plugin block whose Value has been decoded is
// dropped (nothing reads it after validation, and a thousand worker blocks'
// syntax trees are megabytes); undecoded blocks keep theirs. Call
// ReleaseSyntax first.
//
// A slab lives as long as any value carved from it, so only configurations
// whose parts live and die together (the one a master starts with) should be
// compacted.
func (c *Config) Compact() *Config {
	cp := &compactor{counts: map[reflect.Type]int{}, strings: map[string]string{}, plans: map[reflect.Type]*typePlan{}}
	src := reflect.ValueOf(c)
	cp.count(src)
	cp.allocate()
	out := cp.copy(src).Interface().(*Config)
	for _, blocks := range [][]PluginBlock{out.Workers, out.ChangeSources, out.Schedulers, out.UserManagers} {
		for i := range blocks {
			if blocks[i].Value != cty.NilVal {
				blocks[i].Body = nil
			}
		}
	}
	return out
}

// compactor copies a configuration into slabs; see Compact.
type compactor struct {
	// counts is the number of elements of each type the copy needs; slabs
	// holds them, next is the first free element of each slab.
	counts map[reflect.Type]int
	slabs  map[reflect.Type]reflect.Value
	next   map[reflect.Type]int
	// strings maps each distinct string to its copy in the string slab (the
	// original until allocate).
	strings map[string]string
	plans   map[reflect.Type]*typePlan
}

// typePlan is what the compactor does with values of a type.
type typePlan struct {
	// deep: values hold something to copy or intern (strings, pointers,
	// slices, maps, interfaces); other values are copied as they are.
	deep bool
	// fields are the fields of a struct that are deep; the others are copied
	// with the struct.
	fields []int
}

// plan returns (and remembers) the plan for t.
func (cp *compactor) plan(t reflect.Type) *typePlan {
	if p, ok := cp.plans[t]; ok {
		return p
	}
	p := &typePlan{}
	cp.plans[t] = p // a type that contains itself is deep through a pointer
	switch {
	case shared(t):
	case t.Kind() == reflect.String, t.Kind() == reflect.Pointer, t.Kind() == reflect.Slice,
		t.Kind() == reflect.Map, t.Kind() == reflect.Interface:
		p.deep = true
	case t.Kind() == reflect.Struct && owned(t):
		for i := 0; i < t.NumField(); i++ {
			if cp.plan(t.Field(i).Type).deep {
				p.fields = append(p.fields, i)
			}
		}
		p.deep = len(p.fields) > 0
	}
	return p
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

// owned reports whether a struct's fields can all be set (a struct with
// unexported fields is not ours: it is shared as it is).
func owned(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}

// count walks v as copy will and adds up the elements and strings it needs.
func (cp *compactor) count(v reflect.Value) {
	t := v.Type()
	p := cp.plan(t)
	if !p.deep {
		return
	}
	switch v.Kind() {
	case reflect.String:
		cp.strings[v.String()] = v.String()
	case reflect.Pointer:
		if v.IsNil() || shared(t.Elem()) {
			return
		}
		cp.counts[t.Elem()]++
		cp.count(v.Elem())
	case reflect.Struct:
		for _, i := range p.fields {
			cp.count(v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		cp.counts[t.Elem()] += v.Len()
		if cp.plan(t.Elem()).deep {
			for i := 0; i < v.Len(); i++ {
				cp.count(v.Index(i))
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			cp.count(it.Key())
			cp.count(it.Value())
		}
	case reflect.Interface:
		if !v.IsNil() {
			cp.count(v.Elem())
		}
	}
}

// allocate makes the slabs for what count found.
func (cp *compactor) allocate() {
	cp.slabs = make(map[reflect.Type]reflect.Value, len(cp.counts))
	cp.next = make(map[reflect.Type]int, len(cp.counts))
	for t, n := range cp.counts {
		cp.slabs[t] = reflect.MakeSlice(reflect.SliceOf(t), n, n)
	}
	size := 0
	for s := range cp.strings {
		size += len(s)
	}
	var b strings.Builder
	b.Grow(size)
	offsets := make(map[string]int, len(cp.strings))
	for s := range cp.strings {
		offsets[s] = b.Len()
		b.WriteString(s)
	}
	all := b.String()
	for s, off := range offsets {
		cp.strings[s] = all[off : off+len(s)]
	}
}

// carve returns n fresh elements of type t as a slice of type st: from t's
// slab, or newly allocated should the slab be short.
func (cp *compactor) carve(t, st reflect.Type, n int) reflect.Value {
	slab, i := cp.slabs[t], cp.next[t]
	if !slab.IsValid() || i+n > slab.Len() {
		return reflect.MakeSlice(st, n, n)
	}
	cp.next[t] = i + n
	return slab.Slice3(i, i+n, i+n).Convert(st)
}

func (cp *compactor) str(s string) string {
	if v, ok := cp.strings[s]; ok {
		return v
	}
	return strings.Clone(s)
}

func (cp *compactor) copy(v reflect.Value) reflect.Value {
	t := v.Type()
	p := cp.plan(t)
	if !p.deep {
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
		elem := cp.carve(t.Elem(), reflect.SliceOf(t.Elem()), 1).Index(0)
		elem.Set(cp.copy(v.Elem()))
		return elem.Addr().Convert(t)
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for _, i := range p.fields {
			out.Field(i).Set(cp.copy(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := cp.carve(t.Elem(), t, v.Len())
		if !cp.plan(t.Elem()).deep {
			reflect.Copy(out, v)
			return out
		}
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
