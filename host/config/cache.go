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
// from files that have not changed since, so a reconfig of a large
// configuration split into files costs what the edited files cost. Only
// files made of builder and plugin blocks alone are reused (the blocks a
// large configuration has thousands of), none that calls file() (whose
// result may change), only while the locals keep their values and the
// plugins' schemas for the file's blocks stay the same. The master keeps one
// for its reconfigs; use one Cache with the same LoadOptions otherwise.
type Cache struct {
	mu        sync.Mutex
	localsKey string
	files     map[string]*cachedFile
}

// NewCache returns an empty Cache.
func NewCache() *Cache { return &Cache{files: map[string]*cachedFile{}} }

// cachedFile is what a file of builder and plugin blocks decoded to.
type cachedFile struct {
	hash          [32]byte
	plugins       [4][]PluginBlock // by pluginTypes index
	builders      []Builder
	builderNames  []named
	workerRefs    []ref
	lockRefs      []ref
	schedulerRefs []ref
	builderRefs   []ref
	warnings      hcl.Diagnostics
	// specs are the schemas the plugin blocks were decoded with.
	specs map[typeKind]hcldec.Spec
}

// typeKind names a plugin kind.
type typeKind struct {
	typ  PluginType
	kind string
}

// pluginTypes orders the plugin types.
var pluginTypes = [4]PluginType{TypeWorker, TypeChangeSource, TypeScheduler, TypeUserManager}

// specsMatch reports whether the plugin blocks of e would be decoded with the
// same schemas now.
func (l *loader) specsMatch(e *cachedFile) bool {
	for tk, spec := range e.specs {
		if !reflect.DeepEqual(l.pluginSpec(tk.typ, tk.kind), spec) {
			return false
		}
	}
	return true
}

// reusable returns the entry of a file whose text hashes to hash.
func (c *Cache) reusable(name string, hash [32]byte) *cachedFile {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.files[name]; e != nil && e.hash == hash {
		return e
	}
	return nil
}

// store records the entries of one load, dropping files it did not see.
func (c *Cache) store(localsKey string, entries map[string]*cachedFile) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.localsKey = localsKey
	c.files = entries
}

func (c *Cache) locals() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.localsKey
}

// cacheable reports whether a file's text may be reused when unchanged: it
// must not call file(), whose result can change under an unchanged text.
func cacheable(src []byte) bool { return !bytes.Contains(src, []byte("file(")) }

func hashSource(src []byte) [32]byte { return sha256.Sum256(src) }

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
