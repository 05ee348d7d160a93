package transport

import (
	"github.com/bbhost/bbhost/sdk/base"
	plugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the plugin protocol version this SDK speaks
// (bbhost.plugin.v1).
const ProtocolVersion = 1

// ProtocolVersions lists every protocol version this SDK can serve.
var ProtocolVersions = []int{ProtocolVersion}

// SDKVersion is the version of this SDK, reported by Describe.
const SDKVersion = "0.1.0"

// Handshake is shared by the master and its plugins. The cookie is a UX
// guard against running a plugin by hand, not a security measure; it never
// changes.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "BBHOST_PLUGIN",
	MagicCookieValue: "fa4397a892005314a2c4d42afda2e6dc9149f89a825ea1228d7b07e51784ce7f",
}

// Names of the plugin set's entries.
const (
	NameBase = "base"
)

// Name returns the plugin set entry of a component type.
func Name(t base.ComponentType) string { return string(t) }
