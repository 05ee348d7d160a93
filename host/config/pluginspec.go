package config

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Common attribute names the host reads itself from plugin blocks. They stay
// part of the body, so the plugin sees them too.
const (
	attrBuilders   = "builders"
	attrProperties = "properties"
	attrMaxBuilds  = "max_builds"
)

// CommonSpec returns the specs of the attributes the host reads from every
// block of a plugin type, keyed by attribute name: for schedulers `builders`
// (required list of strings) and `properties` (any object); for workers
// `max_builds` (number) and `properties`. Other types have none.
func CommonSpec(typ PluginType) hcldec.ObjectSpec {
	switch typ {
	case TypeScheduler:
		return hcldec.ObjectSpec{
			attrBuilders:   &hcldec.AttrSpec{Name: attrBuilders, Type: cty.List(cty.String), Required: true},
			attrProperties: &hcldec.AttrSpec{Name: attrProperties, Type: cty.DynamicPseudoType},
		}
	case TypeWorker:
		return hcldec.ObjectSpec{
			attrMaxBuilds:  &hcldec.AttrSpec{Name: attrMaxBuilds, Type: cty.Number},
			attrProperties: &hcldec.AttrSpec{Name: attrProperties, Type: cty.DynamicPseudoType},
		}
	}
	return hcldec.ObjectSpec{}
}

// PluginSpec returns the spec a plugin block of type typ is decoded with: the
// plugin's own spec plus the type's common attributes (CommonSpec). Where the
// plugin's spec already declares a common attribute (as an object key, an
// attribute or a block type), the plugin's declaration is kept. pluginSpec is
// normally an hcldec.ObjectSpec; nil means a plugin whose block takes no
// attributes of its own. Any other kind of spec cannot be extended and is
// returned unchanged.
func PluginSpec(typ PluginType, pluginSpec hcldec.Spec) hcldec.Spec {
	merged := hcldec.ObjectSpec{}
	switch s := pluginSpec.(type) {
	case nil:
	case hcldec.ObjectSpec:
		for k, v := range s {
			merged[k] = v
		}
	case *hcldec.ObjectSpec:
		if s != nil {
			for k, v := range *s {
				merged[k] = v
			}
		}
	default:
		return pluginSpec
	}
	declared := map[string]bool{}
	if len(merged) > 0 {
		schema := hcldec.ImpliedSchema(merged)
		for _, a := range schema.Attributes {
			declared[a.Name] = true
		}
		for _, b := range schema.Blocks {
			declared[b.Type] = true
		}
	}
	for name, spec := range CommonSpec(typ) {
		if _, taken := merged[name]; taken || declared[name] {
			continue
		}
		merged[name] = spec
	}
	return merged
}
