// Package hostservice carries the Host service (what plugins ask of the
// master: changes, buildsets, state, users, events) over gRPC. The master
// registers its base.HostServer with Register on a server it offers through
// the go-plugin broker; inside a plugin process, Dialer keeps the one
// connection per process and Client.Bind gives each instance its base.Host.
package hostservice
