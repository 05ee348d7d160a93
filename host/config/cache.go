package config

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Cache lets a Load reuse what an earlier Load with the same Cache decoded
// from top-level blocks whose text has not changed, so a reconfig of a large
// configuration costs what the edited blocks cost. A file is cut into
// segments at top-level block boundaries; a segment of builder and plugin
// blocks alone whose text is unchanged is not parsed or decoded again:
// builders are moved to their new position when the text before them grew or
// shrank, plugin blocks (which keep their syntax for the plugin's own
// decoding) only when they did not move. Nothing is reused from a segment
// that calls file() (whose result may change), after the locals changed
// value, or for plugin blocks whose plugin's schema changed. The master keeps
// one for its reconfigs; use one Cache with the same LoadOptions otherwise.
type Cache struct {
	mu        sync.Mutex
	localsKey string
	segs      map[segKey]*cachedSeg
}

// NewCache returns an empty Cache.
func NewCache() *Cache { return &Cache{segs: map[segKey]*cachedSeg{}} }

// segKey identifies a segment's text in a file.
type segKey struct {
	file string
	hash [32]byte
}

// cachedSeg is what a segment of builder and plugin blocks decoded to.
type cachedSeg struct {
	start         hcl.Pos          // where the segment began when it was decoded
	plugins       [4][]PluginBlock // by pluginTypes index
	builders      []Builder
	builderNames  []named
	workerRefs    []ref
	lockRefs      []ref
	schedulerRefs []ref
	builderRefs   []ref
	// diags are the segment's diagnostics: only warnings in a cached
	// entry, which must have decoded without error.
	diags hcl.Diagnostics
	// specs are the schemas the plugin blocks were decoded with.
	specs map[typeKind]hcldec.Spec
	// reusable: the segment holds only builder and plugin blocks, each
	// wholly inside it, decoded without error.
	reusable bool
}

// movable reports whether the segment may be reused at another position:
// only builders can be moved.
func (e *cachedSeg) movable() bool {
	for _, p := range e.plugins {
		if len(p) > 0 {
			return false
		}
	}
	return true
}

// typeKind names a plugin kind.
type typeKind struct {
	typ  PluginType
	kind string
}

// pluginTypes orders the plugin types.
var pluginTypes = [4]PluginType{TypeWorker, TypeChangeSource, TypeScheduler, TypeUserManager}

func (c *Cache) lookup(k segKey) *cachedSeg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.segs[k]
}

// store replaces the entries with those of one load.
func (c *Cache) store(localsKey string, segs map[segKey]*cachedSeg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.localsKey, c.segs = localsKey, segs
}

func (c *Cache) locals() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.localsKey
}

// specsMatch reports whether the plugin blocks of e would be decoded with the
// same schemas now.
func (l *loader) specsMatch(e *cachedSeg) bool {
	if len(e.specs) == 0 {
		return true // builders only
	}
	for tk, spec := range e.specs {
		// The segments of one load share their schemas: compare each once.
		k := specKey{tk, specID(spec)}
		same, known := l.specSame[k]
		if !known || k.id == 0 {
			same = reflect.DeepEqual(l.pluginSpec(tk.typ, tk.kind), spec)
			if l.specSame == nil {
				l.specSame = map[specKey]bool{}
			}
			l.specSame[k] = same
		}
		if !same {
			return false
		}
	}
	return true
}

// specID identifies a schema by the memory it is made of (0: cannot tell).
func specID(spec hcldec.Spec) uintptr {
	v := reflect.ValueOf(spec)
	switch v.Kind() {
	case reflect.Map, reflect.Pointer:
		return v.Pointer()
	}
	return 0
}

// cacheable reports whether a segment's text may be reused when unchanged: it
// must not call file(), whose result can change under an unchanged text.
func cacheable(src []byte) bool { return !bytes.Contains(src, []byte("file(")) }

// localsKey fingerprints the values of the locals.
func (l *loader) localsKey() string {
	v, ok := l.ctx.Variables["local"]
	if !ok || v.IsNull() || !v.IsWhollyKnown() {
		return "none"
	}
	v, _ = v.UnmarkDeep()
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return "unencodable"
	}
	ty, _ := v.Type().MarshalJSON()
	return string(ty) + string(b)
}

// segment is one piece of a file cut at top-level block boundaries.
type segment struct {
	start, end int
	pos        hcl.Pos
	hash       [32]byte
	reused     *cachedSeg // nil: parsed and decoded in this load
}

// segments cuts src at every line that may start a top-level block (see
// blockStarts).
func segments(src []byte) []segment {
	starts := blockStarts(src)
	segs := make([]segment, 0, len(starts)+1)
	prev, line := 0, 1
	for _, s := range append(starts, len(src)) {
		if s <= prev {
			continue
		}
		segs = append(segs, segment{start: prev, end: s, pos: hcl.Pos{Line: line, Column: 1, Byte: prev},
			hash: sha256.Sum256(src[prev:s])})
		line += bytes.Count(src[prev:s], []byte{'\n'})
		prev = s
	}
	return segs
}

// shift moves a range by the given number of lines and bytes; its columns
// stay (segments start at the beginning of a line).
func shift(r hcl.Range, dl, db int) hcl.Range {
	r.Start.Line += dl
	r.Start.Byte += db
	r.End.Line += dl
	r.End.Byte += db
	return r
}
