// Package convert translates between the generated protocol types
// (sdk/proto/bbhost/plugin/v1) and the Go types of sdk/base, so generated
// code never reaches plugin authors or the master. It also maps the
// sentinel errors of sdk/base to gRPC status codes and back.
package convert
