package plugins

import (
	"context"
	"fmt"
	"sort"

	"github.com/bbhost/bbhost/sdk/base"
)

// kindIndex maps component kinds to the plugin binaries that provide them,
// from one discovery and the binaries' `describe` answers.
type kindIndex struct {
	bins      map[string]Binary
	infos     map[string]base.PluginInfo
	providers map[hostKind]string
	errs      []error
}

// refreshIndex discovers the binaries again (re-hashing them) and describes
// the new ones.
func (h *Host) refreshIndex(ctx context.Context) *kindIndex {
	bins, errs := h.catalog.Discover()
	idx := &kindIndex{bins: map[string]Binary{}, infos: map[string]base.PluginInfo{}, providers: map[hostKind]string{}, errs: errs}
	for _, b := range bins {
		info, err := h.catalog.Describe(ctx, b)
		if err != nil {
			idx.errs = append(idx.errs, err)
			continue
		}
		idx.bins[b.Name] = b
		idx.infos[b.Name] = info
		for _, c := range info.Components {
			k := hostKind{c.Type, c.Kind}
			if prev, dup := idx.providers[k]; dup {
				h.log.Warn("two plugins provide the same kind; using the first", "type", c.Type, "kind", c.Kind, "used", prev, "ignored", b.Name)
				continue
			}
			idx.providers[k] = b.Name
		}
	}
	for _, err := range idx.errs {
		h.log.Warn("plugin discovery", "error", err)
	}
	h.mu.Lock()
	h.index = idx
	h.mu.Unlock()
	return idx
}

// currentIndex returns the last index, building one when there is none.
func (h *Host) currentIndex(ctx context.Context) *kindIndex {
	h.mu.Lock()
	idx := h.index
	h.mu.Unlock()
	if idx == nil {
		idx = h.refreshIndex(ctx)
	}
	return idx
}

// providerOf names the plugin providing (typ, kind), or "".
func (h *Host) providerOf(typ base.ComponentType, kind string) string {
	return h.currentIndex(context.Background()).providers[hostKind{typ, kind}]
}

// binaryFor returns the binary providing (typ, kind).
func (h *Host) binaryFor(typ base.ComponentType, kind string) (Binary, error) {
	idx := h.currentIndex(context.Background())
	name, ok := idx.providers[hostKind{typ, kind}]
	if !ok {
		return Binary{}, fmt.Errorf("no plugin provides a %s of kind %q", typ, kind)
	}
	return idx.bins[name], nil
}

// kinds lists the kinds of typ the plugins provide.
func (idx *kindIndex) kinds(typ base.ComponentType) []string {
	var out []string
	for k := range idx.providers {
		if k.typ == typ {
			out = append(out, k.kind)
		}
	}
	sort.Strings(out)
	return out
}

// Plugins lists the discovered plugins with what they say of themselves.
func (h *Host) Plugins(ctx context.Context) ([]Binary, map[string]base.PluginInfo, []error) {
	idx := h.refreshIndex(ctx)
	bins := make([]Binary, 0, len(idx.bins))
	for _, b := range idx.bins {
		bins = append(bins, b)
	}
	sort.Slice(bins, func(i, j int) bool { return bins[i].Name < bins[j].Name })
	return bins, idx.infos, idx.errs
}
