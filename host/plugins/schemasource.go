package plugins

import (
	"context"
	"sort"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/hcl/v2/hcldec"
)

// SchemaSource returns the schemas of the plugin kinds for config.Load,
// from a fresh discovery: the kinds come from the binaries' `describe`
// answers, a kind's spec from its plugin's Describe over gRPC (starting the
// plugin when needed; one process per binary, kept for running instances).
// Kinds registered with RegisterHostKind are included. Call it once per
// load, after installing the `plugin` blocks (Catalog().SetPins) when they
// changed.
func (h *Host) SchemaSource() config.SchemaSource {
	return &schemaSource{h: h, idx: h.refreshIndex(context.Background())}
}

type schemaSource struct {
	h   *Host
	idx *kindIndex
}

func (s *schemaSource) Kinds(typ config.PluginType) []string {
	set := map[string]bool{}
	for _, k := range s.idx.kinds(base.ComponentType(typ)) {
		set[k] = true
	}
	s.h.mu.Lock()
	for k := range s.h.hostKinds {
		if k.typ == base.ComponentType(typ) {
			set[k.kind] = true
		}
	}
	s.h.mu.Unlock()
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *schemaSource) Spec(typ config.PluginType, kind string) (hcldec.Spec, bool) {
	t := base.ComponentType(typ)
	if b, ok := s.h.hostKind(t, kind); ok {
		return b.Spec(), true
	}
	name, ok := s.idx.providers[hostKind{t, kind}]
	if !ok {
		return nil, false
	}
	ctx, cancel := s.h.callCtx(context.Background())
	defer cancel()
	p, err := s.h.slot(name).processFor(ctx, s.idx.bins[name])
	if err != nil {
		s.h.log.Error("plugin cannot start to give its schema", "plugin", name, "type", typ, "kind", kind, "error", err)
		return nil, false
	}
	ci, ok := p.component(t, kind)
	if !ok {
		return nil, false
	}
	return ci.Schema.Spec(), true
}
