// Package config loads bbhost's HCL configuration (SPEC §3): it parses one
// file or a directory of *.hcl and *.hcl.json files, evaluates locals and
// functions (env, file, the go-cty standard library, try/can), decodes the
// host's own blocks into the structs of types.go with Buildbot's defaults,
// keeps plugin blocks' bodies for the plugins' schemas, and reports every
// mistake as an hcl.Diagnostic with its file, line and column. It also
// renders diagnostics (WriteDiagnostics), formats files for `bbhost fmt`
// (Format, FormatFiles) and compares decoded blocks for reconfiguration
// (the Equal methods).
package config
