// Package transport is the go-plugin glue of bbhost's plugin protocol: the
// handshake, the plugin set (one name per component type plus "base", all
// served by one process over gRPC), and the base service (Describe,
// ValidateConfig, Shutdown). sdk.Serve uses the server side; the master's
// host/plugins uses the client side. Plugin authors do not import it.
package transport
