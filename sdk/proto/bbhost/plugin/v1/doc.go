// Package pluginv1 is the generated Go code of bbhost's plugin protocol,
// version 1 (the .proto files beside it are the contract). Only sdk/ packages
// import it: plugin authors and the host use the Go types of sdk/base and the
// kind packages, converted by sdk/internal/convert.
//
// Regenerate with sdk/proto/generate.sh (make proto).
package pluginv1
