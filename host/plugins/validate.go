package plugins

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func validateIn(ctx context.Context, p *process, ref base.Ref, schema base.Block, val cty.Value, common base.Common) (base.Diagnostics, error) {
	return transport.ValidateConfigWithSchema(ctx, p.base, ref, schema, val, common)
}

// pluginBlocks returns pointers to every plugin block of cfg.
func pluginBlocks(cfg *config.Config) []*config.PluginBlock {
	var out []*config.PluginBlock
	for _, list := range []*[]config.PluginBlock{&cfg.Workers, &cfg.ChangeSources, &cfg.Schedulers, &cfg.UserManagers} {
		for i := range *list {
			out = append(out, &(*list)[i])
		}
	}
	return out
}

// Validate checks every plugin block of cfg the way the master will run
// it, without configuring anything: the binaries providing their kinds are
// found and verified (sha256), started (a changed binary beside the running
// one), the blocks decoded against the plugins' schemas (filling Value) and
// given to the plugins' ValidateConfig, whose diagnostics point at the
// user's file:line,col. It also installs cfg's `plugin` blocks in the
// catalog.
func (h *Host) Validate(ctx context.Context, cfg *config.Config) hcl.Diagnostics {
	h.catalog.SetPins(cfg.Plugins)
	idx := h.refreshIndex(ctx)
	var diags hcl.Diagnostics
	for _, err := range idx.errs {
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plugin binary refused", Detail: err.Error()}
		var ce *ChecksumError
		if errors.As(err, &ce) {
			if pin, ok := h.catalog.Pins()[ce.Plugin]; ok && pin.SHA256 != "" && pin.SHA256 == ce.Want {
				d.Subject = pin.Range.Ptr()
			}
		}
		diags = append(diags, d)
	}
	for _, b := range pluginBlocks(cfg) {
		diags = append(diags, h.validateBlock(ctx, cfg, idx, b)...)
	}
	if diags.HasErrors() {
		h.killStaged()
	}
	return diags
}

func (h *Host) validateBlock(ctx context.Context, cfg *config.Config, idx *kindIndex, b *config.PluginBlock) hcl.Diagnostics {
	typ := base.ComponentType(b.Type)
	if schema, ok := h.hostKind(typ, b.Kind); ok {
		val, diags := decodeBlock(cfg, b, schema)
		if !diags.HasErrors() {
			b.Value = val
		}
		return diags
	}
	name, ok := idx.providers[hostKind{typ, b.Kind}]
	if !ok {
		if _, builtin := config.BuiltinSpec(b.Type, b.Kind); builtin {
			return nil
		}
		if b.Value != cty.NilVal {
			return nil // decoded by Load against a host schema
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown " + string(b.Type) + " kind",
			Detail:  fmt.Sprintf("No plugin provides a %s of kind %q.", b.Type, b.Kind),
			Subject: b.KindRange.Ptr()}}
	}
	p, err := h.slot(name).processFor(ctx, idx.bins[name])
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Plugin cannot start",
			Detail:  fmt.Sprintf("%s %q %q needs plugin %q: %v", b.Type, b.Kind, b.Name, name, err),
			Subject: b.DefRange.Ptr()}}
	}
	ci, ok := p.component(typ, b.Kind)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown " + string(b.Type) + " kind",
			Detail:  fmt.Sprintf("Plugin %q (version %s) provides no %s of kind %q.", name, p.info.Version, b.Type, b.Kind),
			Subject: b.KindRange.Ptr()}}
	}
	val, diags := decodeBlock(cfg, b, ci.Schema)
	if diags.HasErrors() {
		return diags
	}
	b.Value = val
	ref := base.Ref{Type: typ, Kind: b.Kind, Name: b.Name}
	cctx, cancel := h.callCtx(ctx)
	defer cancel()
	pd, err := validateIn(cctx, p, ref, ci.Schema, val, base.Common{Builders: b.Builders, MaxBuilds: b.MaxBuilds, Properties: b.Properties})
	if err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plugin cannot validate its block",
			Detail: fmt.Sprintf("plugin %q: %v", name, err), Subject: b.DefRange.Ptr()})
	}
	for _, d := range pd {
		hd := config.AttrDiagnostic(b, PathStrings(d.Path), d.Summary, d.Detail)
		if d.Severity == base.SeverityWarning {
			hd.Severity = hcl.DiagWarning
		}
		diags = append(diags, hd)
	}
	return diags
}

// decodeBlock decodes b's body against schema plus the type's common
// attributes.
func decodeBlock(cfg *config.Config, b *config.PluginBlock, schema base.Block) (cty.Value, hcl.Diagnostics) {
	if b.Body == nil {
		if b.Value != cty.NilVal {
			return b.Value, nil
		}
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Missing block body", Subject: b.DefRange.Ptr()}}
	}
	var ectx *hcl.EvalContext
	if cfg != nil {
		ectx = cfg.EvalContext
	}
	val, diags := config.SafeDecode(b.Body, config.PluginSpec(b.Type, schema.Spec()), ectx, b.DefRange)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	val, _ = val.UnmarkDeep()
	if !val.IsWhollyKnown() {
		return cty.NilVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value not known",
			Detail: "The block depends on values that cannot be computed.", Subject: b.DefRange.Ptr()})
	}
	return val, diags
}

// PathStrings turns an attribute path into the steps config.AttrDiagnostic
// takes: attribute names, map keys and list indexes as strings.
func PathStrings(p cty.Path) []string {
	out := make([]string, 0, len(p))
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			out = append(out, s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.IsNull() || !s.Key.IsKnown():
			case s.Key.Type() == cty.String:
				out = append(out, s.Key.AsString())
			case s.Key.Type() == cty.Number:
				i, _ := s.Key.AsBigFloat().Int64()
				out = append(out, strconv.FormatInt(i, 10))
			}
		}
	}
	return out
}
