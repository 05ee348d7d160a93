package config

import (
	"sort"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// builtinSpecs are the plugin-block kinds the host serves itself: `remote`
// workers (a buildbot-worker dialling in through the pbmanager). Their
// attributes follow Buildbot's Worker arguments in snake_case; durations are
// strings or numbers of seconds (DurationValue).
var builtinSpecs = map[PluginType]map[string]hcldec.Spec{
	TypeWorker: {
		"remote": hcldec.ObjectSpec{
			"password":           &hcldec.AttrSpec{Name: "password", Type: cty.String, Required: true},
			"missing_timeout":    &hcldec.AttrSpec{Name: "missing_timeout", Type: cty.String},
			"keepalive_interval": &hcldec.AttrSpec{Name: "keepalive_interval", Type: cty.String},
			"notify_on_missing":  &hcldec.AttrSpec{Name: "notify_on_missing", Type: cty.List(cty.String)},
		},
	},
}

// BuiltinSpec returns the spec of a kind the host itself provides (without
// the common attributes), or false. Load uses it when the SchemaSource does
// not know the kind.
func BuiltinSpec(typ PluginType, kind string) (hcldec.Spec, bool) {
	spec, ok := builtinSpecs[typ][kind]
	return spec, ok
}

// BuiltinKinds lists the kinds of a plugin type the host provides itself.
func BuiltinKinds(typ PluginType) []string {
	var kinds []string
	for k := range builtinSpecs[typ] {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}
